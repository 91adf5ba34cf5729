"""Emulated Azure OpenAI data plane: files and fine-tuning jobs, per account, on a fast clock.

The clock is the reader: every GET of a file or job moves it one step on, so a poller sees the whole
life cycle in a handful of calls and no test sleeps. Files: pending -> processed (error for a file that
is not JSONL of objects). Jobs: pending -> validating_files -> queued -> running (one step per epoch, a
checkpoint each) -> succeeded, or failed (fewer training examples than the catalog's minimum), or
cancelled; pause/resume go through pausing/paused and resuming.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ftops.emulator.http import Reply, Request, error

DEFAULT_EPOCHS = 2


def _now() -> int:
    return int(time.time())


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:24]}"


@dataclass
class FileRecord:
    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int
    status: str = "pending"
    status_details: str | None = None

    def view(self) -> dict:
        data: dict[str, Any] = {
            "object": "file",
            "id": self.id,
            "filename": self.filename,
            "purpose": self.purpose,
            "bytes": len(self.content),
            "created_at": self.created_at,
            "status": self.status,
        }
        if self.status_details:
            data["status_details"] = self.status_details
        return data

    def advance(self) -> None:
        if self.status != "pending":
            return
        problem = jsonl_problem(self.content)
        self.status = "error" if problem else "processed"
        self.status_details = problem


def jsonl_problem(content: bytes) -> str | None:
    """Why Azure would reject a fine-tuning file, or None: UTF-8 JSONL, one object per line."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "The file is not UTF-8 encoded."
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            if not isinstance(json.loads(line), dict):
                return f"Line {number} is not a JSON object."
        except ValueError:
            return f"Line {number} is not valid JSON."
    return None


def example_count(content: bytes) -> int:
    return sum(1 for line in content.decode("utf-8-sig", "replace").splitlines() if line.strip())


@dataclass
class JobRecord:
    id: str
    body: dict
    created_at: int
    status: str = "pending"
    epoch: int = 0
    epochs: int = DEFAULT_EPOCHS
    events: list[dict] = field(default_factory=list)
    checkpoints: list[dict] = field(default_factory=list)
    fine_tuned_model: str | None = None
    finished_at: int | None = None
    error: dict | None = None
    trained_tokens: int | None = None

    def event(self, message: str, *, level: str = "info", kind: str = "message", data: dict | None = None) -> None:
        entry: dict[str, Any] = {
            "object": "fine_tuning.job.event",
            "id": f"ftevent-{uuid.uuid4().hex[:24]}",
            "created_at": _now(),
            "level": level,
            "message": message,
            "type": kind,
        }
        if data is not None:
            entry["data"] = data
        self.events.append(entry)

    def view(self) -> dict:
        body = self.body
        data: dict[str, Any] = {
            "object": "fine_tuning.job",
            "id": self.id,
            "model": body["model"],
            "training_file": body["training_file"],
            "created_at": self.created_at,
            "status": self.status,
            "hyperparameters": {"n_epochs": self.epochs},
            "result_files": [],
        }
        for key in ("validation_file", "suffix", "seed", "method", "trainingType"):
            if body.get(key) is not None:
                data[key] = body[key]
        if self.fine_tuned_model:
            data["fine_tuned_model"] = self.fine_tuned_model
        if self.finished_at:
            data["finished_at"] = self.finished_at
        if self.error:
            data["error"] = self.error
        if self.trained_tokens is not None:
            data["trained_tokens"] = self.trained_tokens
        return data


