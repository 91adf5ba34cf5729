"""Deterministic fault injection for the emulator, from a spec string or file.

A spec is rules separated by `;` or newlines (`#` starts a comment). Each rule is an action and options:

    latency ms=200                                   every request waits 200 ms first
    429 on=POST:/openai/files nth=1-3 retry-after=1  the first three uploads are throttled
    503 on=GET:* times=2                             two 503s on any GET
    drop-after on=POST:/openai/fine_tuning/jobs nth=2   the 2nd job create is acted on, then the connection drops
    drop-before on=GET:/openai/files/* p=0.1         10% of file reads lose the connection before acting
    slow-body on=GET:* ms=300                        the body trickles out over 300 ms

Actions: latency, 408, 429, 500, 502, 503, 504, drop-before, drop-after, slow-body.
Options: on=METHOD:PATH (glob, `*` any; method `*` any), nth=N | N-M | N,M (1-based among matching
requests), p=probability (drawn from a generator seeded with --seed), times=N (fire at most N times),
ms=milliseconds (latency, slow-body), retry-after=seconds, retry-after-ms=milliseconds (status rules).
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ftops.errors import UsageError

ACTIONS = ("latency", "408", "429", "500", "502", "503", "504", "drop-before", "drop-after", "slow-body")
MAX_DELAY_MS = 60_000  # keeps every injected wait bounded


@dataclass
class Rule:
    action: str
    method: str = "*"
    path: str = "*"
    nth: frozenset[int] | None = None
    probability: float | None = None
    times: int | None = None
    ms: int = 0
    retry_after: str | None = None
    retry_after_ms: str | None = None
    seen: int = 0
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(path, self.path)

    def fires(self) -> bool:
        """Called once per matching request, in arrival order; decides deterministically."""
        self.seen += 1
        if self.times is not None and self.fired >= self.times:
            return False
        if self.nth is not None and self.seen not in self.nth:
            return False
        if self.probability is not None and self.rng.random() >= self.probability:
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class Fault:
    """What to do to one request."""

    latency_ms: int = 0
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    drop_before: bool = False
    drop_after: bool = False
    slow_body_ms: int = 0


def _bad(rule: str, why: str) -> UsageError:
    return UsageError(f"fault rule '{rule}': {why}", hint="see `ftops emulator serve --help` for the fault syntax")


def _nth(text: str, rule: str) -> frozenset[int]:
    found: set[int] = set()
    try:
        for part in text.split(","):
            low, _, high = part.partition("-")
            found.update(range(int(low), int(high or low) + 1))
    except ValueError:
        raise _bad(rule, f"nth={text} is not N, N-M or N,M") from None
    if not found or min(found) < 1:
        raise _bad(rule, "nth counts from 1")
    return frozenset(found)


def parse_rule(text: str, seed: int, index: int) -> Rule:
    words = text.split()
    action = words[0].lower()
    if action not in ACTIONS:
        raise _bad(text, f"unknown action '{words[0]}'; use one of {', '.join(ACTIONS)}")
    rule = Rule(action, rng=random.Random(f"{seed}:{index}"))
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or not value:
            raise _bad(text, f"'{word}' is not key=value")
        try:
            if key == "on":
                method, _, path = value.partition(":")
                rule.method, rule.path = method.upper() or "*", path or "*"
            elif key == "nth":
                rule.nth = _nth(value, text)
            elif key == "p":
                rule.probability = float(value)
                if not 0 <= rule.probability <= 1:
                    raise ValueError
            elif key == "times":
                rule.times = int(value)
            elif key == "ms":
                rule.ms = int(value)
                if not 0 <= rule.ms <= MAX_DELAY_MS:
                    raise ValueError
            elif key == "retry-after":
                rule.retry_after = str(int(float(value)))
            elif key == "retry-after-ms":
                rule.retry_after_ms = str(int(value))
            else:
                raise _bad(text, f"unknown option '{key}'")
        except ValueError:
            raise _bad(text, f"bad value in '{word}'") from None
    return rule


class FaultPlan:
    """Parsed rules plus per-rule counters; thread-safe, deterministic for a given seed and request order."""

    def __init__(self, spec: str = "", seed: int = 0) -> None:
        self.spec = spec
        self.seed = seed
        chunks = [c.split("#", 1)[0].strip() for line in spec.splitlines() for c in line.split(";")]
        self.rules = [parse_rule(c, seed, i) for i, c in enumerate(c for c in chunks if c)]
        self._lock = threading.Lock()

    @classmethod
    def load(cls, spec: str | None, seed: int = 0) -> FaultPlan:
        """From a spec string, or `@FILE` holding one (the command line's form; the admin endpoint takes text)."""
        if not spec:
            return cls("", seed)
        if spec.startswith("@"):
            path = Path(spec[1:])
            try:
                return cls(path.read_text(encoding="utf-8"), seed)
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read fault file {path}: {getattr(exc, 'strerror', None) or exc}") from None
        return cls(spec, seed)

    def decide(self, method: str, path: str) -> Fault:
        latency = slow = 0
        status: int | None = None
        headers: list[tuple[str, str]] = []
        drop_before = drop_after = False
        with self._lock:
            for rule in self.rules:
                if not rule.matches(method, path) or not rule.fires():
                    continue
                if rule.action == "latency":
                    latency += rule.ms
                elif rule.action == "slow-body":
                    slow = max(slow, rule.ms)
                elif rule.action == "drop-before":
                    drop_before = True
                elif rule.action == "drop-after":
                    drop_after = True
                elif status is None:
                    status = int(rule.action)
                    if rule.retry_after is not None:
                        headers.append(("Retry-After", rule.retry_after))
                    if rule.retry_after_ms is not None:
                        headers.append(("retry-after-ms", rule.retry_after_ms))
        return Fault(min(latency, MAX_DELAY_MS), status, tuple(headers), drop_before, drop_after, slow)
