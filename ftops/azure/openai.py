"""Azure OpenAI data plane: files and fine-tuning jobs (api-version `OPENAI_API_VERSION`).

Results are typed wire models (ftops.azure.models: `FileObject`, `FineTuningJob`, `JobEvent`,
`JobCheckpoint`) holding the service's JSON as sent (`.wire()`); waits are `ftops.azure.poll.wait_until`.

    plane = OpenAIDataPlane("https://myacct.openai.azure.com/")
    training = plane.files.upload(Path("train.jsonl"))
    plane.files.wait_processed(training.id)
    job = plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", training.id, method="dpo")
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx

from ftops.azure.auth import TokenCredential, data_plane_auth
from ftops.azure.models import (
    FileList,
    FileObject,
    FineTuningJob,
    JobCheckpoint,
    JobEvent,
    Outcome,
    Page,
    WireModel,
    outcome_of,
    parse,
)
from ftops.azure.names import SERVICE_ID, segment
from ftops.azure.poll import wait_until
from ftops.azure.sanitize import clean_text
from ftops.azure.settings import OPENAI_API_VERSION, AzureSettings, load_settings
from ftops.azure.transport import ClientBase, RetryPolicy, Transport
from ftops.errors import AzureFailureError, DataError, UsageError

M = TypeVar("M", bound=WireModel)
METHOD_TYPES = {"sft": "supervised", "supervised": "supervised", "dpo": "dpo", "rft": "reinforcement"}
METHOD_TYPES["reinforcement"] = "reinforcement"
# Azure's names for the training types ftops' catalog uses (preview `trainingType` field).
# Kept equal to the catalog's training_types[].api_value (choice training-type-api-values), which cites the docs.
TRAINING_TYPES = {
    "standard": "Standard",
    "data_zone": "DataZoneStandard",
    "global": "GlobalStandard",
    "developer": "Developer",
}

MethodName = Literal["sft", "dpo", "rft", "supervised", "reinforcement"]
# Checkpoint copy (preview). No carried spec defines it: Microsoft's docs are the contract
# (articles/foundry/openai/includes/fine-tuning-rest.md, section "Copy a model (preview)"): the /openai/v1/ path
# (no api-version), this header on the copy and on its status, and the body {"destinationResourceId", "region"}.
COPY_PREVIEW_HEADER = {"aoai-copy-ft-checkpoints": "preview"}


class CheckpointCopy(WireModel):
    """A checkpoint copy's status. The docs show no reply body, so only `status` is read (any other key is kept
    as sent); a missing or unknown status means the copy is still going."""

    status: str | None = None

    @property
    def outcome(self) -> Outcome | None:
        return outcome_of(self.status)


class OpenAIDataPlane(ClientBase):
    """Client for one Azure OpenAI / AI Services account's data plane.

    `endpoint` is the account endpoint from stack outputs; with FTOPS_AZURE_EMULATOR set it is rewritten
    to the emulator. `credential` (azure-identity style) or `api_key` override the default auth.
    """

    def __init__(
        self,
        endpoint: str,
        credential: TokenCredential | None = None,
        http_client: httpx.Client | None = None,
        *,
        api_key: str | None = None,
        settings: AzureSettings | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        settings = settings or load_settings()
        self.endpoint = endpoint
        self.transport = Transport(
            base_url=settings.data_plane_endpoint(endpoint) + "/openai",
            auth=data_plane_auth(settings, credential, api_key),
            http_client=http_client,
            policy=policy or RetryPolicy(),
            sleep=sleep,
            insecure_origin=settings.emulator,
        )
        self.sleep = sleep
        self.files = Files(self)
        self.fine_tuning = FineTuning(self)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        params = {"api-version": OPENAI_API_VERSION, **(kwargs.pop("params", None) or {})}
        return self.transport.json(method, path, params=params, **kwargs)

    def typed(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        """`call`, with the reply checked and returned as `model` (a wrong shape is exit 4, not a traceback)."""
        return parse(model, self.call(method, path, **kwargs), what=f"{method} {path.split('?')[0]}")


class Files:
    """`/openai/files`: training and validation files."""

    def __init__(self, plane: OpenAIDataPlane) -> None:
        self._plane = plane

    def upload(self, file: Path | bytes, *, filename: str | None = None, purpose: str = "fine-tune") -> FileObject:
        """Upload a JSONL file for fine-tuning. Not retried after sending (see AzureMaybeAppliedError)."""
        if isinstance(file, Path):
            filename = filename or file.name
            content = file.read_bytes()
        else:
            content = file
        if not filename:
            raise UsageError("a filename is needed to upload bytes", hint="pass filename='train.jsonl'")
        files = {"file": (filename, content, "application/octet-stream")}
        return self._plane.typed(FileObject, "POST", "/files", files=files, data={"purpose": purpose}, idempotent=False)

    def import_url(self, content_url: str, *, filename: str, purpose: str = "fine-tune") -> FileObject:
        """Import a file from a URL (e.g. a blob SAS URL); the URL is never logged."""
        body = {"purpose": purpose, "content_url": content_url, "filename": filename}
        return self._plane.typed(FileObject, "POST", "/files/import", json=body, idempotent=False)

    def get(self, file_id: str) -> FileObject:
        return self._plane.typed(FileObject, "GET", f"/files/{segment(file_id, SERVICE_ID)}")

    def list(self, *, purpose: str | None = None) -> list[FileObject]:
        params = {"purpose": purpose} if purpose else None
        return self._plane.typed(FileList, "GET", "/files", params=params).data or []

    def delete(self, file_id: str) -> dict:
        return self._plane.call("DELETE", f"/files/{segment(file_id, SERVICE_ID)}")

    def content(self, file_id: str) -> bytes:
        params = {"api-version": OPENAI_API_VERSION}
        path = f"/files/{segment(file_id, SERVICE_ID)}/content"
        return self._plane.transport.request("GET", path, params=params).content

    def wait_processed(
        self,
        file_id: str,
        *,
        timeout: float = 1800.0,
        poll_seconds: float = 2.0,
        on_status: Callable[[FileObject], None] | None = None,
    ) -> FileObject:
        """Poll until the file is processed; a file Azure rejects raises DataError with its reason."""
        done = wait_until(
            lambda: self.get(file_id),
            lambda found: outcome_of(found.status),
            what=f"file {file_id}",
            interval=poll_seconds,
            timeout=timeout,
            state=lambda found: found.status,
            on_poll=on_status,
            sleep=self._plane.sleep,
            hint="check it later with its id",
        )
        found = done.value
        if done.outcome is not Outcome.SUCCEEDED:
            reason = found.status_details or (found.error.message if found.error else None) or "no reason given"
            raise DataError(
                f"Azure rejected file {clean_text(found.filename or file_id, 200)} ({file_id}): {clean_text(reason)}",
                hint="check it with `ftops data validate FILE --method M --model X`",
            )
        return found


class FineTuning:
    def __init__(self, plane: OpenAIDataPlane) -> None:
        self.jobs = Jobs(plane)


def method_body(
    method: str, hyperparameters: dict[str, Any] | None = None, grader: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The job's `method` object: `{"type": t, t: {"hyperparameters": ..., "grader": ...}}`."""
    kind = METHOD_TYPES.get(method)
    if kind is None:
        raise UsageError(f"unknown fine-tuning method '{method}'", hint="use sft, dpo or rft")
    if kind == "reinforcement" and not grader:
        raise UsageError("reinforcement fine-tuning needs a grader", hint="pass grader={...} (one grader)")
    if grader and kind != "reinforcement":
        raise UsageError(f"a grader only applies to reinforcement fine-tuning, not {kind}")
    config: dict[str, Any] = {}
    if hyperparameters:
        config["hyperparameters"] = dict(hyperparameters)
    if grader:
        config["grader"] = dict(grader)
    return {"type": kind, kind: config}