class Account:
    """One AI Services account's data plane state; `counters` are what exactly-once tests assert on."""

    def __init__(self, name: str, min_examples: int) -> None:
        self.name = name
        self.min_examples = min_examples
        self.files: dict[str, FileRecord] = {}
        self.jobs: dict[str, JobRecord] = {}
        self.counters: Counter[str] = Counter()

    # ---- jobs' clock ----
    def advance_job(self, job: JobRecord) -> None:
        status = job.status
        if status == "pending":
            job.status = "validating_files"
            job.event("Validating training file.")
        elif status == "validating_files":
            training = self.files.get(job.body["training_file"])
            count = example_count(training.content) if training else 0
            if count < self.min_examples:
                job.status, job.finished_at = "failed", _now()
                message = f"Training file has {count} examples; at least {self.min_examples} are required."
                job.error = {"code": "invalidTrainingFile", "message": message, "param": "training_file"}
                job.event(message, level="error")
            else:
                job.status = "queued"
                job.event("Job enqueued.")
        elif status in ("queued", "resuming"):
            job.status = "running"
            job.event("Fine-tuning job started." if status == "queued" else "Job resumed.")
        elif status == "running":
            job.epoch += 1
            step = job.epoch * 10
            loss = round(1.0 / (job.epoch + 1), 4)
            job.event(f"Step {step}: training loss={loss}", kind="metrics", data={"step": step, "train_loss": loss})
            job.checkpoints.append(
                {
                    "object": "fine_tuning.job.checkpoint",
                    "id": f"ftchkpt-{uuid.uuid4().hex[:24]}",
                    "created_at": _now(),
                    "fine_tuned_model_checkpoint": f"{job.body['model']}.ft-{job.id[-12:]}:ckpt-step-{step}",
                    "fine_tuning_job_id": job.id,
                    "step_number": step,
                    "metrics": {"step": float(step), "train_loss": loss},
                }
            )
            if job.epoch >= job.epochs:
                job.status, job.finished_at = "succeeded", _now()
                job.fine_tuned_model = f"{job.body['model']}.ft-{job.id[-12:]}"
                if job.body.get("suffix"):
                    job.fine_tuned_model += f"-{job.body['suffix']}"
                training = self.files.get(job.body["training_file"])
                job.trained_tokens = (len(training.content) // 4 if training else 0) * job.epochs
                job.event("The job has successfully completed.")
        elif status == "pausing":
            job.status = "paused"
            job.event("Job paused.")


def _page(items: list[dict], request: Request) -> dict:
    """OpenAI-style list page: newest first, `after` cursor, `limit`, `has_more`."""
    limit = max(1, min(int(request.query.get("limit") or 20), 100))
    after = request.query.get("after")
    start = 0
    if after:
        ids = [item.get("id") for item in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    chunk = items[start : start + limit]
    return {"object": "list", "data": chunk, "has_more": start + limit < len(items)}


class DataPlane:
    """Request handlers for `/openai/...` of every account."""

    def __init__(self, min_examples: int) -> None:
        self.min_examples = min_examples
        self.accounts: dict[str, Account] = {}
        self.lock = threading.RLock()

    def account(self, name: str) -> Account:
        with self.lock:
            if name not in self.accounts:
                self.accounts[name] = Account(name, self.min_examples)
            return self.accounts[name]

    def fine_tuned_models(self) -> set[str]:
        with self.lock:
            models: set[str] = set()
            for account in self.accounts.values():
                for job in account.jobs.values():
                    if job.fine_tuned_model:
                        models.add(job.fine_tuned_model)
                    models.update(c["fine_tuned_model_checkpoint"] for c in job.checkpoints)
            return models

    def handle(self, request: Request, path: str) -> Reply:
        parts = [p for p in path.split("/") if p]  # e.g. ["files", "file-1"], ["fine_tuning", "jobs", id, "events"]
        with self.lock:
            account = self.account(request.account)
            if parts[:1] == ["files"]:
                return self._files(account, request, parts[1:])
            if parts[:2] == ["fine_tuning", "jobs"]:
                return self._jobs(account, request, parts[2:])
        return error(404, "notFound", f"no such data-plane path {path}")

    # ---- files ----
    def _files(self, account: Account, request: Request, rest: list[str]) -> Reply:
        method = request.method
        if not rest and method == "POST":
            upload = request.form.get("file")
            if not isinstance(upload, tuple):
                return error(400, "invalidPayload", "the multipart field 'file' is required", param="file")
            filename, content = upload
            return self._create_file(account, filename, content, str(request.form.get("purpose") or ""), "uploads")
        if rest == ["import"] and method == "POST":
            body = request.json or {}
            # The emulator cannot download; it records an importable JSONL stub of the minimum size.
            stub = b"".join(b'{"messages": []}\n' for _ in range(account.min_examples))
            name = str(body.get("filename") or "imported.jsonl")
            return self._create_file(account, name, stub, str(body.get("purpose") or ""), "imports")
        if not rest and method == "GET":
            purpose = request.query.get("purpose")
            files = [f.view() for f in account.files.values() if not purpose or f.purpose == purpose]
            return Reply(200, {"object": "list", "data": files})
        record = account.files.get(rest[0]) if rest else None
        if record is None:
            return error(404, "notFound", f"file {rest[0] if rest else ''} not found")
        if len(rest) == 2 and rest[1] == "content" and method == "GET":
            return Reply(200, record.content, content_type="application/octet-stream")
        if method == "GET":
            record.advance()
            return Reply(200, record.view())
        if method == "DELETE":
            del account.files[record.id]
            account.counters["file_deletes"] += 1
            return Reply(200, {"object": "file", "id": record.id, "deleted": True})
        return error(405, "invalidPayload", f"{method} not allowed here")

    def _create_file(self, account: Account, filename: str, content: bytes, purpose: str, counter: str) -> Reply:
        if purpose != "fine-tune":
            return error(400, "invalidPayload", f"purpose '{purpose}' is not supported here", param="purpose")
        record = FileRecord(_new_id("file"), filename, purpose, content, _now())
        account.files[record.id] = record
        account.counters[counter] += 1
        return Reply(201, record.view(), headers={"Location": f"/openai/files/{record.id}"})

    # ---- jobs ----
    def _jobs(self, account: Account, request: Request, rest: list[str]) -> Reply:
        method = request.method
        if not rest and method == "POST":
            return self._create_job(account, request.json or {})
        if not rest and method == "GET":
            jobs = sorted(account.jobs.values(), key=lambda j: (j.created_at, j.id), reverse=True)
            return Reply(200, _page([j.view() for j in jobs], request))
        job = account.jobs.get(rest[0])
        if job is None:
            return error(404, "notFound", f"fine-tuning job {rest[0]} not found")
        action = rest[1] if len(rest) > 1 else None
        if method == "GET" and action is None:
            account.advance_job(job)
            return Reply(200, job.view())
        if method == "GET" and action == "events":
            return Reply(200, _page(list(reversed(job.events)), request))
        if method == "GET" and action == "checkpoints":
            return Reply(200, _page(list(reversed(job.checkpoints)), request))
        if method == "POST" and action in ("cancel", "pause", "resume"):
            return self._control(account, job, action)
        if method == "DELETE" and action is None:
            del account.jobs[job.id]
            return Reply(204, None)
        return error(405, "invalidPayload", f"{method} not allowed here")

    def _create_job(self, account: Account, body: dict) -> Reply:
        training = account.files.get(str(body.get("training_file")))
        if training is None:
            return error(400, "invalidPayload", "training_file was not found", param="training_file")
        if training.status != "processed":
            return error(
                400,
                "invalidPayload",
                f"training_file {training.id} is {training.status}, not processed",
                "training_file",
            )
        validation = body.get("validation_file")
        if validation and validation not in account.files:
            return error(400, "invalidPayload", "validation_file was not found", param="validation_file")
        method = body.get("method") or {"type": "supervised"}
        kind = method.get("type")
        if kind == "reinforcement" and not validation:
            return error(400, "invalidPayload", "reinforcement fine-tuning needs a validation_file", "validation_file")
        config = method.get(kind) if isinstance(method.get(kind), dict) else {}
        hyper = {**(body.get("hyperparameters") or {}), **(config.get("hyperparameters") or {})}
        epochs = hyper.get("n_epochs")
        job = JobRecord(
            _new_id("ftjob"),
            dict(body),
            _now(),
            epochs=int(epochs) if isinstance(epochs, int) and 0 < epochs <= 10 else DEFAULT_EPOCHS,
        )
        job.event("Job created.")
        account.jobs[job.id] = job
        account.counters["job_creations"] += 1
        return Reply(201, job.view(), headers={"Location": f"/openai/fine_tuning/jobs/{job.id}"})

    def _control(self, account: Account, job: JobRecord, action: str) -> Reply:
        terminal = job.status in ("succeeded", "failed", "cancelled")
        if action == "cancel":
            if job.status != "cancelled":
                if terminal:
                    return error(400, "unexpectedEntityState", f"job {job.id} is {job.status}; it cannot be cancelled")
                job.status, job.finished_at = "cancelled", _now()
                job.event("Job cancelled.")
            account.counters["job_cancels"] += 1
        elif action == "pause":
            if job.status not in ("running", "pausing", "paused"):
                return error(400, "unexpectedEntityState", f"job {job.id} is {job.status}; only running jobs pause")
            if job.status == "running":
                job.status = "pausing"
        elif action == "resume":
            if job.status not in ("paused", "resuming", "running"):
                return error(400, "unexpectedEntityState", f"job {job.id} is {job.status}; only paused jobs resume")
            if job.status == "paused":
                job.status = "resuming"
        return Reply(200, job.view())
