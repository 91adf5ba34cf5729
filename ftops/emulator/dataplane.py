"""Emulated Azure OpenAI data plane: files and fine-tuning jobs, per account, on a fast clock.

One handler per spec operation (`Files_List`, `FineTuning_Create`, ...: see `ftops.emulator.routes`). The clock
is the reader: every GET of a file or job moves it one step on, so a poller sees the whole life cycle in a
handful of calls and no test sleeps. Files: pending -> processed (error for a file that is not JSONL of
objects). Jobs move only through Azure's `FineTuningState` values: pending -> running (one step per epoch, a
metrics event and a checkpoint each) -> succeeded (with a results file), or failed (fewer training examples
than the service's minimum), or cancelled; pause/resume go through pausing/paused and resuming.

Creates are refused as Azure refuses them (400 with a message): an unknown `method.type`, hyperparameters of
the wrong type, a suffix over 40 characters, a model that cannot be fine-tuned or not with that method, image
data for a text-only model, a reinforcement grader without input/reference. Which model takes which method
comes from `fine_tuning_models.yaml` (Microsoft's docs), never from ftops' catalog.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ftops.emulator.http import Reply, Request, error

DEFAULT_EPOCHS = 3  # Azure picks the epochs for "auto"; three keeps a job running for a few reads
METHOD_TYPES = ("supervised", "dpo", "reinforcement")
# Hyperparameters per method and their JSON types (the spec's Supervised/DpoHyperparamsRequest; RFT's from the docs).
HYPERPARAMETERS: dict[str, dict[str, tuple[type, ...]]] = {
    "supervised": {"n_epochs": (int,), "batch_size": (int,), "learning_rate_multiplier": (int, float)},
    "dpo": {
        "n_epochs": (int,),
        "batch_size": (int,),
        "learning_rate_multiplier": (int, float),
        "beta": (int, float),
        "l2_multiplier": (int, float),
    },
    "reinforcement": {
        "n_epochs": (int,),
        "batch_size": (int,),
        "learning_rate_multiplier": (int, float),
        "eval_interval": (int,),
        "eval_samples": (int,),
        "compute_multiplier": (int, float),
        "reasoning_effort": (str,),
    },
}
# Graders that compare a sample with a reference need both templates (docs: RFT grader configuration).
GRADERS_NEEDING_REFERENCE = ("string_check", "text_similarity")


@cache
def model_rules() -> dict:
    """`fine_tuning_models.yaml`: methods and image support per base model, suffix rules (with sources)."""
    import yaml

    return yaml.safe_load(resources.files("ftops.emulator").joinpath("fine_tuning_models.yaml").read_text())


@cache
def resource_limits() -> dict[str, int]:
    """`resource_limits.yaml`: per-resource limits from Microsoft's limits page (sources inside)."""
    import yaml

    text = resources.files("ftops.emulator").joinpath("resource_limits.yaml").read_text()
    return {k: int(v) for k, v in yaml.safe_load(text).items()}


def limit_error(message: str, param: str | None = None) -> Reply:
    """A per-resource limit reached: 400 in the data-plane envelope, code `quotaExceeded` (no Microsoft example
    shows this refusal; the code is the emulator's choice, documented in docs/emulator.md)."""
    return error(400, "quotaExceeded", message, param=param)


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
    seq: int
    status: str = "pending"
    status_details: str | None = None
    spool: str | None = None  # a file assembled from Upload parts stays on disk (1 GB must not sit in memory)

    @property
    def nbytes(self) -> int:
        return os.path.getsize(self.spool) if self.spool else len(self.content)

    def examples(self) -> int:
        if self.spool:
            with open(self.spool, "rb") as handle:
                return sum(1 for line in handle if line.strip())
        return example_count(self.content)

    def images(self) -> bool:
        if self.spool:
            with open(self.spool, "rb") as handle:
                return any(b'"image_url"' in line for line in handle)
        return has_image(self.content)

    def data(self) -> bytes:
        if self.spool:
            with open(self.spool, "rb") as handle:
                return handle.read()
        return self.content

    def view(self) -> dict:
        data: dict[str, Any] = {
            "object": "file",
            "id": self.id,
            "filename": self.filename,
            "purpose": self.purpose,
            "bytes": self.nbytes,
            "created_at": self.created_at,
            "status": self.status,
        }
        if self.status_details:
            data["status_details"] = self.status_details
        return data

    def advance(self) -> None:
        if self.status != "pending":
            return
        problem = spooled_jsonl_problem(self.spool) if self.spool else jsonl_problem(self.content)
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


