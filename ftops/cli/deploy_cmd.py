"""`ftops deploy`: deploy a fine-tuned model on the account that trained it and wait until it serves."""

from __future__ import annotations

from typing import Annotated

import typer

from ftops.cli.options import JsonOption, OutputsOption, SkuChoice, StackOption


def deploy(
    job: Annotated[str, typer.Argument(help="The fine-tuning job id (or launch key) whose model to deploy.")],
    stack: StackOption = None,
    outputs: OutputsOption = None,
    name: Annotated[str | None, typer.Option("--name", help="Deployment name; default derived from the job.")] = None,
    sku: Annotated[
        SkuChoice | None, typer.Option("--sku", help="Deployment type (new: Standard; given: changes an existing one).")
    ] = None,
    capacity: Annotated[
        int | None,
        typer.Option("--capacity", min=1, max=10000, help="Capacity units (deployment quota; default 1)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Deploy a fine-tuned model where it was trained and wait until it serves; idempotent.

    Azure OpenAI fine-tunes become an ARM deployment on the account that trained them (after a
    deployment-quota check); open models a serverless endpoint in their hub project, or a managed
    online endpoint for managed-compute fine-tunes. Running it again finds the same deployment
    instead of creating a second one. Fine-tuned deployments bill for hosting every hour they exist.

    Example: ftops deploy ftjob-abc123 --stack dev --sku Standard --capacity 1
    """
    from ftops.cli import render
    from ftops.cli.progress import Steps
    from ftops.errors import UsageError
    from ftops.jobs.deploy import deploy_job
    from ftops.jobs.refs import load_stack_ref
    from ftops.jobs.track import locate

    if not (stack or outputs):
        raise UsageError("ftops deploy needs the stack the job ran on", hint="pass --stack S or --outputs FILE")
    stack_ref = load_stack_ref(stack, outputs)
    steps = Steps(as_json)
    if capacity in (None, 1):  # Microsoft's examples use 1: enough to try a model, not to serve traffic
        render.note("capacity 1 is the smallest deployment; to serve traffic pass --capacity N (see `ftops quota`)")
    result = deploy_job(
        locate(job, stack_ref),
        stack_ref.outputs,
        name=name,
        sku=sku.value if sku is not None else None,
        capacity=capacity,
        on_step=lambda text: steps("deploy", text),
    )
    if as_json:
        render.print_json(result)
        return
    verb = "deployed" if result["created"] else "already deployed"
    if "instance_type" in result:  # a managed online endpoint on the stack's VMs
        render.line(
            f"[green]✓[/] {verb}: managed online endpoint [bold]{result['deployment']}[/] "
            f"({result['instance_type']}) in {result['project']} serving {result['model']}"
        )
    elif "project" in result:  # a serverless endpoint in a hub project
        render.line(
            f"[green]✓[/] {verb}: serverless endpoint [bold]{result['deployment']}[/] in {result['project']} "
            f"serving {result['model']}"
        )
        render.line(f"  endpoint: {result['endpoint']}")
    else:
        render.line(
            f"[green]✓[/] {verb}: [bold]{result['deployment']}[/] serving {result['model']} "
            f"({result['sku']} x{result['capacity']}) on {result['account']} ({result['location']})"
        )
        render.line(f"  endpoint: {result['endpoint']}  (deployment name: {result['deployment']})")
        render.note(result["note"])