class Jobs:
    """`/openai/fine_tuning/jobs`."""

    def __init__(self, plane: OpenAIDataPlane) -> None:
        self._plane = plane

    def create(
        self,
        model: str,
        training_file: str,
        *,
        validation_file: str | None = None,
        method: MethodName = "sft",
        hyperparameters: dict[str, Any] | None = None,
        grader: dict[str, Any] | None = None,
        suffix: str | None = None,
        seed: int | None = None,
        training_type: Literal["standard", "data_zone", "global", "developer"] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> FineTuningJob:
        """Create a fine-tuning job. Not retried after sending: a caller that must not create two jobs
        gets AzureMaybeAppliedError and should look the job up (e.g. by `suffix`) before trying again."""
        body: dict[str, Any] = {
            "model": model,
            "training_file": training_file,
            "method": method_body(method, hyperparameters, grader),
        }
        if validation_file:
            body["validation_file"] = validation_file
        if suffix:
            body["suffix"] = suffix
        if seed is not None:
            body["seed"] = seed
        if training_type:
            body["trainingType"] = TRAINING_TYPES[training_type]
        body.update(extra or {})
        return self._plane.typed(FineTuningJob, "POST", "/fine_tuning/jobs", json=body, idempotent=False)

    def _job(self, job_id: str, action: str = "") -> str:
        return f"/fine_tuning/jobs/{segment(job_id, SERVICE_ID)}{action}"

    def get(self, job_id: str) -> FineTuningJob:
        return self._plane.typed(FineTuningJob, "GET", self._job(job_id))

    def list(self, *, limit: int = 100, max_items: int = 10_000) -> Iterator[FineTuningJob]:
        """Every job, newest first, following `has_more`/`after` paging."""
        yield from self._pages(FineTuningJob, "/fine_tuning/jobs", limit, max_items)

    def events(self, job_id: str, *, limit: int = 100, max_items: int = 10_000) -> Iterator[JobEvent]:
        """The job's events, newest first."""
        yield from self._pages(JobEvent, self._job(job_id, "/events"), limit, max_items)

    def checkpoints(self, job_id: str, *, limit: int = 100, max_items: int = 1000) -> Iterator[JobCheckpoint]:
        yield from self._pages(JobCheckpoint, self._job(job_id, "/checkpoints"), limit, max_items)

    def _copy(self, job_id: str, checkpoint: str) -> str:
        job, name = segment(job_id, SERVICE_ID), segment(checkpoint, SERVICE_ID)
        return f"/v1/fine_tuning/jobs/{job}/checkpoints/{name}/copy"

    def copy_checkpoint(
        self, job_id: str, checkpoint: str, *, destination_resource_id: str, region: str
    ) -> CheckpointCopy:
        """Start copying a checkpoint to another account (preview; long-running: follow it with `checkpoint_copy`).
        Not retried after sending: a caller looks the copy up with `checkpoint_copy` before sending it again."""
        body = {"destinationResourceId": destination_resource_id, "region": region}
        path = self._copy(job_id, checkpoint)
        found = self._plane.transport.json("POST", path, json=body, headers=COPY_PREVIEW_HEADER, idempotent=False)
        return parse(CheckpointCopy, found if found is not None else {}, what=f"POST {path}")

    def checkpoint_copy(self, job_id: str, checkpoint: str) -> CheckpointCopy | None:
        """The status of a copy of this checkpoint, or None if none was requested (404)."""
        from ftops.azure.errors import AzureNotFoundError

        path = self._copy(job_id, checkpoint)
        try:
            found = self._plane.transport.json("GET", path, headers=COPY_PREVIEW_HEADER)
        except AzureNotFoundError:
            return None
        return parse(CheckpointCopy, found if found is not None else {}, what=f"GET {path}")

    # cancel/pause/resume are safe to repeat: the second call finds the job already in that state.
    def cancel(self, job_id: str) -> FineTuningJob:
        return self._plane.typed(FineTuningJob, "POST", self._job(job_id, "/cancel"), idempotent=True)

    def pause(self, job_id: str) -> FineTuningJob:
        return self._plane.typed(FineTuningJob, "POST", self._job(job_id, "/pause"), idempotent=True)

    def resume(self, job_id: str) -> FineTuningJob:
        return self._plane.typed(FineTuningJob, "POST", self._job(job_id, "/resume"), idempotent=True)

    def wait(
        self,
        job_id: str,
        *,
        timeout: float = 720 * 3600.0,
        poll_seconds: float = 30.0,
        on_status: Callable[[FineTuningJob], None] | None = None,
    ) -> FineTuningJob:
        """Poll until the job reaches a terminal state (or is paused); return the job."""
        return wait_until(
            lambda: self.get(job_id),
            lambda job: job.outcome,
            what=f"job {job_id}",
            interval=poll_seconds,
            timeout=timeout,
            state=lambda job: job.status,
            on_poll=on_status,
            sleep=self._plane.sleep,
        ).value

    def _pages(self, model: type[M], path: str, limit: int, max_items: int) -> Iterator[M]:
        """Items across `has_more`/`after` pages, under one deadline; a cursor that repeats stops the listing."""
        after: str | None = None
        seen: set[str] = set()
        count = 0
        deadline = self._plane.transport.clock() + self._plane.transport.policy.budget_seconds
        while count < max_items:
            params: dict[str, Any] = {"limit": limit}
            if after:
                params["after"] = after
            page = self._plane.typed(Page, "GET", path, params=params, deadline=deadline)
            items = page.data or []
            for item in items:
                yield parse(model, item, what=f"GET {path}")
                count += 1
            if not page.has_more or not items:
                return
            after = items[-1].get("id")
            if not isinstance(after, str) or not after:
                return
            if after in seen:
                raise AzureFailureError(
                    f"GET {path}: the service's paging repeats a page already read; stopping",
                    hint="retry later; the listing is looping",
                )
            seen.add(after)