def spooled_jsonl_problem(path: str) -> str | None:
    """`jsonl_problem` for a file on disk, a line at a time."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                if not isinstance(json.loads(raw.decode("utf-8")), dict):
                    return f"Line {number} is not a JSON object."
            except UnicodeDecodeError:
                return "The file is not UTF-8 encoded."
            except ValueError:
                return f"Line {number} is not valid JSON."
    return None


def example_count(content: bytes) -> int:
    return sum(1 for line in content.decode("utf-8-sig", "replace").splitlines() if line.strip())


def has_image(content: bytes) -> bool:
    """Whether any example carries image input (`image_url` content parts)."""
    return b'"image_url"' in content


@dataclass
class JobRecord:
    id: str
    body: dict
    created_at: int
    seq: int
    kind: str
    hyperparameters: dict
    seed: int
    status: str = "pending"
    epoch: int = 0
    events: list[dict] = field(default_factory=list)
    checkpoints: list[dict] = field(default_factory=list)
    fine_tuned_model: str | None = None
    finished_at: int | None = None
    error: dict | None = None
    trained_tokens: int | None = None
    result_files: list[str] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return int(self.hyperparameters["n_epochs"])

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
            # Every hyperparameter the job runs with, chosen ones filled in (as Azure echoes them).
            "hyperparameters": {k: v for k, v in self.hyperparameters.items() if k in HYPERPARAMETERS["supervised"]},
            "method": {"type": self.kind, self.kind: self._method_config()},
            "seed": self.seed,
            "result_files": list(self.result_files),
        }
        for key in ("validation_file", "suffix", "trainingType", "integrations"):
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

    def _method_config(self) -> dict:
        config = dict((self.body.get("method") or {}).get(self.kind) or {})
        config["hyperparameters"] = dict(self.hyperparameters)
        return config


RUNNING_STATES = frozenset({"running", "pausing", "resuming"})


class Account:
    """One AI Services account's data plane state; `counters` are what exactly-once tests assert on."""

    def __init__(self, name: str, min_examples: int) -> None:
        self.name = name
        self.min_examples = min_examples
        self.files: dict[str, FileRecord] = {}
        self.jobs: dict[str, JobRecord] = {}
        self.counters: Counter[str] = Counter()
        self.sequence = 0  # creation order: same-second creates still list in a fixed order
        # Checkpoints copied here from another account (preview copy), by the name they keep: they are in
        # no job's list of checkpoints (the docs: the copy "doesn't appear in ... the list checkpoints API").
        self.copied_checkpoints: dict[str, dict] = {}

    def next_seq(self) -> int:
        self.sequence += 1
        return self.sequence

    # ---- jobs' clock ----
    def advance_job(self, job: JobRecord) -> None:
        status = job.status
        if status == "pending":
            developer = job.body.get("trainingType") == "Developer"
            cap = resource_limits()["running_jobs_developer" if developer else "running_jobs"]
            running = sum(1 for j in self.jobs.values() if j.status in RUNNING_STATES and j is not job)
            if running >= cap:
                return  # queued: Azure starts it when a running job ends
            training = self.files.get(job.body["training_file"])
            count = training.examples() if training else 0
            if count < self.min_examples:
                job.status, job.finished_at = "failed", _now()
                message = f"Training file has {count} examples; at least {self.min_examples} are required."
                job.error = {"code": "invalidTrainingFile", "message": message, "param": "training_file"}
                job.event(message, level="error")
            else:
                job.status = "running"
                job.event("Job started.")
        elif status == "resuming":
            job.status = "running"
            job.event("Job resumed.")
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
                    "fine_tuned_model_checkpoint": f"{_root(job.body['model'])}.ft-{job.id[-12:]}:ckpt-step-{step}",
                    "fine_tuning_job_id": job.id,
                    "step_number": step,
                    "metrics": {"step": float(step), "train_loss": loss},
                }
            )
            if job.epoch >= job.epochs:
                self._succeed(job)
        elif status == "pausing":
            job.status = "paused"
            job.event("Job paused.")

    def _succeed(self, job: JobRecord) -> None:
        job.status, job.finished_at = "succeeded", _now()
        # A continued job's model is a fine-tuned one: its own is named after the base, as Microsoft's example
        # `gpt-4.1-2025-04-14.ft-5fd1918ee65d4cd38a5dcf6835066ed7` (fine-tuning-rest 2025), never `.ft-` twice.
        job.fine_tuned_model = f"{_root(job.body['model'])}.ft-{job.id[-12:]}"
        if job.body.get("suffix"):
            job.fine_tuned_model += f"-{job.body['suffix']}"
        training = self.files.get(job.body["training_file"])
        job.trained_tokens = (training.nbytes // 4 if training else 0) * job.epochs
        from ftops.emulator.evals import results_csv  # Microsoft's results.csv columns, a row per step

        content = results_csv(job, bool(job.body.get("validation_file")))
        results = FileRecord(_new_id("file"), "results.csv", "fine-tune-results", content, _now(), 0)
        results.seq = self.next_seq()
        results.status = "processed"
        self.files[results.id] = results
        job.result_files = [results.id]
        job.event("The job has successfully completed.")


def _page(items: list[Any], request: Request, *, default_limit: int = 20, max_limit: int = 100) -> dict:
    """OpenAI-style list page over `items` in their list order: `after` cursor, `limit`, `has_more`."""
    try:
        limit = int(request.query.get("limit") or default_limit)
    except ValueError:
        limit = default_limit
    limit = max(1, min(limit, max_limit))
    after = request.query.get("after")
    start = 0
    if after:
        ids = [item.id if not isinstance(item, dict) else item.get("id") for item in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    chunk = items[start : start + limit]
    data = [item if isinstance(item, dict) else item.view() for item in chunk]
    page: dict[str, Any] = {"object": "list", "data": data, "has_more": start + limit < len(items)}
    return page


class DataPlane:
    """Handlers of the Azure OpenAI data-plane operations, for every account."""

    def __init__(self, min_examples: int) -> None:
        self.min_examples = min_examples
        self.accounts: dict[str, Account] = {}
        self.lock = threading.RLock()

    def account(self, name: str) -> Account:
        with self.lock:
            if name not in self.accounts:
                self.accounts[name] = Account(name, self.min_examples)
            return self.accounts[name]

    def holds_model(self, account: str, model: str) -> bool:
        """Whether `account` can serve or train from `model`: a job of it produced it (its fine-tuned model, a
        checkpoint's id or model name), or it was copied there (preview checkpoint copy, same name kept)."""
        with self.lock:
            found = self.accounts.get(account)
            if found is None:
                return False
            for job in found.jobs.values():
                if job.fine_tuned_model == model:
                    return True
                if any(model in (c["id"], c["fine_tuned_model_checkpoint"]) for c in job.checkpoints):
                    return True
            return any(
                model in (name, copied.get("fine_tuned_model_checkpoint"))
                for name, copied in found.copied_checkpoints.items()
            )

    @staticmethod
    def _location(request: Request, path: str) -> dict[str, str]:
        """An absolute Location, with the account prefix the request came in with (as Azure's example shows)."""
        prefix = f"/accounts/{request.account}" if request.account != "default" else ""
        v1 = "/v1" if request.v1 else ""
        return {"Location": f"{request.base_url}{prefix}/openai{v1}{path}"}

    # ---- files ----
    def files_list(self, request: Request, p: dict[str, str]) -> Reply:
        account = self.account(request.account)
        purpose = request.query.get("purpose")
        order = request.query.get("order") or "desc"
        if order not in ("asc", "desc"):
            return error(400, "invalidPayload", f"order must be asc or desc, not {order!r}", param="order")
        files = sorted(
            (f for f in account.files.values() if not purpose or f.purpose == purpose),
            key=lambda f: (f.created_at, f.seq),
            reverse=order == "desc",
        )
        return Reply(200, _page(files, request, default_limit=10000, max_limit=10000))

    def files_upload(self, request: Request, p: dict[str, str]) -> Reply:
        upload = request.form.get("file")
        if not isinstance(upload, tuple):
            return error(400, "invalidPayload", "the multipart field 'file' is required", param="file")
        filename, content = upload
        return self._create_file(request, filename, content, str(request.form.get("purpose") or ""), "uploads")

    def files_import(self, request: Request, p: dict[str, str]) -> Reply:
        account = self.account(request.account)
        body = request.json or {}
        # The emulator cannot download; it records an importable JSONL stub of the minimum size.
        stub = b"".join(b'{"messages": []}\n' for _ in range(account.min_examples))
        name = str(body.get("filename") or "imported.jsonl")
        return self._create_file(request, name, stub, str(body.get("purpose") or ""), "imports")

    def _file(self, request: Request, p: dict[str, str]) -> FileRecord | Reply:
        record = self.account(request.account).files.get(p.get("file_id", ""))
        return record if record is not None else error(404, "notFound", f"file {p.get('file_id')} not found")

    def files_get(self, request: Request, p: dict[str, str]) -> Reply:
        record = self._file(request, p)
        if isinstance(record, Reply):
            return record
        record.advance()
        return Reply(200, record.view())

    def files_get_content(self, request: Request, p: dict[str, str]) -> Reply:
        record = self._file(request, p)
        if isinstance(record, Reply):
            return record
        return Reply(200, record.data(), content_type="application/octet-stream")

    def files_delete(self, request: Request, p: dict[str, str]) -> Reply:
        record = self._file(request, p)
        if isinstance(record, Reply):
            return record
        account = self.account(request.account)
        del account.files[record.id]
        account.counters["file_deletes"] += 1
        return Reply(200, {"object": "file", "id": record.id, "deleted": True})

    def file_room(self, account: Account, size: int) -> Reply | None:
        """The per-resource file limits (count and total bytes of fine-tuning files), or None if there is room."""
        limits = resource_limits()
        files = [f for f in account.files.values() if f.purpose == "fine-tune"]
        if len(files) >= limits["files"]:
            return limit_error(
                f"This resource has {len(files)} fine-tuning files; at most {limits['files']} are allowed. "
                "Delete files that are no longer needed.",
                "file",
            )
        used = sum(f.nbytes for f in files)
        if used + size > limits["files_total_bytes"]:
            return limit_error(
                f"The fine-tuning files of this resource would total {used + size} bytes; at most "
                f"{limits['files_total_bytes']} are allowed. Delete files that are no longer needed.",
                "file",
            )
        return None

    def _create_file(
        self, request: Request, filename: str, content: bytes, purpose: str, counter: str, spool: str | None = None
    ) -> Reply:
        if purpose != "fine-tune":
            return error(400, "invalidPayload", f"purpose '{purpose}' is not supported here", param="purpose")
        account = self.account(request.account)
        size = os.path.getsize(spool) if spool else len(content)
        if not spool and size > resource_limits()["file_max_bytes"]:
            return error(400, "invalidPayload", f"the file is {size} bytes; at most 512 MB per upload", param="file")
        if refusal := self.file_room(account, size):
            return refusal
        record = FileRecord(_new_id("file"), filename, purpose, content, _now(), account.next_seq(), spool=spool)
        account.files[record.id] = record
        account.counters[counter] += 1
        return Reply(201, record.view(), headers=self._location(request, f"/files/{record.id}"))

    # ---- jobs ----
    def fine_tuning_list(self, request: Request, p: dict[str, str]) -> Reply:
        account = self.account(request.account)
        jobs = sorted(account.jobs.values(), key=lambda j: (j.created_at, j.seq), reverse=True)  # newest first
        return Reply(200, _page(jobs, request))

    def _job(self, request: Request, p: dict[str, str]) -> JobRecord | Reply:
        job = self.account(request.account).jobs.get(p.get("fine_tuning_job_id", ""))
        if job is None:
            return error(404, "notFound", f"fine-tuning job {p.get('fine_tuning_job_id')} not found")
        return job

    def fine_tuning_get(self, request: Request, p: dict[str, str]) -> Reply:
        job = self._job(request, p)
        if isinstance(job, Reply):
            return job
        self.account(request.account).advance_job(job)
        return Reply(200, job.view())

    def fine_tuning_get_events(self, request: Request, p: dict[str, str]) -> Reply:
        job = self._job(request, p)
        if isinstance(job, Reply):
            return job
        return Reply(200, _page(list(job.events), request))  # oldest first, as Microsoft's example lists them

    def fine_tuning_get_checkpoints(self, request: Request, p: dict[str, str]) -> Reply:
        job = self._job(request, p)
        if isinstance(job, Reply):
            return job
        return Reply(200, _page(list(job.checkpoints), request, default_limit=10))  # by step, as the example

    def fine_tuning_delete(self, request: Request, p: dict[str, str]) -> Reply:
        job = self._job(request, p)
        if isinstance(job, Reply):
            return job
        if job.status not in ("succeeded", "failed", "cancelled"):
            return error(400, "unexpectedEntityState", f"job {job.id} is {job.status}; cancel it before deleting")
        del self.account(request.account).jobs[job.id]
        return Reply(204, None)

    def fine_tuning_create(self, request: Request, p: dict[str, str]) -> Reply:
        account = self.account(request.account)
        body = request.json or {}
        refusal = self._refuse_continuation(request.account, body) or self._refuse_job(account, body)
        refusal = refusal or self._job_room(account)
        if refusal is not None:
            return refusal
        method = body.get("method") or {"type": "supervised"}
        kind = method["type"]
        config = method.get(kind) if isinstance(method.get(kind), dict) else {}
        given = {**(body.get("hyperparameters") or {}), **(config.get("hyperparameters") or {})}
        hyper: dict[str, Any] = {"n_epochs": DEFAULT_EPOCHS, "batch_size": 1, "learning_rate_multiplier": 1.0}
        if kind == "dpo":
            hyper.update(beta=0.1, l2_multiplier=0.0)
        hyper.update({k: v for k, v in given.items() if v != "auto"})
        seed = body.get("seed")
        job = JobRecord(
            _new_id("ftjob"),
            dict(body),
            _now(),
            account.next_seq(),
            kind,
            hyper,
            seed if isinstance(seed, int) else random.randint(0, 2**31 - 1),
        )
        job.event("Job enqueued. Waiting for jobs ahead to complete.")
        account.jobs[job.id] = job
        account.counters["job_creations"] += 1
        return Reply(201, job.view(), headers=self._location(request, f"/fine_tuning/jobs/{job.id}"))

    @staticmethod
    def _job_room(account: Account) -> Reply | None:
        """The per-resource job limits: jobs in total, and jobs waiting (queued) behind the running ones."""
        limits = resource_limits()
        if len(account.jobs) >= limits["jobs"]:
            return limit_error(f"This resource has {len(account.jobs)} jobs; at most {limits['jobs']} are allowed.")
        queued = sum(1 for j in account.jobs.values() if j.status == "pending")
        if queued >= limits["queued_jobs"]:
            return limit_error(f"This resource has {queued} queued jobs; at most {limits['queued_jobs']} may wait.")
        return None

    def _refuse_continuation(self, account: str, body: dict) -> Reply | None:
        """A job on a fine-tuned model (continuous fine-tuning): the model must be this account's, of a base the
        docs allow continuing (fine-tuning-rest 2025, "Perform continuous fine-tuning": OpenAI models only)."""
        model = str(body.get("model") or "")
        if ".ft-" not in model:
            return None
        if not self.holds_model(account, model):  # fine-tuned models live in the resource that trained them
            message = f"The fine-tuned model {model} was not found in this resource."
            return error(400, "invalidPayload", message, param="model")
        base = _base_model(model)
        if base not in model_rules()["continuous_fine_tuning"]:
            message = f"Continuous fine-tuning is supported only for OpenAI models; {model} is a fine-tune of {base}."
            return error(400, "invalidPayload", message, param="model")
        return None

    def _refuse_job(self, account: Account, body: dict) -> Reply | None:
        """Azure's refusals of a job create, each a 400 naming the problem."""

        def refuse(message: str, param: str) -> Reply:
            return error(400, "invalidPayload", message, param=param)

        rules = model_rules()
        training = account.files.get(str(body.get("training_file")))
        if training is None:
            return refuse("training_file was not found", "training_file")
        if training.status != "processed":
            return refuse(f"training_file {training.id} is {training.status}, not processed", "training_file")
        validation = body.get("validation_file")
        if validation and validation not in account.files:
            return refuse("validation_file was not found", "validation_file")
        suffix = body.get("suffix")
        if isinstance(suffix, str):
            if len(suffix) > rules["suffix_max_length"]:
                return refuse(f"suffix is {len(suffix)} characters; at most {rules['suffix_max_length']}", "suffix")
            if not re.match(rules["suffix_pattern"], suffix):
                return refuse("suffix may only contain a-z, A-Z, 0-9, - and _", "suffix")
        method = body.get("method") or {"type": "supervised"}
        kind = method.get("type") if isinstance(method, dict) else None
        if kind not in METHOD_TYPES:
            return refuse(f"method.type {kind!r} is not one of {', '.join(METHOD_TYPES)}", "method.type")
        config = method.get(kind)
        if config is not None and not isinstance(config, dict):
            return refuse(f"method.{kind} must be an object", f"method.{kind}")
        config = config or {}
        for where, values in (
            ("hyperparameters", body.get("hyperparameters")),
            (f"method.{kind}.hyperparameters", config.get("hyperparameters")),
        ):
            for name, value in (values or {}).items():
                types = HYPERPARAMETERS[kind].get(name)
                if types is None:
                    return refuse(f"{where}.{name} is not a hyperparameter of {kind} fine-tuning", f"{where}.{name}")
                if value == "auto":
                    continue
                if isinstance(value, bool) or not isinstance(value, types):
                    wanted = " or ".join(t.__name__.replace("float", "number").replace("int", "integer") for t in types)
                    return refuse(f"{where}.{name} must be {wanted} or 'auto', not {value!r}", f"{where}.{name}")
        model = str(body.get("model") or "")
        base = _base_model(model)
        if base in rules["not_fine_tunable"]:
            return refuse(f"model {model} does not support fine-tuning", "model")
        entry = rules["models"].get(base)
        if entry is None:
            return refuse(f"model {model} is not available for fine-tuning", "model")
        if "training_types" in entry and body.get("trainingType") not in entry["training_types"]:
            if body.get("trainingType") is None:  # the service's own (misleading) words for a missing type
                return refuse(f"base model {model} does not support fine-tuning", "trainingType")
            offered = ", ".join(entry["training_types"])
            wanted = body["trainingType"]
            return refuse(f"model {model} does not support trainingType {wanted} ({offered})", "trainingType")
        if kind not in entry["methods"]:
            offered = ", ".join(entry["methods"])
            return refuse(f"model {model} does not support {kind} fine-tuning (it supports {offered})", "method.type")
        if not entry.get("vision") and training.images():
            return refuse(f"model {model} does not support image input; the training file has images", "training_file")
        if kind == "reinforcement":
            grader = config.get("grader")
            if not isinstance(grader, dict) or not grader.get("type"):
                return refuse("reinforcement fine-tuning needs method.reinforcement.grader", "method.reinforcement")
            if grader["type"] in GRADERS_NEEDING_REFERENCE:
                missing = [k for k in ("input", "reference") if not grader.get(k)]
                if missing:
                    return refuse(f"grader {grader['type']} needs {' and '.join(missing)}", "grader")
            if not validation:
                return refuse("reinforcement fine-tuning needs a validation_file", "validation_file")
        elif config.get("grader"):
            return refuse(f"a grader only applies to reinforcement fine-tuning, not {kind}", "grader")
        return None

    # ---- job control ----
    def fine_tuning_cancel(self, request: Request, p: dict[str, str]) -> Reply:
        return self._control(request, p, "cancel")

    def fine_tuning_pause(self, request: Request, p: dict[str, str]) -> Reply:
        return self._control(request, p, "pause")

    def fine_tuning_resume(self, request: Request, p: dict[str, str]) -> Reply:
        return self._control(request, p, "resume")

    def _control(self, request: Request, p: dict[str, str], action: str) -> Reply:
        job = self._job(request, p)
        if isinstance(job, Reply):
            return job
        account = self.account(request.account)
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


def _root(model: str) -> str:
    """The base model id a (fine-tuned) model id starts with: `gpt-4.1-mini-2025-04-14.ft-x` -> `...-2025-04-14`."""
    return model.split(".ft-")[0]


def _base_model(model: str) -> str:
    """The table name of a job's model: `gpt-4.1-mini-2025-04-14` and fine-tuned `gpt-4.1-mini-...ft-x` alike."""
    name = model.split(".ft-")[0]
    rules = model_rules()
    for known in sorted([*rules["models"], *rules["not_fine_tunable"]], key=len, reverse=True):
        version = (rules["models"].get(known) or {}).get("version")
        if name == known or (version and name == f"{known}-{version}") or name.startswith(f"{known}-20"):
            return known
    return name
