"""Uploads that scale: a file above `PART_THRESHOLD` goes through Azure's Uploads API in parts, resumably.

    from ftops.azure.uploads import upload_file
    file = upload_file(plane, Path("big.jsonl"), filename="ftops-1a2b...-big.jsonl", store=ledger, key=key)

Memory stays bounded whatever the file's size: a part is streamed from disk in 64 KiB chunks (httpx reads the
file-like slice), never read whole. Up to the threshold the file goes in one multipart POST (`/files`), also
streamed; above it: `POST /uploads` (filename, bytes, mime type), `POST /uploads/{id}/parts` per part,
`POST /uploads/{id}/complete` with the part ids in order (the carried data-plane specs' `UploadFile_*`).

Exactly once, across crashes: the upload id and every part id are committed to `store` (the launch ledger)
as soon as Azure answers, so a rerun sends only the parts not yet recorded; `completing` is committed before
the complete call, and a rerun that finds it looks for the file by its content-addressed name before it
completes again. A part may be resent safely (a part not listed at complete is discarded by the service), so
part POSTs are retried like idempotent requests; the start and complete POSTs are not. An Upload expires two
hours after it starts (the spec): a recorded one that is about to expire is cancelled and started afresh.

Upload requests are paced under the documented per-resource rate (30 upload requests per second,
quotas-limits.md) by a token bucket per process.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ftops.azure.models import FileObject, parse
from ftops.azure.names import SERVICE_ID, segment
from ftops.errors import AzureFailureError, AzureRefusedError

if TYPE_CHECKING:
    from ftops.azure.openai import OpenAIDataPlane

MiB = 1024 * 1024
PART_THRESHOLD = 64 * MiB  # above this, the Uploads API (single POSTs are reported failing well below 512 MB)
PART_SIZE = 64 * MiB  # each part is a plain file-sized request; 16 parts for 1 GB
UPLOAD_REQUESTS_PER_SECOND = 30  # quotas-limits.md: "Maximum file upload requests per resource"
EXPIRY_MARGIN = 15 * 60  # a recorded Upload with less than this left is started afresh
EXPIRY_SECONDS = 2 * 3600  # the spec: an Upload "will expire two hours after being created"


@dataclass
class LargeUpload:
    """What the ledger holds about one Upload in flight."""

    upload_id: str
    part_size: int
    expires_at: float
    state: str  # "parts" (sending parts) or "completing" (the complete call may have been sent)
    parts: dict[int, str] = field(default_factory=dict)  # part index -> part id


class PartStore(Protocol):
    """Durable record of Uploads in flight (implemented by `ftops.jobs.ledger.Ledger`)."""

    def large_upload(self, key: str) -> LargeUpload | None: ...
    def begin_large_upload(self, key: str, upload_id: str, part_size: int, expires_at: float) -> None: ...
    def record_part(self, key: str, upload_id: str, index: int, part_id: str) -> None: ...
    def mark_large_upload(self, key: str, state: str) -> None: ...
    def end_large_upload(self, key: str) -> None: ...


class MemoryPartStore:
    """A `PartStore` in memory, for callers without a ledger (nothing survives the process)."""

    def __init__(self) -> None:
        self.uploads: dict[str, LargeUpload] = {}

    def large_upload(self, key: str) -> LargeUpload | None:
        return self.uploads.get(key)

    def begin_large_upload(self, key: str, upload_id: str, part_size: int, expires_at: float) -> None:
        self.uploads[key] = LargeUpload(upload_id, part_size, expires_at, "parts")

    def record_part(self, key: str, upload_id: str, index: int, part_id: str) -> None:
        self.uploads[key].parts[index] = part_id

    def mark_large_upload(self, key: str, state: str) -> None:
        self.uploads[key].state = state

    def end_large_upload(self, key: str) -> None:
        self.uploads.pop(key, None)


class RateLimiter:
    """A token bucket: at most `rate` requests per second, with a burst of `rate`."""

    def __init__(
        self,
        rate: float = UPLOAD_REQUESTS_PER_SECOND,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self.tokens = rate
        self.stamp = clock()
        self.waited = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            now = self.clock()
            self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1:
                wait = (1 - self.tokens) / self.rate
                self.waited += wait
                self.sleep(wait)
                self.stamp = self.clock()
                self.tokens = 1.0
            self.tokens -= 1


_LIMITERS: dict[str, RateLimiter] = {}


def limiter_for(endpoint: str) -> RateLimiter:
    """The process's one limiter per resource endpoint."""
    return _LIMITERS.setdefault(endpoint, RateLimiter())


class FileSlice:
    """`length` bytes of an open file from `offset`, as a seekable file-like object httpx streams in chunks.

    No `fileno`: httpx would take the whole file's size from it."""

    def __init__(self, handle: Any, offset: int, length: int) -> None:
        self._handle, self._offset, self._length, self._pos = handle, offset, length, 0

    def read(self, size: int = -1) -> bytes:
        left = self._length - self._pos
        size = left if size is None or size < 0 else min(size, left)
        if size <= 0:
            return b""
        self._handle.seek(self._offset + self._pos)
        data = self._handle.read(size)
        self._pos += len(data)
        return bytes(data)

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._length}[whence]
        self._pos = max(0, min(self._length, base + position))
        return self._pos

    def tell(self) -> int:
        return self._pos


