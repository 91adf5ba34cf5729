"""`ftops jobs ...`: list, inspect, follow and control fine-tuning jobs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ftops.cli.options import JsonOption, OutputsOption, StackOption

app = typer.Typer(help="List, inspect, follow and control fine-tuning jobs.", no_args_is_help=True)
JobArgument = Annotated[str, typer.Argument(help="Job id (ftjob-...) or launch key.")]


def _outputs(stack: str | None, outputs: Any) -> Any:
    from ftops.stack.outputs import load_outputs

    return load_outputs(stack, outputs) if (stack or outputs) else None


def _located(job: str, stack: str | None, outputs: Any) -> Any:
    from ftops.jobs.ledger import Ledger
    from ftops.jobs.locate import locate_job

    with Ledger() as ledger:
        return locate_job(job, ledger, _outputs(stack, outputs))


@app.command("list")
def list_jobs(stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False) -> None:
    """Jobs launched from this machine (the ledger), merged with the jobs on the stack's accounts.

    Example: ftops jobs list --stack dev
    """
    from ftops.cli import render
    from ftops.jobs.clients import data_plane
    from ftops.jobs.ledger import Ledger

    stack_outputs = _outputs(stack, outputs)
    with Ledger() as ledger:
        launches = ledger.all(stack)
    rows: dict[str, dict[str, Any]] = {}
    for launch in launches:
        key = launch.job_id or launch.key
        rows[key] = {
            "job_id": launch.job_id,
            "launch": launch.key,
            "model": launch.model,
            "method": launch.method,
            "location": launch.location,
            "status": launch.job_status or launch.state,
            "fine_tuned_model": launch.fine_tuned_model,
            "deployment": launch.deployment,
            "in_ledger": True,
        }
    for region in stack_outputs.regions if stack_outputs else []:
        with data_plane(region.endpoint) as plane:
            for job in plane.fine_tuning.jobs.list(max_items=500):
                row = rows.setdefault(
                    job["id"],
                    {
                        "job_id": job["id"],
                        "launch": None,
                        "model": job.get("model"),
                        "method": ((job.get("method") or {}).get("type")),
                        "location": region.location,
                        "deployment": None,
                        "in_ledger": False,
                    },
                )
                row["status"] = job.get("status")
                row["fine_tuned_model"] = job.get("fine_tuned_model")
    if as_json:
        render.print_json({"jobs": list(rows.values())})
        return
    if not rows:
        render.line("no jobs yet; start one with `ftops launch`")
        return
    render.table(
        None,
        ["job", "model", "method", "region", "status", "fine-tuned model", "ledger"],
        (
            [
                r["job_id"] or f"(launch {r['launch']})",
                r["model"],
                r["method"],
                r["location"],
                r["status"],
                r["fine_tuned_model"],
                "yes" if r["in_ledger"] else "no",
            ]
            for r in rows.values()
        ),
    )


@app.command("show")
def show(
    job: JobArgument, stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False
) -> None:
    """The job as the service reports it.

    Example: ftops jobs show ftjob-abc123
    """
    from ftops.cli import render
    from ftops.jobs.clients import data_plane

    where = _located(job, stack, outputs)
    if _on_hub(where):
        found = _hub_job(where)
    else:
        with data_plane(where.endpoint) as plane:
            found = plane.fine_tuning.jobs.get(where.job_id)
    if as_json:
        render.print_json(found)
        return
    error = (found.get("error") or {}).get("message")
    rows = [
        ["id", found.get("id")],
        ["status", found.get("status")],
        ["model", found.get("model")],
        ["method", (found.get("method") or {}).get("type")],
        ["fine-tuned model", found.get("fine_tuned_model")],
        ["training file", found.get("training_file")],
        ["validation file", found.get("validation_file")],
        ["trained tokens", found.get("trained_tokens")],
        ["error", error],
    ]
    render.table(None, ["field", "value"], (r for r in rows if r[1] is not None))


@app.command("events")
def events(
    job: JobArgument,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="Newest N events.")] = 50,
    stack: StackOption = None,
    outputs: OutputsOption = None,
    as_json: JsonOption = False,
) -> None:
    """The job's events, oldest first (metrics events carry step and loss).

    Example: ftops jobs events ftjob-abc123 --limit 20
    """
    from ftops.cli import render
    from ftops.jobs.clients import data_plane

    where = _located(job, stack, outputs)
    _openai_only(where, "events")
    with data_plane(where.endpoint) as plane:
        found = list(plane.fine_tuning.jobs.events(where.job_id, max_items=limit))[::-1]
    if as_json:
        render.print_json({"job_id": where.job_id, "events": found})
        return
    render.table(
        None,
        ["created", "level", "message"],
        ([_when(e.get("created_at")), e.get("level"), e.get("message")] for e in found),
    )


@app.command("checkpoints")
def checkpoints(
    job: JobArgument, stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False
) -> None:
    """The job's checkpoints (deployable with `ftops deploy`).

    Example: ftops jobs checkpoints ftjob-abc123
    """
    from ftops.cli import render
    from ftops.jobs.clients import data_plane

    where = _located(job, stack, outputs)
    _openai_only(where, "checkpoints")
    with data_plane(where.endpoint) as plane:
        found = list(plane.fine_tuning.jobs.checkpoints(where.job_id))
    if as_json:
        render.print_json({"job_id": where.job_id, "checkpoints": found})
        return
    render.table(
        None,
        ["step", "checkpoint model", "train loss"],
        (
            [c.get("step_number"), c.get("fine_tuned_model_checkpoint"), (c.get("metrics") or {}).get("train_loss")]
            for c in found
        ),
    )


@app.command("wait")
def wait(
    job: JobArgument, stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False
) -> None:
    """Follow a job to its end; exit 3 with the service's reason if it fails.

    Ctrl-C stops following; the job keeps running.

    Example: ftops jobs wait ftjob-abc123
    """
    from ftops.cli import render

    where = _located(job, stack, outputs)
    final = follow_and_record(where.job_id, where.endpoint, as_json=as_json)
    if as_json:
        render.print_json(final)


def _control(action: str, job: str, stack: str | None, outputs: Any, as_json: bool) -> None:
    from ftops.cli import render
    from ftops.jobs.clients import data_plane
    from ftops.jobs.ledger import Ledger

    where = _located(job, stack, outputs)
    if _on_hub(where) and action == "cancel":
        from ftops.azure.ml import AzureML

        with AzureML() as ml:
            ml.cancel_job(where.endpoint, where.job_id)
        found = _hub_job(where)
    else:
        _openai_only(where, action)
        with data_plane(where.endpoint) as plane:
            found = getattr(plane.fine_tuning.jobs, action)(where.job_id)
    if where.launch is not None:
        with Ledger() as ledger:
            ledger.update(where.launch.key, job_status=found.get("status"))
    if as_json:
        render.print_json(found)
    else:
        render.line(f"job {where.job_id}: {found.get('status')}")


@app.command("cancel")
def cancel(
    job: JobArgument, stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False
) -> None:
    """Cancel a job. Example: ftops jobs cancel ftjob-abc123"""
    _control("cancel", job, stack, outputs, as_json)


@app.command("pause")
def pause(
    job: JobArgument, stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False
) -> None:
    """Pause a running job (keeps its checkpoints). Example: ftops jobs pause ftjob-abc123"""
    _control("pause", job, stack, outputs, as_json)


@app.command("resume")
def resume(
    job: JobArgument, stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False
) -> None:
    """Resume a paused job. Example: ftops jobs resume ftjob-abc123"""
    _control("resume", job, stack, outputs, as_json)


def _on_hub(where: Any) -> bool:
    """Jobs of open models live in a hub project (the ledger records its workspace id)."""
    return where.endpoint.startswith("/subscriptions/")


def _hub_job(where: Any) -> dict[str, Any]:
    from ftops.azure.ml import AzureML
    from ftops.errors import UserError
    from ftops.jobs.launch_hub import job_view

    with AzureML() as ml:
        found = ml.job(where.endpoint, where.job_id)
    if found is None:
        raise UserError(f"job {where.job_id} not found in {where.endpoint}")
    return job_view(found)


def _openai_only(where: Any, what: str) -> None:
    from ftops.errors import UsageError

    if _on_hub(where):
        raise UsageError(
            f"{what} is available for Azure OpenAI jobs only; {where.job_id} is an AzureML job in a hub project",
            hint=f"see it with `ftops jobs show {where.job_id}` or in the Foundry portal",
        )


def follow_and_record(job_id: str, endpoint: str, *, as_json: bool, result: dict | None = None) -> dict[str, Any]:
    """Follow with a live line on a terminal; record the outcome in the ledger; raise if it failed."""
    from ftops.cli import render
    from ftops.cli.progress import LiveLine
    from ftops.jobs.clients import poll_seconds
    from ftops.jobs.follow import raise_if_failed
    from ftops.jobs.ledger import Ledger

    try:
        with LiveLine(as_json) as live:
            job, final, line = _follow(job_id, endpoint, live, poll_seconds(10.0))
    except KeyboardInterrupt:
        render.note(f"stopped following; job {job_id} keeps running. Resume with: ftops jobs wait {job_id}")
        raise typer.Exit(130) from None
    with Ledger() as ledger:
        launch = ledger.by_job(job_id)
        if launch is not None:
            state = job.get("status") if job.get("status") in ("succeeded", "failed", "cancelled") else launch.state
            ledger.update(
                launch.key, job_status=job.get("status"), fine_tuned_model=job.get("fine_tuned_model"), state=state
            )
    final = {**final, "error": job.get("error")}
    if job.get("status") == "failed" and as_json and result is not None:
        render.print_json({**result, "final": final})
    raise_if_failed(job)
    if not as_json:
        render.line(f"[green]✓[/] {line}")
        if job.get("fine_tuned_model"):
            render.line(f"  deploy it: ftops deploy {job_id} --stack <stack>")
    return final


def _follow(job_id: str, endpoint: str, live: Any, every: float) -> tuple[dict, dict, str]:
    """(job, final progress, last line) for an Azure OpenAI job, or an AzureML job in a hub project."""
    from ftops.jobs.clients import data_plane
    from ftops.jobs.follow import follow_job

    if endpoint.startswith("/subscriptions/"):  # a hub project's workspace id: an AzureML job
        from ftops.azure.ml import AzureML
        from ftops.jobs.launch_hub import follow_hub_job

        with AzureML() as ml:
            view = follow_hub_job(
                ml,
                endpoint,
                job_id,
                poll_seconds=every,
                on_update=lambda v: live.update(f"job {job_id}  {v['status']}"),
            )
        final = {"job_id": job_id, "status": view["status"], "fine_tuned_model": view["fine_tuned_model"]}
        return view, final, f"job {job_id}  {view['status']}"
    with data_plane(endpoint) as plane:
        job, progress = follow_job(plane, job_id, poll_seconds=every, on_update=lambda p: live.update(p.line()))
    return job, progress.to_dict(), progress.line()


def _when(epoch: Any) -> str:
    import datetime

    if not isinstance(epoch, int | float):
        return ""
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
