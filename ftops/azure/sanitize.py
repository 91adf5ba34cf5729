"""Make text from a server safe to print: bounded, one line, no control characters, no secrets.

A server (or a proxy in front of it) may echo the request's `Authorization` header, put terminal escape
sequences in an error message, or answer with a 50 MB message. Everything ftops prints that came from a
server passes through `clean_text` (messages) or `clean_tree` (the `--json` documents):
- secrets ftops itself sent (the bearer token, the api key) are replaced verbatim, wherever they appear;
- token-shaped strings are replaced too: JWTs, `Bearer ...`, `api-key: ...`, SAS `sig=...`, account keys;
- C0/C1 control characters, DEL and bidirectional overrides are removed (a newline becomes a space);
- length is bounded, with the number of characters left out said at the end.
"""

from __future__ import annotations

import re
import threading
from typing import Any

MAX_MESSAGE_CHARS = 500  # one error line
MAX_FIELD_CHARS = 4000  # one string inside a --json document
REDACTED = "***"

_SECRETS: set[str] = set()
_LOCK = threading.Lock()

# Token shapes, most specific first. JWTs: three base64url parts, the first two starting with '{"' encoded.
_PATTERNS = [
    re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)\b(api[-_]?key|ocp-apim-subscription-key|x-ms-token|access[-_]?token|client[-_]?secret)"
        r"(\"?\s*[:=]\s*\"?)[^\s\"',;&]{6,}"
    ),
    re.compile(r"(?i)\b(sig|signature|accountkey|sharedaccesskey)=[^\s\"'&;,]{6,}"),
]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_NEWLINES = re.compile(r"[\r\n\t]+")


def register_secret(value: str | None) -> None:
    """Remember a credential ftops sends, so it is scrubbed verbatim from anything printed later."""
    if value and len(value) >= 8:
        with _LOCK:
            _SECRETS.add(value)


def scrub(text: str) -> str:
    """`text` with known secrets and token-shaped strings replaced by ***."""
    with _LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _PATTERNS[0].sub(REDACTED, text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _PATTERNS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _PATTERNS[3].sub(lambda m: f"{m.group(1)}={REDACTED}", text)


def clean_text(value: object, limit: int = MAX_MESSAGE_CHARS, *, one_line: bool = True) -> str:
    """A server's text as ftops prints it: scrubbed, without control characters, at most `limit` characters."""
    text = str(value)
    extra = 0
    if len(text) > limit * 4:  # do not run the patterns over megabytes only to cut them
        extra = len(text) - limit * 4
        text = text[: limit * 4]
    if one_line:
        text = _NEWLINES.sub(" ", text)
    text = scrub(_CONTROL.sub("", text))
    if len(text) > limit:
        extra += len(text) - limit
        text = text[:limit]
    return f"{text}... ({extra} more characters)" if extra else text


def clean_tree(value: Any, limit: int = MAX_FIELD_CHARS, *, depth: int = 0) -> Any:
    """A JSON-like document with every string (keys too) cleaned; nesting is bounded as well."""
    if depth > 64:
        return REDACTED
    if isinstance(value, str):
        return clean_text(value, limit, one_line=False) if _needs_cleaning(value, limit) else value
    if isinstance(value, dict):
        return {
            clean_tree(str(k), 200, depth=depth + 1): clean_tree(v, limit, depth=depth + 1) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [clean_tree(v, limit, depth=depth + 1) for v in value]
    return value


def _needs_cleaning(text: str, limit: int) -> bool:
    # Fast path for the ids, names and dates that make up most documents.
    if len(text) > limit or _CONTROL.search(text):
        return True
    return scrub(text) != text