@dataclass
class UploadReport:
    """What one `upload_file` call sent (for progress lines and tests)."""

    mode: str = "single"  # "single" or "parts"
    parts_sent: int = 0
    parts_reused: int = 0
    resumed: bool = False


def upload_file(
    plane: OpenAIDataPlane,
    path: Path,
    *,
    filename: str,
    store: PartStore | None = None,
    key: str | None = None,
    threshold: int = PART_THRESHOLD,
    part_size: int = PART_SIZE,
    limiter: RateLimiter | None = None,
    on_part: Callable[[int, int], None] | None = None,
    report: UploadReport | None = None,
    clock: Callable[[], float] = time.time,
) -> FileObject:
    """Upload `path` as `filename` (purpose fine-tune), in parts above `threshold`; returns the File.

    `key` names this content on this resource in `store` (e.g. "<endpoint> <sha256>"): a rerun with the same
    key resumes the recorded Upload. `on_part(index, count)` is called after each part is sent."""
    limiter = limiter or limiter_for(plane.endpoint)
    report = report or UploadReport()
    size = path.stat().st_size
    if size <= threshold:
        limiter.acquire()
        with path.open("rb") as handle:
            files = {"file": (filename, handle, "application/octet-stream")}
            reply = plane.call("POST", "/files", files=files, data={"purpose": "fine-tune"}, idempotent=False)
        return parse(FileObject, reply, what="POST /files")
    store = store or MemoryPartStore()
    key = key or f"{plane.endpoint} {filename}"
    report.mode = "parts"
    return _upload_in_parts(plane, path, size, filename, store, key, part_size, limiter, on_part, report, clock)


def _upload_in_parts(
    plane: OpenAIDataPlane,
    path: Path,
    size: int,
    filename: str,
    store: PartStore,
    key: str,
    part_size: int,
    limiter: RateLimiter,
    on_part: Callable[[int, int], None] | None,
    report: UploadReport,
    clock: Callable[[], float],
) -> FileObject:
    state = store.large_upload(key)
    # A complete call may have been acted on: the file would carry its content-addressed name.
    if state is not None and state.state == "completing" and (found := find_file(plane, filename)):
        store.end_large_upload(key)
        return found
    if state is not None and clock() > state.expires_at - EXPIRY_MARGIN:
        _cancel_quietly(plane, state.upload_id)
        store.end_large_upload(key)
        state = None
    if state is None:
        limiter.acquire()
        body = {"purpose": "fine-tune", "filename": filename, "bytes": size, "mime_type": "application/jsonl"}
        started = plane.call("POST", "/uploads", json=body, idempotent=False)
        upload_id = str(started["id"])
        expires = float(started.get("expires_at") or clock() + EXPIRY_SECONDS)
        store.begin_large_upload(key, upload_id, part_size, expires)
        state = LargeUpload(upload_id, part_size, expires, "parts")
    else:
        report.resumed = True
    count = max(1, -(-size // state.part_size))
    upload_path = f"/uploads/{segment(state.upload_id, SERVICE_ID)}"
    with path.open("rb") as handle:
        for index in range(count):
            if index in state.parts:
                report.parts_reused += 1
                continue
            offset = index * state.part_size
            piece = FileSlice(handle, offset, min(state.part_size, size - offset))
            limiter.acquire()
            # Resending a part is harmless (only listed parts make the file): retried like an idempotent call.
            files = {"data": (filename, piece, "application/octet-stream")}
            part = plane.call("POST", f"{upload_path}/parts", files=files, idempotent=True)
            state.parts[index] = str(part["id"])
            store.record_part(key, state.upload_id, index, state.parts[index])
            report.parts_sent += 1
            if on_part:
                on_part(index, count)
    store.mark_large_upload(key, "completing")
    part_ids = [state.parts[i] for i in range(count)]
    limiter.acquire()
    try:
        done = plane.call("POST", f"{upload_path}/complete", json={"part_ids": part_ids}, idempotent=False)
    except AzureRefusedError as exc:  # (AzureFailureError, a lost answer among them, is one of these)
        # Lost answer, or "already completed" after one: the file exists if the service acted on it.
        if found := find_file(plane, filename):
            store.end_large_upload(key)
            return found
        if not isinstance(exc, AzureFailureError):
            store.end_large_upload(key)  # refused outright (a limit, expired): a rerun starts afresh
        raise
    store.end_large_upload(key)
    return parse(FileObject, done.get("file") or {}, what="POST /uploads/complete")


def find_file(plane: OpenAIDataPlane, filename: str) -> FileObject | None:
    """A usable fine-tuning file with this (content-addressed) name, if the service has one."""
    for found in plane.files.list(purpose="fine-tune"):
        if found.get("filename") == filename and found.get("status") not in ("error", "deleted"):
            return found
    return None


def _cancel_quietly(plane: OpenAIDataPlane, upload_id: str) -> None:
    with contextlib.suppress(AzureRefusedError):  # expired or gone already: nothing to free
        plane.call("POST", f"/uploads/{segment(upload_id, SERVICE_ID)}/cancel", idempotent=True)


def import_from_blob(plane: OpenAIDataPlane, url: str, *, filename: str) -> FileObject:
    """`POST /files/import` from a blob (SAS) URL: the service downloads it; the URL is never logged."""
    found = find_file(plane, filename)
    return found if found is not None else plane.files.import_url(url, filename=filename)
