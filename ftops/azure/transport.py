"""The one HTTP transport for every Azure call: timeouts, retries, Retry-After, a retry budget, typed errors.

Retry decisions live in one function, `retry_delay`. What is retried:
- 408/429/500/502/503/504 and connection errors, for idempotent requests (GET, PUT, DELETE, and POSTs the
  API makes safe, flagged by the caller);
- for a non-idempotent POST only 429 (Azure throttles before acting) and failures to connect (nothing was
  sent). Any other failure after sending raises `AzureMaybeAppliedError`, so a caller that must not pay twice
  (the launch ledger) can look for what the first attempt created.

What is refused (issue #22: hostile servers):
- credentials over plain http, except to the emulator's own origin when FTOPS_AZURE_EMULATOR names a
  loopback URL (`insecure_origin`), and any link (nextLink, Location, Azure-AsyncOperation) that changes
  scheme or host;
- replies bigger than `max_reply_bytes` (streamed, cut at the cap), slower than the deadline (one per
  request across its retries and body; one per listing across its pages; `command_deadline` for a whole
  command), 3xx (ftops follows no redirects), bodies that are not JSON or do not decode;
- a `nextLink` that repeats. Each maps to an `AzureFailureError` (exit 4) with a hint.
"""

from __future__ import annotations

import contextlib
import contextvars
import email.utils
import ipaddress
import json as jsonlib
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
from ftops.azure.sanitize import clean_text
from ftops.errors import AzureFailureError, UserError

log = logging.getLogger("ftops.azure")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
MAX_REPLY_BYTES = 32 * 1024 * 1024  # no Azure JSON reply ftops reads comes near this; a bigger one is refused
_SHAPE_HINT = "retry; if it persists, a proxy or the service is answering something ftops does not know"
_COMMAND_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("ftops_command_deadline", default=None)


