"""Jobs after launch: locate, list (ledger merged with the service), show, follow and record, control.

Every function takes typed refs and returns plain results; the CLI only renders them. Whether a job is an
Azure OpenAI job or an AzureML job in a hub project is `JobRef.kind`, decided once when it is located.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ftops.errors import UserError
from ftops.jobs.ledger import Launch, Ledger
from ftops.jobs.lineage import METHOD_OF_TYPE  # the service's method types in the catalog's words
from ftops.jobs.refs import JobDoc, JobRef, StackRef, realm

DONE = ("succeeded", "failed", "cancelled")


def when(epoch: Any) -> str | None:
    """An epoch (seconds) as UTC time, the way every ftops table shows it."""
    if not isinstance(epoch, int | float) or epoch <= 0:
        return None
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def duration(start: Any, end: Any) -> float | None:
    if isinstance(start, int | float) and isinstance(end, int | float) and end >= start > 0:
        return float(end - start)
    return None


def catalog_model_name(model_id: Any) -> Any:
    """gpt-4.1-mini-2025-04-14 -> gpt-4.1-mini (the catalog's name); anything unknown stays as the service said."""
    from ftops.catalog import load_catalog
    from ftops.jobs.launch import base_model_id

    for model in load_catalog().models:
        if model_id in (model.name, base_model_id(model)):
            return model.name
    return model_id


def locate(ref: str, stack: StackRef | None) -> JobRef:
    """A job id or launch key: the ledger first, then each account of the stack."""
    from ftops.jobs.locate import locate_job

    with Ledger() as ledger:
        return locate_job(ref, ledger, stack.outputs if stack else None)


def list_jobs(stack: StackRef | None) -> list[dict[str, Any]]:
    """This machine's launches (of this service realm) merged with the jobs on the stack's accounts."""
    from ftops.jobs.clients import data_plane

    names = (stack.name, stack.outputs.environment) if stack else ()
    with Ledger() as ledger:
        launches = ledger.all(stacks=names, realm=realm()) if stack else ledger.all(realm=realm())
    rows: dict[str, dict[str, Any]] = {}
    for launch in launches:
        rows[launch.job_id or launch.key] = _ledger_row(launch)
    for region in stack.outputs.regions if stack else []:
        with data_plane(region.endpoint) as plane:
            for job in plane.fine_tuning.jobs.list(max_items=500):
                row = rows.setdefault(job["id"], _service_row(job, region.location))
                row["status"] = job.get("status")
                row["fine_tuned_model"] = job.get("fine_tuned_model")
                if isinstance(job.get("created_at"), int | float):
                    row["created"] = when(job["created_at"])
                row["duration_seconds"] = duration(job.get("created_at"), job.get("finished_at"))
    return list(rows.values())


def _ledger_row(launch: Launch) -> dict[str, Any]:
    return {
        "job_id": launch.job_id,
        "launch": launch.key,
        "model": launch.model,
        "method": launch.method,
        "location": launch.location,
        "status": launch.job_status or launch.state,
        "fine_tuned_model": launch.fine_tuned_model,
        "deployment": launch.deployment,
        "in_ledger": True,
        "created": when(launch.created_at),
        "duration_seconds": None,
    }


def _service_row(job: JobDoc, location: str) -> dict[str, Any]:
    method = str((job.get("method") or {}).get("type") or "")
    return {
        "job_id": job["id"],
        "launch": None,
        "model": catalog_model_name(job.get("model")),
        "method": METHOD_OF_TYPE.get(method, method or None),
        "location": location,
        "deployment": None,
        "in_ledger": False,
    }


def show(ref: JobRef) -> dict[str, Any]:
    """The job as the service reports it (an AzureML job in the shape every ftops job has), with its `lineage`:
    base model -> job -> ... -> this job (ftops.jobs.lineage), for a continued fine-tune and any other."""
    from ftops.jobs.lineage import entry, lineage

    if ref.on_hub:
        found = hub_job(ref)  # an AzureML job trains from a base model: its lineage is itself
        method = ref.launch.method if ref.launch is not None else None
        return {**found, "lineage": [{**entry(found), "method": method}]}
    from ftops.jobs.clients import data_plane

    with data_plane(ref.require_openai("show")) as plane:
        job = plane.fine_tuning.jobs.get(ref.job_id)
    with Ledger() as ledger:
        return {**job.wire(), "lineage": lineage(job, ref, ledger)}


def hub_job(ref: JobRef) -> dict[str, Any]:
    from ftops.azure.ml import AzureML
    from ftops.jobs.launch_hub import job_view

    with AzureML() as ml:
        found = ml.job(ref.where, ref.job_id)
    if found is None:
        raise UserError(f"job {ref.job_id} not found in {ref.where}")
    return job_view(found)


def events(ref: JobRef, limit: int) -> list[Any]:
    """The newest `limit` events, oldest first."""
    from ftops.jobs.clients import data_plane

    with data_plane(ref.require_openai("events")) as plane:
        # Azure lists events oldest first (Microsoft's example): read them all, keep the newest `limit`.
        found = sorted(plane.fine_tuning.jobs.events(ref.job_id), key=lambda e: e.get("created_at") or 0)
        return found[-limit:]


def checkpoints(ref: JobRef) -> list[Any]:
    """The job's checkpoints by step, each with its `number` (1-based: `ftops deploy JOB --checkpoint N`)."""
    from ftops.jobs.checkpoints import numbered
    from ftops.jobs.clients import data_plane

    with data_plane(ref.require_openai("checkpoints")) as plane:
        return numbered(plane.fine_tuning.jobs.checkpoints(ref.job_id))


def control(action: str, ref: JobRef) -> JobDoc:
    """cancel, pause or resume; the ledger records the status the service answered."""
    if ref.on_hub and action == "cancel":
        from ftops.azure.ml import AzureML

        with AzureML() as ml:
            ml.cancel_job(ref.where, ref.job_id)
        found = hub_job(ref)
    else:
        from ftops.jobs.clients import data_plane

        with data_plane(ref.require_openai(action)) as plane:
            found = getattr(plane.fine_tuning.jobs, action)(ref.job_id)
    if ref.launch is not None:
        with Ledger() as ledger:
            ledger.update(ref.launch.key, job_status=found.get("status"))
    return found


@dataclass
class Followed:
    """A followed job at its end: the job, the final progress document, and its one-line summary."""

    job: JobDoc
    final: dict[str, Any]
    line: str


def follow_and_record(ref: JobRef, *, on_update: Callable[[str], None], every: float) -> Followed:
    """Follow to the end (AzureML or Azure OpenAI), record the outcome in the ledger, return it."""
    followed = _follow(ref, on_update, every)
    job = followed.job
    with Ledger() as ledger:
        launch = ledger.by_job(ref.job_id)
        if launch is not None:
            state = job.get("status") if job.get("status") in DONE else launch.state
            ledger.update(
                launch.key, job_status=job.get("status"), fine_tuned_model=job.get("fine_tuned_model"), state=state
            )
    followed.final = {**followed.final, "error": job.get("error")}
    return followed


def _follow(ref: JobRef, on_update: Callable[[str], None], every: float) -> Followed:
    if ref.on_hub:
        from ftops.azure.ml import AzureML
        from ftops.jobs.launch_hub import follow_hub_job

        with AzureML() as ml:
            view = follow_hub_job(
                ml, ref.where, ref.job_id, poll_seconds=every, on_update=lambda v: on_update(_hub_line(ref, v))
            )
        final = {"job_id": ref.job_id, "status": view["status"], "fine_tuned_model": view["fine_tuned_model"]}
        return Followed(view, final, _hub_line(ref, view))
    from ftops.jobs.clients import data_plane
    from ftops.jobs.follow import follow_job

    with data_plane(ref.require_openai("follow")) as plane:
        job, progress = follow_job(
            plane,
            ref.job_id,
            poll_seconds=every,
            on_update=lambda p: on_update(p.line()),
            user_paused=lambda: paused_by_user(ref.job_id),
        )
    return Followed(job, progress.to_dict(), progress.line())


def paused_by_user(job_id: str) -> bool:
    """Did `ftops jobs pause` pause this job? `control` records the service's answer (pausing/paused) in the
    ledger, and nothing else writes those states while a job runs; a pause with no such record is Azure's."""
    with Ledger() as ledger:
        launch = ledger.by_job(job_id)
    return launch is not None and launch.job_status in ("pausing", "paused")


def _hub_line(ref: JobRef, view: dict[str, Any]) -> str:
    return f"job {ref.job_id}  {view['status']}"
