"""`ftops deploy`: deploy a fine-tuned model or checkpoint, where it trained or on another account, and wait."""

from __future__ import annotations

from typing import Annotated

import typer

from ftops.cli.options import JsonOption, OutputsOption, SkuChoice, StackOption

Opt = typer.Option


def deploy(
    job: Annotated[str, typer.Argument(help="Job id (or launch key) whose model to deploy, or a checkpoint id.")],
    stack: StackOption = None,
    outputs: OutputsOption = None,
    checkpoint: Annotated[
        int | None, Opt("--checkpoint", min=1, help="Deploy the job's N-th checkpoint (by step, 1 = the first).")
    ] = None,
    best: Annotated[bool, Opt("--best", help="Deploy the checkpoint with the lowest validation loss.")] = False,
    to_region: Annotated[str | None, Opt("--to-region", help="Deploy on the stack's account in this region.")] = None,
    to_account: Annotated[
        str | None, Opt("--to-account", help="Deploy on this AI Services account (ARM id; any subscription).")
    ] = None,
    source_tenant: Annotated[
        str | None, Opt("--source-tenant", help="The training account's tenant, when --to-account is in another.")
    ] = None,
    name: Annotated[str | None, Opt("--name", help="Deployment name; default derived from the job/checkpoint.")] = None,
    sku: Annotated[
        SkuChoice | None, Opt("--sku", help="Deployment type (new: Standard; given: changes an existing one).")
    ] = None,
    capacity: Annotated[
        int | None, Opt("--capacity", min=1, max=10000, help="Capacity units (deployment quota; default 1).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Deploy a fine-tuned model (or one of its checkpoints) and wait until it serves; idempotent.

    Azure OpenAI fine-tunes become an ARM deployment on the account that trained them, or with
    --to-region / --to-account on another region's or subscription's account (the model's `source`
    is the training account), after the deployment type and quota are checked there. Open models
    trained in a hub project become a serverless endpoint there. Running it again finds the same
    deployment. Fine-tuned deployments bill for hosting every hour they exist (Developer: none).

    Example: ftops deploy ftjob-abc123 --stack dev --checkpoint 2 --to-region eastus2 --sku GlobalStandard
    """
    from ftops.cli import render
    from ftops.cli.progress import Steps
    from ftops.errors import UsageError
    from ftops.jobs.deploy import DeployAsk, deploy_ref
    from ftops.jobs.refs import load_stack_ref

    if not (stack or outputs):
        raise UsageError("ftops deploy needs the stack the job ran on", hint="pass --stack S or --outputs FILE")
    stack_ref = load_stack_ref(stack, outputs)
    steps = Steps(as_json)
    if capacity in (None, 1):  # Microsoft's examples use 1: enough to try a model, not to serve traffic
        render.note("capacity 1 is the smallest deployment; to serve traffic pass --capacity N (see `ftops quota`)")
    result = deploy_ref(
        job,
        stack_ref,
        name=name,
        sku=sku.value if sku is not None else None,
        capacity=capacity,
        ask=DeployAsk(checkpoint, best, to_region, to_account, source_tenant),
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
        from ftops.jobs.deploy_source import summary_lines

        for text in summary_lines(result):
            render.line(f"  {text}")
        render.note(result["note"])
