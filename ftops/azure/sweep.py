"""The one region sweep: read the same thing from many regions at once, bounded, under one deadline.

`sweep(read, regions)` runs `read(region)` on at most `max_workers` threads (so a sweep never floods ARM;
each read still goes through the transport's retries), keeps each region's error instead of failing the
whole sweep, gives results in the order the regions were given (duplicates dropped), and stops waiting
at one deadline: regions not answered by then carry a timeout error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from ftops.errors import FtopsError

T = TypeVar("T")

MAX_WORKERS = 16  # concurrent region reads; Azure throttles per subscription, not per region
SWEEP_SECONDS = 120.0  # one deadline for the whole sweep


@dataclass(frozen=True)
class RegionResult(Generic[T]):
    """One region's answer: `value`, or `error` (the one-line message of what went wrong)."""

    region: str
    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def sweep(
    read: Callable[[str], T],
    regions: Iterable[str],
    *,
    max_workers: int = MAX_WORKERS,
    timeout: float = SWEEP_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> list[RegionResult[T]]:
    """`read` every region, at most `max_workers` at a time; errors per region; results in input order."""
    wanted = list(dict.fromkeys(regions))
    if not wanted:
        return []
    deadline = clock() + timeout
    results: dict[str, RegionResult[T]] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(wanted))), thread_name_prefix="ftops-sweep")
    try:
        pending: dict[Future[T], str] = {pool.submit(read, region): region for region in wanted}
        while pending:
            left = deadline - clock()
            if left <= 0:
                break
            done, _ = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
            for future in done:
                region = pending.pop(future)
                results[region] = _result(region, future)
        for future, region in pending.items():
            future.cancel()
            results[region] = RegionResult(region, error=f"no answer within {timeout:.0f}s")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return [results[region] for region in wanted]


def _result(region: str, future: Future[T]) -> RegionResult[T]:
    from ftops.azure.auth import NotSignedInError

    try:
        return RegionResult(region, value=future.result())
    except NotSignedInError:
        raise  # the same for every region: said once, by the caller
    except FtopsError as exc:
        return RegionResult(region, error=exc.message)


def by_region(results: Iterable[RegionResult[T]]) -> tuple[dict[str, T], dict[str, str]]:
    """(answers, errors), each keyed by region, in the sweep's order."""
    answers: dict[str, T] = {}
    errors: dict[str, str] = {}
    for result in results:
        if result.error is None:
            answers[result.region] = result.value  # type: ignore[assignment]
        else:
            errors[result.region] = result.error
    return answers, errors
