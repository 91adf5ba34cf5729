"""`ftops jobs ...`: list, inspect, follow and control fine-tuning jobs."""

from __future__ import annotations

from typing import Annotated

import typer

from ftops.cli import render
from ftops.cli.jobs_copy import copy_checkpoint_command
from ftops.cli.jobs_metrics import metrics_option
from ftops.cli.options import JobArgument, JsonOption, OutputsOption, StackOption, locate, selector

app = typer.Typer(help="List, inspect, follow and control fine-tuning jobs.", no_args_is_help=True)


@app.command("list")
def list_jobs(stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False) -> None:
    """Jobs launched from this machine (the ledger), merged with the jobs on the stack's accounts.

    Example: ftops jobs list --stack dev
    """
    from ftops.jobs import refs, track, views

    rows = track.list_jobs(refs.optional_stack_ref(stack, outputs))
    if as_json:
        render.print_json({"jobs": rows})
    elif not rows:
        render.line("no jobs yet; start one with `ftops launch`")
    else:
        render.table(None, views.LIST_COLUMNS, views.list_cells(rows))


@app.command("show")
def show(
    job: JobArgument, stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False
) -> None:
    """The job as the service reports it.

    Example: ftops jobs show ftjob-abc123
    """
    from ftops.jobs import track, views

    found = track.show(locate(job, stack, outputs))
    render.result(found, as_json=as_json, **views.job_fields(found))


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
    from ftops.jobs import track, views

    ref = locate(job, stack, outputs)
    found = track.events(ref, limit)
    render.result({"job_id": ref.job_id, "events": found}, as_json=as_json, **views.event_cells(found))


@app.command("checkpoints")
def checkpoints(
    job: JobArgument, stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False
) -> None:
    """The job's checkpoints (deployable with `ftops deploy`).

    Example: ftops jobs checkpoints ftjob-abc123
    """
    from ftops.jobs import track, views

    ref = locate(job, stack, outputs)
    found = track.checkpoints(ref)
    render.result({"job_id": ref.job_id, "checkpoints": found}, as_json=as_json, **views.checkpoint_cells(found))


@app.command("wait")
def wait(
    job: JobArgument, stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False
) -> None:
    """Follow a job to its end; exit 3 with the service's reason if it fails.

    Ctrl-C stops following; the job keeps running.

    Example: ftops jobs wait ftjob-abc123
    """
    from ftops.cli.follow import follow

    final = follow(locate(job, stack, outputs), as_json=as_json, selector=selector(stack, outputs))
    if as_json:
        render.print_json(final)


def _control_command(action: str, help_text: str) -> None:
    """cancel, pause and resume share one shape: locate, act, print the status the service answered."""

    def command(
        job: JobArgument, stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False
    ) -> None:
        from ftops.jobs.track import control

        ref = locate(job, stack, outputs)
        found = control(action, ref)
        render.print_json(found) if as_json else render.line(f"job {ref.job_id}: {found.get('status')}")

    command.__doc__ = f"{help_text} Example: ftops jobs {action} ftjob-abc123"
    app.command(action)(command)


_control_command("cancel", "Cancel a job.")
_control_command("pause", "Pause a running job (keeps its checkpoints).")
_control_command("resume", "Resume a paused job.")
metrics_option(app)  # `show --metrics`: training curves, in ftops/cli/jobs_metrics.py
copy_checkpoint_command(app)  # `copy-checkpoint` (preview), in ftops/cli/jobs_copy.py
