"""Turn ARM and Azure OpenAI error envelopes into ftops' typed errors, with a hint.

ARM answers ``{"error": {"code", "message", "details"?}}``; the data plane answers
``{"error": {"code", "message", "param"?, "type"?, "inner_error"?}}``. Both map here.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from ftops.azure.sanitize import clean_text
from ftops.errors import AzureFailureError, AzureRefusedError

REQUEST_ID_HEADERS = ("x-ms-request-id", "apim-request-id", "x-request-id", "x-ms-correlation-request-id")
_SAFE_QUERY_KEYS = {"api-version", "after", "limit", "$filter", "purpose", "order", "$skip"}

_QUOTA_CODES = {"insufficientquota", "quotaexceeded", "operationnotallowed", "insufficientresourcequota"}
_AVAILABILITY_CODES = {"modelnotsupported", "unsupportedmodel", "invalidmodel", "deploymentmodelnotsupported"}


class AzureNotFoundError(AzureRefusedError):
    """The resource does not exist (404)."""

    kind = "azure_not_found"


class AzureConflictError(AzureRefusedError):
    """Azure refused because of the resource's current state (409), e.g. a parallel deployment create."""

    kind = "azure_conflict"


class AzureThrottledError(AzureFailureError):
    """Still throttled (429) after the retry budget was spent."""

    kind = "azure_throttled"


class AzureMaybeAppliedError(AzureFailureError):
    """A non-idempotent request failed after it was sent: Azure may or may not have acted on it."""

    kind = "azure_maybe_applied"


def redact_url(url: str | httpx.URL) -> str:
    """A URL safe for messages and logs: no userinfo, and only harmless query parameters (no SAS, keys, codes)."""
    parts = urlsplit(str(url))
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    query = [(k, v if k in _SAFE_QUERY_KEYS else "***") for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="$*"), ""))


def request_id(headers: httpx.Headers) -> str | None:
    found = next((headers[h] for h in REQUEST_ID_HEADERS if headers.get(h)), None)
    return clean_text(found, 100) if found else None


def error_envelope(response: httpx.Response) -> tuple[str | None, str | None]:
    """(code, message) from either envelope, or (None, None) if the body is not one."""
    try:
        body = json.loads(response.content or b"null")
    except (ValueError, RecursionError):
        return None, None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return _str(error.get("code")), _str(error.get("message"))
    if isinstance(error, str):
        return None, error
    return None, None


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _hint(status: int, code: str | None, message: str) -> str | None:
    key = (code or "").lower()
    text = message.lower()
    if status in (401, 403):
        return "check `az login` and that your identity has a role on the resource (see `ftops check --stack S`)"
    if key in _QUOTA_CODES or "quota" in text:
        return "see what is used and left with `ftops quota`, or request more quota in the Azure portal"
    if key in _AVAILABILITY_CODES or "does not support fine-tuning" in text or "not supported in this region" in text:
        return (
            "check where the model can be fine-tuned with `ftops availability --model M --live`; "
            "global-only models need a global training type"
        )
    if status == 404:
        return "check the name or id; list what exists (e.g. `ftops jobs list`)"
    if status == 409:
        return "another operation is still running on this resource; wait for it and retry"
    if status == 429:
        return "Azure kept throttling; wait a minute and retry, or lower concurrency"
    if status >= 500:
        return "Azure had a server error; retry later (see https://azure.status.microsoft/)"
    if status == 408:
        return "Azure did not answer in time; retry later"
    return None


def error_from_response(response: httpx.Response, *, what: str) -> AzureRefusedError:
    """The typed error for a non-success response to `what` (e.g. 'POST /openai/files')."""
    status = response.status_code
    code, message = error_envelope(response)
    # Whatever the server wrote is bounded, one line, without control characters or token-shaped strings.
    code = clean_text(code, 100) if code else None
    text = clean_text(message or response.reason_phrase or "no message")
    full = f"{what} failed: {status} {code + ': ' if code else ''}{text}"
    rid = request_id(response.headers)
    if rid:
        full += f" (request id {rid})"
    kind: type[AzureRefusedError] = AzureRefusedError
    if status == 404:
        kind = AzureNotFoundError
    elif status == 409:
        kind = AzureConflictError
    elif status == 429:
        kind = AzureThrottledError
    elif status >= 500 or status == 408:
        kind = AzureFailureError
    return kind(full, hint=_hint(status, code, text), status=status, code=code, request_id=rid)
