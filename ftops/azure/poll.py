"""The one way ftops waits for Azure: every wait in the product is `wait_until` or an `LroPoller` on it.

`wait_until(fetch, outcome, ...)` calls `fetch` until `outcome` names a terminal state, sleeping between
calls for the server's Retry-After if it sent one, else the caller's interval, never longer than one
cap (`MAX_INTERVAL`), and never past one deadline: a wait that would end after it raises
`PollTimeoutError` (exit 4) saying what was still in which state. Progress goes to an `on_poll` callback.
The result is typed: `Polled(outcome, value, polls)`.

`LroPoller` follows an ARM long-running operation the way azure-core's `arm_polling` does (reference:
azure-mgmt-core `ARMPolling`, azure-core `base_polling`), with the algorithms tried in its order:
1. `Azure-AsyncOperation` header: GET it until its body's `status` is terminal; then the final resource
   is a GET of the original URL for PUT/PATCH, of `Location` for a POST that sent one, else the status body.
2. `Location` header: GET it while it answers 202; a 200/201/204 ends it, its body being the result.
   One addition to azure-core: a 200 whose body still carries a non-terminal `provisioningState` (or
   `status`) is still running, as Microsoft.Quota's quotaRequests examples answer while a request is
   `InProgress`.
3. Body `properties.provisioningState` of a PUT/PATCH answering 200/201: GET the resource until terminal.
4. Anything else that is 2xx is done.
A terminal Failed/Canceled raises `AzureRefusedError` (exit 3) with the operation's own error code and
message, cleaned for printing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from ftops.azure.models import OperationStatus, Outcome, outcome_of, parse
from ftops.azure.sanitize import clean_text
from ftops.errors import AzureFailureError, AzureRefusedError

T = TypeVar("T")

MAX_INTERVAL = 60.0  # the one cap between two polls, whatever the server or the caller asks for
LRO_INTERVAL = 5.0  # between polls of an ARM operation that sends no Retry-After
LRO_TIMEOUT = 1800.0


class PollTimeoutError(AzureFailureError):
    """A wait reached its deadline before the operation ended."""

    kind = "azure_timeout"


@dataclass(frozen=True)
class Polled(Generic[T]):
    """How a wait ended: the outcome, the last thing fetched, and how many fetches it took."""

    outcome: Outcome
    value: T
    polls: int


def _span(seconds: float) -> str:
    return f"{seconds / 3600:.0f} h" if seconds >= 7200 else f"{seconds:.0f}s"


def wait_until(
    fetch: Callable[[], T],
    outcome: Callable[[T], Outcome | None],
    *,
    what: str,
    interval: float,
    timeout: float,
    state: Callable[[T], object] = lambda value: "running",
    retry_after: Callable[[T], float | None] = lambda value: None,
    on_poll: Callable[[T], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    cap: float = MAX_INTERVAL,
    hint: str | None = None,
) -> Polled[T]:
    """Fetch until terminal; sleep Retry-After (else `interval`), capped at `cap`; stop at `timeout`."""
    deadline = clock() + timeout
    polls = 0
    while True:
        value = fetch()
        polls += 1
        if on_poll is not None:
            on_poll(value)
        ended = outcome(value)
        if ended is not None:
            return Polled(ended, value, polls)
        asked = retry_after(value)
        wait = max(0.0, min(interval if asked is None else asked, cap))
        if clock() + wait > deadline:
            raise PollTimeoutError(
                f"{what} still {clean_text(state(value), 80)} after {_span(timeout)}",
                hint=hint or "it may still finish; check it again later",
            )
        sleep(wait)


def retry_after_of(response: httpx.Response) -> float | None:
    from ftops.azure.transport import parse_retry_after

    return parse_retry_after(response.headers)


def _body(response: httpx.Response, what: str) -> Any:
    from ftops.azure.transport import reply_json

    return reply_json(response, what=what)


class LroPoller:
    """Follows one ARM long-running operation from its first response; `result()` waits for the resource."""

    def __init__(
        self,
        transport: Any,
        response: httpx.Response,
        *,
        what: str,
        final_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_poll: Callable[[str], None] | None = None,
        failure_hint: Callable[[str | None], str | None] | None = None,
    ) -> None:
        self._transport = transport
        self._sleep = sleep
        self._what = what
        self._on_poll = on_poll
        self._hint = failure_hint or lro_hint
        method = response.request.method.upper()
        self._method = method
        self._resource_url = final_url or str(response.request.url)
        headers = response.headers
        self._async = headers.get("azure-asyncoperation")
        self._location = headers.get("location")
        self._delay = retry_after_of(response)
        self._result: Any = _body(response, what) if response.content else None
        self._status = "Succeeded"
        self.monitor_url: str | None = self._async or self._location
        if self._async:
            self._algorithm = "async"
            self._status = "InProgress"
        elif self._location and response.status_code in (201, 202):
            self._algorithm = "location"
            self._status = "InProgress"
        elif method in ("PUT", "PATCH") and response.status_code in (200, 201):
            self._algorithm = "body"
            self._status = str(_provisioning_state(self._result) or "Succeeded")
            if outcome_of(self._status) is None:
                self.monitor_url = self._resource_url
        else:
            self._algorithm = "done"
        self._check(self._status, self._result)

    def status(self) -> str:
        return self._status

    def done(self) -> bool:
        return outcome_of(self._status) is not None

    def poll(self) -> str:
        """One status read; returns the status (raises on Failed/Canceled)."""
        if self.done() or self.monitor_url is None:
            return self._status
        try:
            response = self._transport.request("GET", self.monitor_url)
        except AzureRefusedError as exc:
            if self._algorithm != "location" or isinstance(exc, AzureFailureError):
                raise  # only Azure's refusal ends the operation; a network or 5xx failure stays exit 4
            # A Location monitor answers a failed operation with its error status (azure-core raises too).
            raise AzureRefusedError(
                f"{self._what} ended Failed: {exc.message}",
                code=exc.code,
                hint=self._hint(exc.code) or exc.hint,
                status=exc.status,
                request_id=exc.request_id,
            ) from None
        self._delay = retry_after_of(response)
        body = _body(response, self._what) if response.content else None
        if self._algorithm == "async":
            status = parse(OperationStatus, body if body is not None else {}, what=self._what).state
            if status is None:  # azure-core's BadResponse: an operation status always says its status
                raise AzureFailureError(
                    f"{self._what}: the operation status Azure returned has no status",
                    hint="retry; if it persists, a proxy may be answering in Azure's place",
                )
        elif self._algorithm == "location":
            if location := response.headers.get("location"):
                self.monitor_url = location
            inner = _provisioning_state(body) or (body.get("status") if isinstance(body, dict) else None)
            if response.status_code == 202 or (inner is not None and outcome_of(inner) is None):
                status = "InProgress"
            else:
                status = str(inner or "Succeeded")
        else:
            status = str(_provisioning_state(body) or "Succeeded")
        self._status = str(status)
        self._check(self._status, body)
        if self.done():
            self._result = self._final(body)
        return self._status

    def result(self, *, timeout: float = LRO_TIMEOUT, poll_seconds: float = LRO_INTERVAL) -> Any:
        """Wait until the operation ends and return the final resource (a dict, as ARM sent it)."""
        if not self.done():

            def fetch() -> str:
                status = self.poll()
                if self._on_poll is not None:
                    self._on_poll(status)
                return status

            wait_until(
                fetch,
                outcome_of,
                what=self._what,
                interval=poll_seconds,
                timeout=timeout,
                state=lambda status: status,
                retry_after=lambda status: self._delay,
                sleep=self._sleep,
            )
        return self._result

    def _final(self, body: Any) -> Any:
        if self._algorithm == "async":
            if self._method in ("PUT", "PATCH"):
                return self._transport.json("GET", self._resource_url)
            if self._method == "POST" and self._location:
                return self._transport.json("GET", self._location)
            return body
        if self._algorithm == "location":
            return body
        return body

    def _check(self, status: str, body: Any) -> None:
        ended = outcome_of(status)
        if ended not in (Outcome.FAILED, Outcome.CANCELLED):
            return
        detail = parse(OperationStatus, body if isinstance(body, dict) else {}, what=self._what)
        code = detail.error_detail.code
        raise AzureRefusedError(
            f"{self._what} ended {clean_text(status, 40)}: {clean_text(detail.reason)}",
            code=clean_text(code, 100) if code else None,
            hint=self._hint(code),
        )


def _provisioning_state(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    properties = body.get("properties")
    found = properties.get("provisioningState") if isinstance(properties, dict) else None
    return None if found is None else str(found)


def lro_hint(code: str | None) -> str | None:
    key = str(code or "").lower()
    if "escalat" in key or "quota" in key:
        return "open a support request for this quota in the Azure portal (Help + support > quota)"
    return None
