"""Small HTTP value types for the emulator: a parsed request, a reply, error envelopes, multipart parsing."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any


@dataclass
class Request:
    method: str
    path: str  # without the `/accounts/<name>` prefix and without the query
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    account: str = "default"
    base_url: str = ""
    v1: bool = False  # came in on the `/openai/v1/...` surface (no api-version)
    json: Any = None
    form: dict[str, Any] = field(default_factory=dict)  # multipart: name -> str, or (filename, bytes) for files

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass
class Reply:
    status: int
    body: Any = None  # dict/list -> JSON; bytes -> raw
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode("utf-8")


def error(status: int, code: str, message: str, param: str | None = None, *, headers: dict | None = None) -> Reply:
    """An error in the shared envelope `{"error": {"code", "message"}}` (data plane adds `param`)."""
    body: dict[str, Any] = {"code": code, "message": message}
    if param:
        body["param"] = param
    return Reply(status, {"error": body}, headers=dict(headers or {}))


def parse_body(request: Request) -> None:
    """Fill `request.json` or `request.form` from the body and content type; bad JSON stays None."""
    if not request.body:
        return
    content_type = request.content_type
    if "multipart/form-data" in content_type:
        request.form = parse_multipart(request.body, content_type)
    elif "json" in content_type or request.body[:1] in (b"{", b"["):
        try:
            request.json = json.loads(request.body)
        except ValueError:
            request.json = None


def parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Fields of a multipart body: a direct split on the boundary (a 64 MB part is not parsed line by line),
    falling back to the email parser for anything unusual."""
    found = _split_multipart(body, content_type)
    return found if found is not None else _email_multipart(body, content_type)


_DISPOSITION = re.compile(rb'form-data;\s*name="([^"]*)"(?:;\s*filename="([^"]*)")?', re.IGNORECASE)


def _split_multipart(body: bytes, content_type: str) -> dict[str, Any] | None:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        return None
    delimiter = b"--" + match.group(1).encode()
    form: dict[str, Any] = {}
    pieces = body.split(b"\r\n" + delimiter)
    if not pieces or not pieces[0].startswith(delimiter):
        return None
    pieces[0] = pieces[0][len(delimiter) :]
    for piece in pieces:
        if piece.startswith(b"--"):
            break
        head, sep, payload = piece.partition(b"\r\n\r\n")
        if not sep:
            return None
        disposition = _DISPOSITION.search(head)
        if disposition is None:
            return None
        name = disposition.group(1).decode()
        filename = disposition.group(2)
        form[name] = (filename.decode(), payload) if filename is not None else payload.decode("utf-8", "replace")
    return form


def _email_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    form: dict[str, Any] = {}
    if not message.is_multipart():
        return form
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        form[name] = (filename, payload) if filename is not None else payload.decode("utf-8", "replace")
    return form
