"""Emulated Uploads API (large files in parts), graders validate/run, and a role-propagation delay.

Uploads (`UploadFile_Start`, `_Part`, `_Complete`, `_Cancel` of the carried data-plane specs): an Upload is
`pending` until completed or cancelled and `expired` two hours after it was created (the spec's summary);
parts are spooled to disk, so a 1 GB upload never sits in the emulator's memory; complete checks that the
parts listed add up to the `bytes` announced at start, then creates one File under the same per-resource
limits as a plain upload. Counters: `upload_starts`, `upload_parts`, `upload_completes`, `upload_cancels`,
and `uploads` (files created, whichever way).

Graders (`/openai/fine_tuning/alpha/graders/validate` and `/run`, the paths of the `openai` SDK's
`fine_tuning.alpha.graders` that Microsoft's RFT docs call; no carried spec defines them, so the shapes are the
SDK's `GraderValidateResponse` / `GraderRunResponse`). The emulator never executes user code: a `python`
grader whose `source` contains the word `raise` is reported as raising on every sample
(`python_grader_runtime_error`), any other python grader scores 1.0; `string_check` compares the rendered
`input` and `reference` templates with `operation` `eq`/`ne`/`like`/`ilike`; other types score 1.0.

Role propagation: `AuthDelay` answers every data-plane request with 403 `PermissionDenied` (the message Azure
sends a principal without a data-plane role) until `seconds` have passed on its clock since it was set.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ftops.emulator.dataplane import DataPlane, resource_limits
from ftops.emulator.http import Reply, Request, error

GRADER_PATHS = ("/openai/fine_tuning/alpha/graders/validate", "/openai/fine_tuning/alpha/graders/run")
GRADER_TYPES = ("string_check", "text_similarity", "python", "score_model", "label_model", "multi")
DENIED_MESSAGE = "Principal does not have access to API/Operation."


@dataclass
class UploadRecord:
    id: str
    filename: str
    purpose: str
    bytes: int
    mime_type: str
    created_at: int
    expires_at: int
    status: str = "pending"
    parts: dict[str, str] = field(default_factory=dict)  # part id -> spool path
    file: dict | None = None

    def view(self) -> dict:
        data: dict[str, Any] = {
            "object": "upload",
            "id": self.id,
            "created_at": self.created_at,
            "bytes": self.bytes,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": self.status,
            "expires_at": self.expires_at,
        }
        if self.file is not None:
            data["file"] = self.file
        return data


class UploadsPlane:
    """Handlers of the UploadFile_* operations, for every account (state beside the data plane's)."""

    def __init__(self, dataplane: DataPlane, clock: Callable[[], float] = time.time) -> None:
        self.dataplane = dataplane
        self.clock = clock
        self.lock = dataplane.lock  # one lock: completing an upload creates a File in the data plane
        self.uploads: dict[str, dict[str, UploadRecord]] = {}
        self._spool = tempfile.mkdtemp(prefix="ftops-emulator-uploads-")

    def close(self) -> None:
        shutil.rmtree(self._spool, ignore_errors=True)

    def reset(self) -> None:
        self.uploads.clear()

    def _get(self, request: Request, p: dict[str, str]) -> UploadRecord | Reply:
        record = self.uploads.get(request.account, {}).get(p.get("upload_id", ""))
        if record is None:
            return error(404, "notFound", f"upload {p.get('upload_id')} not found")
        if record.status == "pending" and self.clock() >= record.expires_at:
            record.status = "expired"
        return record

    def upload_file_start(self, request: Request, p: dict[str, str]) -> Reply:
        body = request.json or {}
        size = body.get("bytes")
        if body.get("purpose") != "fine-tune":
            return error(400, "invalidPayload", f"purpose {body.get('purpose')!r} is not supported here", "purpose")
        if not isinstance(size, int) or size <= 0 or size > resource_limits()["upload_max_bytes"]:
            return error(400, "invalidPayload", "bytes must be a positive size up to 9 GB", param="bytes")
        account = self.dataplane.account(request.account)
        if refusal := self.dataplane.file_room(account, size):
            return refusal
        now = int(self.clock())
        record = UploadRecord(
            f"upload-{uuid.uuid4().hex[:24]}",
            str(body.get("filename")),
            "fine-tune",
            size,
            str(body.get("mime_type")),
            now,
            now + resource_limits()["upload_expiry_seconds"],
        )
        self.uploads.setdefault(request.account, {})[record.id] = record
        account.counters["upload_starts"] += 1
        return Reply(200, record.view())

    def upload_file_part(self, request: Request, p: dict[str, str]) -> Reply:
        record = self._get(request, p)
        if isinstance(record, Reply):
            return record
        if record.status != "pending":
            return error(400, "invalidPayload", f"upload {record.id} is {record.status}; no parts may be added")
        data = request.form.get("data")
        if not isinstance(data, tuple):
            return error(400, "invalidPayload", "the multipart field 'data' is required", param="data")
        if len(data[1]) > resource_limits()["file_max_bytes"]:
            return error(400, "invalidPayload", "a part may be at most 512 MB", param="data")
        part_id = f"part-{uuid.uuid4().hex[:24]}"
        path = os.path.join(self._spool, part_id)
        with open(path, "wb") as handle:
            handle.write(data[1])
        record.parts[part_id] = path
        self.dataplane.account(request.account).counters["upload_parts"] += 1
        block = f"{len(record.parts):08d}".encode().hex()
        part = {
            "object": "upload.part",
            "id": part_id,
            "created_at": int(self.clock()),
            "upload_id": record.id,
            "azure_block_id": block,
        }
        return Reply(200, part)

    def upload_file_complete(self, request: Request, p: dict[str, str]) -> Reply:
        record = self._get(request, p)
        if isinstance(record, Reply):
            return record
        if record.status != "pending":
            return error(400, "invalidPayload", f"upload {record.id} is {record.status}; it cannot be completed")
        ids = (request.json or {}).get("part_ids") or []
        unknown = [i for i in ids if i not in record.parts]
        if unknown or not ids:
            return error(400, "invalidPayload", f"unknown part ids: {', '.join(map(str, unknown[:3])) or 'none'}")
        total = sum(os.path.getsize(record.parts[i]) for i in ids)
        if total != record.bytes:
            message = f"the parts add up to {total} bytes; the upload was started with {record.bytes}"
            return error(400, "invalidPayload", message, param="part_ids")
        assembled = os.path.join(self._spool, f"{record.id}.jsonl")
        with open(assembled, "wb") as out:
            for part_id in ids:
                with open(record.parts[part_id], "rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
        for path in record.parts.values():
            os.unlink(path)
        record.parts = {i: assembled for i in ids}
        reply = self.dataplane._create_file(request, record.filename, b"", record.purpose, "uploads", spool=assembled)
        if reply.status >= 400:
            return reply
        record.status, record.file = "completed", reply.body
        self.dataplane.account(request.account).counters["upload_completes"] += 1
        return Reply(200, record.view())

    def upload_file_cancel(self, request: Request, p: dict[str, str]) -> Reply:
        record = self._get(request, p)
        if isinstance(record, Reply):
            return record
        if record.status == "completed":
            return error(400, "invalidPayload", f"upload {record.id} is completed; it cannot be cancelled")
        record.status = "cancelled"
        for path in record.parts.values():
            if os.path.exists(path):
                os.unlink(path)
        record.parts = {}
        self.dataplane.account(request.account).counters["upload_cancels"] += 1
        return Reply(200, record.view())


@dataclass
class AuthDelay:
    """403 for every data-plane request until `seconds` have passed on `clock` since `set` (role propagation)."""

    clock: Callable[[], float] = time.monotonic
    until: float | None = None
    denied: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, seconds: float) -> None:
        with self._lock:
            self.until = self.clock() + seconds if seconds > 0 else None
            self.denied = 0

    def deny(self, request: Request) -> Reply | None:
        if self.until is None or not request.path.startswith("/openai/"):
            return None
        with self._lock:
            if self.clock() >= self.until:
                self.until = None
                return None
            self.denied += 1
        return error(403, "PermissionDenied", DENIED_MESSAGE)


def owns_graders(request: Request) -> bool:
    path = request.path.replace("/openai/v1/", "/openai/", 1)
    return request.method == "POST" and path in GRADER_PATHS


def grader_problem(grader: Any) -> str | None:
    """What `graders/validate` refuses: a grader without a known type, or missing what its type needs."""
    if not isinstance(grader, dict):
        return "grader must be an object"
    kind = grader.get("type")
    if kind not in GRADER_TYPES:
        return f"grader.type {kind!r} is not one of {', '.join(GRADER_TYPES)}"
    needs = {
        "string_check": ("name", "input", "reference", "operation"),
        "text_similarity": ("name", "input", "reference", "evaluation_metric"),
        "python": ("name", "source"),
        "score_model": ("name", "model", "input"),
        "label_model": ("name", "model", "input", "labels", "passing_labels"),
        "multi": ("name", "graders", "calculate_output"),
    }[kind]
    missing = [k for k in needs if not grader.get(k)]
    if missing:
        return f"grader of type {kind} needs {', '.join(missing)}"
    if kind == "python" and not isinstance(grader.get("source"), str):
        return "grader.source must be a string"
    return None


def _render(template: str, sample: dict, item: dict) -> str:
    """`{{ sample.output_text }}` / `{{ item.x }}` templates, as the graders docs write them."""

    def value(match: re.Match[str]) -> str:
        root, _, key = match.group(1).partition(".")
        source = sample if root == "sample" else item if root == "item" else {}
        found: Any = source
        for piece in key.split(".") if key else []:
            found = found.get(piece) if isinstance(found, dict) else None
        return "" if found is None else str(found)

    return re.sub(r"\{\{\s*([\w.]+)\s*\}\}", value, template)


def _errors(**set_: Any) -> dict[str, Any]:
    flags = [
        "formula_parse_error",
        "invalid_variable_error",
        "model_grader_parse_error",
        "model_grader_refusal_error",
        "model_grader_server_error",
        "other_error",
        "python_grader_runtime_error",
        "python_grader_server_error",
        "sample_parse_error",
        "truncated_observation_error",
        "unresponsive_reward_error",
    ]
    errors: dict[str, Any] = dict.fromkeys(flags, False)
    errors.update(set_)
    return errors


def graders_handle(request: Request, counters: Any) -> Reply:
    body = request.json if isinstance(request.json, dict) else {}
    grader = body.get("grader")
    problem = grader_problem(grader)
    if problem:
        return error(400, "invalidPayload", problem, param="grader")
    assert isinstance(grader, dict)
    if request.path.endswith("/validate"):
        counters["grader_validations"] += 1
        return Reply(200, {"grader": grader})
    counters["grader_runs"] += 1
    sample = {"output_text": body.get("model_sample")} if isinstance(body.get("model_sample"), str) else {}
    item = body.get("item") if isinstance(body.get("item"), dict) else {}
    reward, errors = 1.0, _errors()
    kind = grader["type"]
    if kind == "python" and re.search(r"\braise\b", grader["source"]):
        # Deterministic rule, no code is run: a source that raises is reported as raising on the sample.
        reward = 0.0
        errors = _errors(
            python_grader_runtime_error=True,
            python_grader_runtime_error_details="Traceback (most recent call last): the grader raised an exception",
        )
    elif kind == "string_check":
        left, right = _render(grader["input"], sample, item), _render(grader["reference"], sample, item)
        op = grader["operation"]
        hit = {
            "eq": left == right,
            "ne": left != right,
            "like": right in left,
            "ilike": right.lower() in left.lower(),
        }.get(op)
        if hit is None:
            return error(400, "invalidPayload", f"operation {op!r} is not eq, ne, like or ilike", param="grader")
        reward = 1.0 if hit else 0.0
    metadata = {
        "errors": errors,
        "execution_time": 0.01,
        "name": grader["name"],
        "sampled_model_name": None,
        "scores": {},
        "token_usage": None,
        "type": kind,
    }
    answer = {"metadata": metadata, "model_grader_token_usage_per_model": {}, "reward": reward, "sub_rewards": {}}
    return Reply(200, answer)
