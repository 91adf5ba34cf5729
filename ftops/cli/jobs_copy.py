"""`ftops jobs copy-checkpoint`: copy a fine-tuned checkpoint to another region or subscription (preview).

`copy_checkpoint_command(app)` registers the command on the `jobs` group, so `jobs_cmd` stays one line longer;
the preconditions, the exactly-once rerun and the wait live in `ftops.jobs.copy_checkpoint`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ftops.cli.options import JobArgument, JsonOption, OutputsOption, StackOption, complete_region

CheckpointArgument = Annotated[
    str, typer.Argument(help="Checkpoint id (ftchkpt-...) or its number in training order (1 = first trained).")
]
ToRegionOption = Annotated[
    str | None,
    typer.Option(
        "--to-region",
        help="Copy to the stack's account in this region (with --to-account: the region that account must be in).",
        autocompletion=complete_region,
    ),
]
ToAccountOption = Annotated[
    str | None,
    typer.Option("--to-account", help="Copy to this AI Services account (ARM id; any subscription of the tenant)."),
]
WaitOption = Annotated[bool, typer.Option("--wait", help="Follow the copy until it ends.")]


def copy_checkpoint(
    job: JobArgument,
    checkpoint: CheckpointArgument,
    to_region: ToRegionOption = None,
    to_account: ToAccountOption = None,
    wait: WaitOption = False,
    stack: StackOption = None,
    outputs: OutputsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Copy a checkpoint to an account in another region or subscription of the same tenant (preview).

    Before anything is sent, the docs' prerequisites are checked: the destination exists and is in the region
    given, is in the same tenant, allows public network access, has at least one fine-tuning job, and a
    user-assigned identity of the source account holds Azure AI User on it. Running it again reads the copy's
    status instead of sending a second copy. At the destination the copy keeps the checkpoint's name.
    See docs/checkpoint-copy.md.

    Example: ftops jobs copy-checkpoint ftjob-abc123 2 --to-region eastus2 --stack dev --wait
    """
    from ftops.cli import render
    from ftops.cli.progress import Steps
    from ftops.jobs.copy_checkpoint import CopyRequest
    from ftops.jobs.copy_checkpoint import copy_checkpoint as copy
    from ftops.jobs.refs import optional_stack_ref

    steps = Steps(as_json)
    request = CopyRequest(
        job=job,
        checkpoint=checkpoint,
        to_region=to_region,
        to_account=to_account,
        wait=wait,
        stack=optional_stack_ref(stack, outputs),
    )
    result = copy(request, on_step=lambda text: steps("copy", text))
    if as_json:
        render.print_json(result.to_dict())
        return
    mark = "[green]✓[/]" if result.status == "succeeded" else "•"
    verb = "copy requested" if result.requested_now else "already requested"
    render.line(
        f"{mark} {verb}: [bold]{result.checkpoint}[/] of {result.job_id} -> "
        f"{result.destination.rsplit('/', 1)[-1]} ({result.region}): {result.status}"
    )
    if not result.destination_confirmed:  # the service's status names no destination (its docs show none)
        render.note("the service's status of this copy names no destination: check it is this account before use")
    for step in result.next_steps:
        render.line(f"  {step}")


def copy_checkpoint_command(app: typer.Typer) -> None:
    """Add `copy-checkpoint` to the `jobs` group."""
    app.command("copy-checkpoint")(copy_checkpoint)
