"""The one HTTP transport for every Azure call: timeouts, retries, Retry-After, a retry budget, typed errors.

Retry decisions live in one function, `retry_delay`. What is retried:
- 408/429/500/502/503/504 and connection errors, for idempotent requests (GET, PUT, DELETE, and POSTs the
  API makes safe, flagged by the caller);
- for a non-idempotent POST only 429 (Azure throttles before acting) and failures to connect (nothing was
  sent). Any other failure after sending raises `AzureMaybeAppliedError`, so a caller that must not pay twice
  (the launch ledger) can look for what the first attempt created.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlsplit

import httpx

from ftops.azure.errors import AzureMaybeAppliedError, error_from_response, redact_url, request_id
from ftops.azure.names import InvalidNameError, unsafe_path_reason
from ftops.errors import AzureFailureError

log = logging.getLogger("ftops.azure")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def user_agent() -> str:
    from ftops import __version__

    return f"ftops/{__version__} httpx/{httpx.__version__}"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one request tries. Every loop is bounded by attempts and by time."""

    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_retry_after: float = 60.0  # a server asking for longer than this is not waited for
    budget_seconds: float = 180.0  # wall-clock cap for one request including its retries
    statuses: frozenset[int] = RETRY_STATUSES


class RetryBudget:
    """A client-wide allowance of retries, so a failing service is not hammered by many requests at once.

    Each retry spends one token; each success earns a fraction back, up to the capacity.
    """

    def __init__(self, capacity: float = 60.0, earn_per_success: float = 0.5) -> None:
        self.capacity = capacity
        self.earn = earn_per_success
        self._tokens = capacity
        self._lock = threading.Lock()

    def spend(self) -> bool:
        with self._lock:
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def earn_back(self) -> None:
        with self._lock:
            self._tokens = min(self.capacity, self._tokens + self.earn)


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, `x-ms-retry-after-ms`, or `Retry-After`."""
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        value = headers.get(name)
        if value:
            try:
                return max(0.0, float(value) / 1000.0)
            except ValueError:
                pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - (time.time() if now is None else now))


def retry_delay(
    policy: RetryPolicy,
    attempt: int,
    *,
    status: int | None,
    headers: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None to give up.

    `status` None means a connection error. The server's Retry-After wins; otherwise capped exponential
    backoff with full jitter (between half and all of the step).
    """
    if attempt >= policy.max_attempts:
        return None
    if status is not None and status not in policy.statuses:
        return None
    asked = parse_retry_after(headers or {}) if status is not None else None
    if asked is not None:
        return asked if asked <= policy.max_retry_after else None
    step = min(policy.backoff_max, policy.backoff_base * (2 ** (attempt - 1)))
    return step * (0.5 + 0.5 * (rng or random).random())


@dataclass
class Transport:
    """Sends requests to one Azure API (ARM, or one data-plane endpoint) with auth and retries.

    `http_client` is injectable: tests pass one with `httpx.MockTransport`, or point at the emulator.
    """

    base_url: str
    auth: httpx.Auth
    http_client: httpx.Client | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    budget: RetryBudget = field(default_factory=RetryBudget)
    sleep: Callable[[float], None] = time.sleep
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(30.0, connect=10.0))
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._owns_client = self.http_client is None
        if self.http_client is None:
            self.http_client = httpx.Client(timeout=self.timeout, follow_redirects=False)
        self._host = urlsplit(self.base_url).netloc

    def close(self) -> None:
        if self._owns_client and self.http_client is not None:
            self.http_client.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one logical request (with retries); return a 2xx/3xx response or raise a typed error."""
        method = method.upper()
        url = self.url(path)
        self._check_host(url)
        if reason := unsafe_path_reason(urlsplit(url).path):
            # Names are checked where paths are built; this is the last stop before anything is sent.
            raise InvalidNameError(
                f"refusing {method} {redact_url(url).split('?')[0]}: {reason}",
                hint="a name or id given to ftops is not a valid Azure name; check it against the stack outputs",
            )
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        what = f"{method} {redact_url(url).split('?')[0]}"
        send_headers = {"User-Agent": user_agent(), "Accept": "application/json", **(headers or {})}
        deadline = self.clock() + self.policy.budget_seconds
        attempt = 0
        assert self.http_client is not None
        while True:
            attempt += 1
            try:
                response = self.http_client.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    files=files,
                    data=data,
                    content=content,
                    headers=send_headers,
                    auth=self.auth,
                    timeout=self.timeout,
                )
                response.read()
            except httpx.TransportError as exc:
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
                log.debug("%s: %s on attempt %d", what, type(exc).__name__, attempt)
                if not safe and not never_sent:
                    raise AzureMaybeAppliedError(
                        f"{what}: the connection failed after the request was sent ({type(exc).__name__}); "
                        "Azure may or may not have acted on it",
                        hint="list what exists before retrying (ftops resumes launches by their launch key)",
                    ) from None
                delay = retry_delay(self.policy, attempt, status=None, rng=self.rng)
                if delay is None or not self._may_retry(deadline, delay):
                    raise AzureFailureError(
                        f"{what}: network failure after {attempt} attempt(s) ({type(exc).__name__})",
                        hint="check the network, proxy settings or FTOPS_AZURE_EMULATOR, and retry",
                    ) from None
                self.sleep(delay)
                continue
            status = response.status_code
            log.debug("%s -> %d (attempt %d, request id %s)", what, status, attempt, request_id(response.headers))
            if status < 400:
                self.budget.earn_back()
                return response
            retryable = safe or status == 429
            delay = (
                retry_delay(self.policy, attempt, status=status, headers=response.headers, rng=self.rng)
                if retryable
                else None
            )
            if delay is None or not self._may_retry(deadline, delay):
                error = error_from_response(response, what=what)
                if not retryable and status in self.policy.statuses:
                    error = AzureMaybeAppliedError(
                        error.message,
                        hint="Azure may have acted on it; list what exists before retrying",
                        status=status,
                        code=error.code,
                        request_id=error.request_id,
                    )
                raise error
            self.sleep(delay)

    def _may_retry(self, deadline: float, delay: float) -> bool:
        return self.clock() + delay <= deadline and self.budget.spend()

    def _check_host(self, url: str) -> None:
        # A nextLink or operation URL on another host would receive our token: refuse it.
        host = urlsplit(url).netloc
        if host != self._host:
            raise AzureFailureError(
                f"refusing to send credentials to {host} (expected {self._host})",
                hint="a paging or polling link pointed to an unexpected host",
            )

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request` and parse the JSON body (None for an empty body)."""
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None

    def paged(self, path: str, *, params: Mapping[str, Any] | None = None, max_pages: int = 1000) -> Iterator[dict]:
        """Items of an ARM list, following `nextLink` (which carries its own query)."""
        url: str | None = path
        query: Mapping[str, Any] | None = params
        for _ in range(max_pages):
            if url is None:
                return
            page = self.json("GET", url, params=query) or {}
            yield from page.get("value") or []
            url, query = page.get("nextLink") or None, None
        raise AzureFailureError(f"GET {path}: more than {max_pages} pages; stopping", hint="narrow the query")


class ClientBase:
    """What every Azure client shares: it owns a Transport and closes it, also as a context manager."""

    transport: Transport

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
