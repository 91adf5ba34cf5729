"""Azure OpenAI data plane: files and fine-tuning jobs (api-version `OPENAI_API_VERSION`).

Results are the service's JSON objects as dicts (`id`, `status`, ...), exactly as Azure sends them;
fields the service leaves out or sends as null are read with `.get`.

    plane = OpenAIDataPlane("https://myacct.openai.azure.com/")
    training = plane.files.upload(Path("train.jsonl"))
    plane.files.wait_processed(training["id"])
    job = plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", training["id"], method="dpo")
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import httpx

from ftops.azure.auth import TokenCredential, data_plane_auth
from ftops.azure.names import SERVICE_ID, segment
from ftops.azure.settings import OPENAI_API_VERSION, AzureSettings, load_settings
from ftops.azure.transport import ClientBase, RetryPolicy, Transport
from ftops.errors import AzureFailureError, DataError, UsageError

FILE_DONE = frozenset({"processed", "error", "deleted"})
JOB_DONE = frozenset({"succeeded", "failed", "cancelled"})
METHOD_TYPES = {"sft": "supervised", "supervised": "supervised", "dpo": "dpo", "rft": "reinforcement"}
METHOD_TYPES["reinforcement"] = "reinforcement"
# Azure's names for the training types ftops' catalog uses (preview `trainingType` field).
TRAINING_TYPES = {"standard": "Standard", "global": "GlobalStandard", "developer": "Developer"}

MethodName = Literal["sft", "dpo", "rft", "supervised", "reinforcement"]


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


class Files:
    """`/openai/files`: training and validation files."""

    def __init__(self, plane: OpenAIDataPlane) -> None:
        self._plane = plane

    def upload(self, file: Path | bytes, *, filename: str | None = None, purpose: str = "fine-tune") -> dict:
        """Upload a JSONL file for fine-tuning. Not retried after sending (see AzureMaybeAppliedError)."""
        if isinstance(file, Path):
            filename = filename or file.name
            content = file.read_bytes()
        else:
            content = file
        if not filename:
            raise UsageError("a filename is needed to upload bytes", hint="pass filename='train.jsonl'")
        files = {"file": (filename, content, "application/octet-stream")}
        return self._plane.call("POST", "/files", files=files, data={"purpose": purpose}, idempotent=False)

    def import_url(self, content_url: str, *, filename: str, purpose: str = "fine-tune") -> dict:
        """Import a file from a URL (e.g. a blob SAS URL); the URL is never logged."""
        body = {"purpose": purpose, "content_url": content_url, "filename": filename}
        return self._plane.call("POST", "/files/import", json=body, idempotent=False)

    def get(self, file_id: str) -> dict:
        return self._plane.call("GET", f"/files/{segment(file_id, SERVICE_ID)}")

    def list(self, *, purpose: str | None = None) -> list[dict]:
        params = {"purpose": purpose} if purpose else None
        return (self._plane.call("GET", "/files", params=params) or {}).get("data") or []

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
        on_status: Callable[[dict], None] | None = None,
    ) -> dict:
        """Poll until the file is processed; a file Azure rejects raises DataError with its reason."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.get(file_id)
            if on_status:
                on_status(found)
            status = found.get("status")
            if status == "processed":
                return found
            if status in ("error", "deleted"):
                reason = found.get("status_details") or (found.get("error") or {}).get("message") or "no reason given"
                raise DataError(
                    f"Azure rejected file {found.get('filename') or file_id} ({file_id}): {reason}",
                    hint="check it with `ftops data validate FILE --method M --model X`",
                )
            if time.monotonic() + poll_seconds > deadline:
                raise AzureFailureError(
                    f"file {file_id} still {status} after {timeout:.0f}s", hint="check it later with its id"
                )
            self._plane.sleep(poll_seconds)


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
        training_type: Literal["standard", "global", "developer"] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict:
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
        return self._plane.call("POST", "/fine_tuning/jobs", json=body, idempotent=False)

    def get(self, job_id: str) -> dict:
        return self._plane.call("GET", f"/fine_tuning/jobs/{segment(job_id, SERVICE_ID)}")

    def list(self, *, limit: int = 100, max_items: int = 10_000) -> Iterator[dict]:
        """Every job, newest first, following `has_more`/`after` paging."""
        yield from self._pages("/fine_tuning/jobs", limit, max_items)

    def events(self, job_id: str, *, limit: int = 100, max_items: int = 10_000) -> Iterator[dict]:
        """The job's events, newest first."""
        yield from self._pages(f"/fine_tuning/jobs/{segment(job_id, SERVICE_ID)}/events", limit, max_items)

    def checkpoints(self, job_id: str, *, limit: int = 100, max_items: int = 1000) -> Iterator[dict]:
        yield from self._pages(f"/fine_tuning/jobs/{segment(job_id, SERVICE_ID)}/checkpoints", limit, max_items)

    # cancel/pause/resume are safe to repeat: the second call finds the job already in that state.
    def cancel(self, job_id: str) -> dict:
        return self._plane.call("POST", f"/fine_tuning/jobs/{segment(job_id, SERVICE_ID)}/cancel", idempotent=True)

    def pause(self, job_id: str) -> dict:
        return self._plane.call("POST", f"/fine_tuning/jobs/{segment(job_id, SERVICE_ID)}/pause", idempotent=True)

    def resume(self, job_id: str) -> dict:
        return self._plane.call("POST", f"/fine_tuning/jobs/{segment(job_id, SERVICE_ID)}/resume", idempotent=True)

    def wait(
        self,
        job_id: str,
        *,
        timeout: float = 720 * 3600.0,
        poll_seconds: float = 30.0,
        on_status: Callable[[dict], None] | None = None,
    ) -> dict:
        """Poll until the job reaches a terminal state (or is paused); return the job."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if on_status:
                on_status(job)
            if job.get("status") in JOB_DONE or job.get("status") == "paused":
                return job
            if time.monotonic() + poll_seconds > deadline:
                raise AzureFailureError(f"job {job_id} still {job.get('status')} after {timeout:.0f}s")
            self._plane.sleep(poll_seconds)

    def _pages(self, path: str, limit: int, max_items: int) -> Iterator[dict]:
        after: str | None = None
        count = 0
        while count < max_items:
            params: dict[str, Any] = {"limit": limit}
            if after:
                params["after"] = after
            page = self._plane.call("GET", path, params=params) or {}
            items = page.get("data") or []
            for item in items:
                yield item
                count += 1
            if not page.get("has_more") or not items:
                return
            after = items[-1].get("id")
            if not after:
                return
