"""`ftops deploy`: deploy a fine-tuned model on the account that trained it and wait until it serves."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ftops.cli.options import JsonOption, OutputsOption, StackOption


class SkuChoice(StrEnum):
    standard = "Standard"
    global_standard = "GlobalStandard"
    developer = "Developer"


def deploy(
    job: Annotated[str, typer.Argument(help="The fine-tuning job id (or launch key) whose model to deploy.")],
    stack: StackOption = None,
    outputs: OutputsOption = None,
    name: Annotated[str | None, typer.Option("--name", help="Deployment name; default derived from the job.")] = None,
    sku: Annotated[SkuChoice, typer.Option("--sku", help="Deployment type.")] = SkuChoice.standard,
    capacity: Annotated[int, typer.Option("--capacity", min=1, max=10000, help="Capacity units (thousand TPM).")] = 1,
    as_json: JsonOption = False,
) -> None:
    """Deploy a fine-tuned model where it was trained and wait until it serves; idempotent.

    Azure OpenAI fine-tunes become an ARM deployment on the account that trained them (after a
    deployment-quota check); open models a serverless endpoint in their hub project, or a managed
    online endpoint for managed-compute fine-tunes. Running it again finds the same deployment
    instead of creating a second one. Fine-tuned deployments bill for hosting every hour they exist.

    Example: ftops deploy ftjob-abc123 --stack dev --sku Standard --capacity 1
    """
    from ftops.capacity.lifecycle import hosting_note, hosting_per_day
    from ftops.cli import render
    from ftops.cli.progress import Steps
    from ftops.errors import UsageError
    from ftops.jobs.clients import arm, data_plane, poll_seconds
    from ftops.jobs.deploy import DeployRequest, region_for_endpoint
    from ftops.jobs.deploy import deploy as deploy_model
    from ftops.jobs.ledger import Ledger, default_path
    from ftops.jobs.locate import locate_job
    from ftops.stack.outputs import load_outputs

    if not (stack or outputs):
        raise UsageError("ftops deploy needs the stack the job ran on", hint="pass --stack S or --outputs FILE")
    stack_outputs = load_outputs(stack, outputs)
    with Ledger() as ledger:
        where = locate_job(job, ledger, stack_outputs)
    if where.endpoint.startswith("/subscriptions/"):  # an open-model job in a hub project
        from ftops.cli.deploy_hub import deploy_hub_job

        deploy_hub_job(where, stack_outputs, name, as_json=as_json)
        return
    region = region_for_endpoint(stack_outputs, where.endpoint)
    with data_plane(where.endpoint) as plane:
        found = where.job or plane.fine_tuning.jobs.get(where.job_id)
    steps = Steps(as_json)
    request = DeployRequest(job=found, name=name, sku=sku.value, capacity=capacity)
    with arm(stack_outputs.subscription_id) as client:
        deployment, created = deploy_model(
            client,
            stack_outputs,
            region,
            request,
            state_dir=default_path().parent,
            poll_seconds=poll_seconds(5.0),
            on_step=lambda text: steps("deploy", text),
        )
    if where.launch is not None:
        with Ledger() as ledger:
            ledger.update(where.launch.key, deployment=deployment.get("name"))
    properties = deployment.get("properties") or {}
    served = str((properties.get("model") or {}).get("name") or "")
    served_sku = str((deployment.get("sku") or {}).get("name") or sku.value)
    result = {
        "deployment": deployment.get("name"),
        "created": created,
        "model": (properties.get("model") or {}).get("name"),
        "account": region.account_name,
        "location": region.location,
        "endpoint": region.endpoint,
        "sku": (deployment.get("sku") or {}).get("name"),
        "capacity": (deployment.get("sku") or {}).get("capacity"),
        "provisioning_state": properties.get("provisioningState"),
        "hosting_per_day": hosting_per_day(served, served_sku),
        "note": hosting_note(served, served_sku),
    }
    if as_json:
        render.print_json(result)
        return
    verb = "deployed" if created else "already deployed"
    render.line(
        f"[green]✓[/] {verb}: [bold]{result['deployment']}[/] serving {result['model']} "
        f"({result['sku']} x{result['capacity']}) on {region.account_name} ({region.location})"
    )
    render.line(f"  endpoint: {region.endpoint}  (deployment name: {result['deployment']})")
    render.note(result["note"])