@contextlib.contextmanager
def command_deadline(seconds: float, clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Every request made inside this block (retries and pages included) ends by `seconds` from now."""
    token = _COMMAND_DEADLINE.set(clock() + seconds)
    try:
        yield
    finally:
        _COMMAND_DEADLINE.reset(token)


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def reply_json(response: httpx.Response, *, what: str) -> Any:
    """The JSON body of a reply (None when empty), or an AzureFailureError saying it is not JSON."""
    if not response.content:
        return None
    try:
        return jsonlib.loads(response.content)
    except (ValueError, RecursionError):
        kind = response.headers.get("content-type") or "no content type"
        raise AzureFailureError(
            f"{what}: Azure answered {response.status_code} with a body that is not JSON "
            f"({clean_text(kind, 60)}, {len(response.content)} bytes)",
            hint="retry; if it persists, a proxy or captive portal may be answering instead of Azure",
        ) from None


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
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # an unparseable date: fall back to our own backoff
    if parsed is None:
        return None
    try:
        return max(0.0, parsed.timestamp() - (time.time() if now is None else now))
    except (OverflowError, OSError, ValueError):
        return None


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
    `insecure_origin` is the one http origin credentials may go to: the emulator's, set by the clients
    from FTOPS_AZURE_EMULATOR (which must then be a loopback URL). Everything else needs https.
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
    insecure_origin: str | None = None
    max_reply_bytes: int = MAX_REPLY_BYTES

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._owns_client = self.http_client is None
        if self.http_client is None:
            self.http_client = httpx.Client(timeout=self.timeout, follow_redirects=False)
        self._origin = origin(self.base_url)
        self._check_secure(self.base_url)

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
        deadline: float | None = None,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        """Send one logical request (with retries); return a 2xx response (body read) or raise a typed error."""
        method = method.upper()
        url = self.url(path)
        self._check_link(url)
        if reason := unsafe_path_reason(urlsplit(url).path):
            # Names are checked where paths are built; this is the last stop before anything is sent.
            raise InvalidNameError(
                f"refusing {method} {redact_url(url).split('?')[0]}: {reason}",
                hint="a name or id given to ftops is not a valid Azure name; check it against the stack outputs",
            )
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        what = f"{method} {redact_url(url).split('?')[0]}"
        send_headers = {"User-Agent": user_agent(), "Accept": "application/json", **(headers or {})}
        deadline = self._deadline(deadline)
        attempt = 0
        assert self.http_client is not None
        while True:
            attempt += 1
            try:
                request = self.http_client.build_request(
                    method,
                    url,
                    params=params,
                    json=json,
                    files=files,
                    data=data,
                    content=content,
                    headers=send_headers,
                    timeout=self.timeout,
                )
                response = self.http_client.send(request, auth=self.auth, stream=True)
                self._read(response, what, deadline, max_bytes or self.max_reply_bytes)
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
            rid = request_id(response.headers)
            log.debug("%s -> %d (attempt %d, request id %s)", what, status, attempt, clean_text(rid or "-", 80))
            if 200 <= status < 300:
                self.budget.earn_back()
                return response
            if status < 400:
                # ftops follows no redirects: a 3xx would silently read as an empty list or a missing body.
                raise AzureFailureError(
                    f"{what}: Azure answered {status} (a redirect{self._where(response)}); ftops does not follow "
                    "redirects",
                    hint="check the endpoint in the stack outputs or FTOPS_AZURE_EMULATOR; a proxy may be redirecting",
                    status=status,
                )
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

    @staticmethod
    def _where(response: httpx.Response) -> str:
        location = response.headers.get("location")
        return f" to {clean_text(redact_url(location), 120)}" if location else ""

    def _deadline(self, given: float | None) -> float:
        found = self.clock() + self.policy.budget_seconds
        for other in (given, _COMMAND_DEADLINE.get()):
            if other is not None:
                found = min(found, other)
        return found

    def _read(self, response: httpx.Response, what: str, deadline: float, cap: int) -> None:
        """Read the body as it streams: refuse it past `cap` bytes (decoded) or past the deadline."""
        try:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise AzureFailureError(
                    f"{what}: Azure's reply is {int(declared)} bytes, more than ftops reads ({cap} bytes)",
                    hint="retry; if it persists, a proxy or the service is answering something unexpected",
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap:
                    raise AzureFailureError(
                        f"{what}: Azure's reply is more than {cap} bytes; ftops stopped reading it",
                        hint="retry; if it persists, a proxy or the service is answering something unexpected",
                    )
                if self.clock() > deadline:
                    raise AzureFailureError(
                        f"{what}: Azure's reply was still arriving at the deadline; ftops stopped waiting",
                        hint="retry later; the network or the service is very slow",
                    )
                chunks.append(chunk)
            # What httpx's own Response.read() does, with the two bounds above.
            response._content = b"".join(chunks)
        except httpx.DecodingError:
            encoding = response.headers.get("content-encoding") or "?"
            raise AzureFailureError(
                f"{what}: Azure's reply could not be decoded (Content-Encoding {clean_text(encoding, 40)})",
                hint="retry; if it persists, a proxy in between is corrupting replies",
            ) from None
        finally:
            response.close()

    def _may_retry(self, deadline: float, delay: float) -> bool:
        return self.clock() + delay <= deadline and self.budget.spend()

    def _check_secure(self, url: str) -> None:
        """Credentials go over https, or to the emulator's own loopback origin when it is set explicitly."""
        parts = urlsplit(url)
        if parts.scheme == "https":
            return
        if self.insecure_origin and origin(url) == origin(self.insecure_origin) and is_loopback(parts.hostname):
            return
        raise UserError(
            f"refusing to send credentials over {parts.scheme or 'no scheme'} to {redact_url(url).split('?')[0]}",
            hint="Azure endpoints are https (check the endpoint in the stack outputs); for the local emulator "
            "set FTOPS_AZURE_EMULATOR=http://127.0.0.1:PORT",
        )

    def _check_link(self, url: str) -> None:
        # A nextLink or operation URL on another host, or downgraded to http, would receive our token.
        if origin(url) != self._origin:
            parts = urlsplit(url)
            raise AzureFailureError(
                f"refusing to send credentials to {clean_text(parts.scheme, 10)}://{clean_text(parts.netloc, 100)} "
                f"(expected {self._origin})",
                hint="a paging or polling link pointed to an unexpected host or scheme",
            )

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request` and parse the JSON body (None for an empty body)."""
        response = self.request(method, path, **kwargs)
        return reply_json(response, what=f"{method.upper()} {redact_url(self.url(path)).split('?')[0]}")

    def paged(self, path: str, *, params: Mapping[str, Any] | None = None, max_pages: int = 1000) -> Iterator[dict]:
        """Items of an ARM list, following `nextLink` (which carries its own query), under one deadline."""
        url: str | None = path
        query: Mapping[str, Any] | None = params
        deadline = self._deadline(None)
        seen: set[str] = set()
        what = f"GET {redact_url(self.url(path)).split('?')[0]}"
        for _ in range(max_pages):
            if url is None:
                return
            page = self.json("GET", url, params=query, deadline=deadline)
            if page is None:
                return
            if not isinstance(page, dict) or not isinstance(page.get("value", []), list | None):
                raise AzureFailureError(f"{what}: Azure's list reply is not a list page", hint=_SHAPE_HINT)
            for item in page.get("value") or []:
                if not isinstance(item, dict):
                    raise AzureFailureError(
                        f"{what}: Azure's list holds an item that is not an object", hint=_SHAPE_HINT
                    )
                yield item
            link = page.get("nextLink") or None
            if link is not None and not isinstance(link, str):
                raise AzureFailureError(f"{what}: Azure's nextLink is not a URL", hint=_SHAPE_HINT)
            if link is not None:
                if link in seen or link == url:
                    raise AzureFailureError(
                        f"{what}: Azure's nextLink repeats a page already read; stopping",
                        hint="retry later; the listing is looping",
                    )
                seen.add(link)
            url, query = link, None
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
