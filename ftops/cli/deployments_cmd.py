"""`ftops deployments list|delete`: see what is deployed and what it costs to keep; remove what is not used."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ftops.cli.options import JsonOption, OutputsOption, StackOption, confirm_delete

if TYPE_CHECKING:
    from ftops.stack.outputs import StackOutputs

app = typer.Typer(help="List and delete model deployments on the stack's accounts.", no_args_is_help=True)


def _outputs(stack: str | None, outputs: Path | None) -> StackOutputs:
    from ftops.errors import UsageError
    from ftops.jobs.refs import load_stack_ref

    if not (stack or outputs):
        raise UsageError("no stack given", hint="pass --stack NAME or --outputs FILE")
    return load_stack_ref(stack, outputs).outputs


@app.command("list")
def list_deployments(stack: StackOption = None, outputs: OutputsOption = None, as_json: JsonOption = False) -> None:
    """Deployments on the stack's accounts: model, fine-tuned or base, SKU, capacity, hosting cost per day.

    Example: ftops deployments list --stack dev
    """
    from ftops.capacity.lifecycle import deployment_rows
    from ftops.catalog import load_catalog
    from ftops.cli import render
    from ftops.jobs.clients import arm

    stack_outputs = _outputs(stack, outputs)
    with arm(stack_outputs.subscription_id) as client:
        rows = deployment_rows(client, stack_outputs)
    if as_json:
        render.print_json({"deployments": rows})
        return
    if not rows:
        render.line("no deployments on the stack's accounts")
        return
    days = load_catalog().limits.inactive_deployment_deleted_after_days
    render.table(
        None,
        ["name", "region", "model", "kind", "sku", "capacity", "state", "created", "USD/day"],
        (
            [
                r["name"],
                r["location"],
                r["model"],
                "fine-tuned" if r["fine_tuned"] else "base",
                r["sku"],
                r["capacity"],
                r["state"],
                r["created"],
                "?" if r["hosting_per_day"] is None else f"{r['hosting_per_day']:.2f}",
            ]
            for r in rows
        ),
        caption=f"fine-tuned deployments bill hourly; the service deletes one left inactive for {days} days",
    )


@app.command("delete")
def delete(
    name: Annotated[str, typer.Argument(help="Deployment name.")],
    stack: StackOption = None,
    outputs: OutputsOption = None,
    region: Annotated[
        str | None, typer.Option("--region", help="The account's region, if the name is in several.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete a deployment (asks first; --yes for scripts). Its quota is free again at once.

    Example: ftops deployments delete gpt-41-mini-ft-1a2b3c --stack dev --yes
    """
    import sys

    from ftops.azure.names import DEPLOYMENT, LOCATION, check
    from ftops.capacity.lifecycle import find_deployment
    from ftops.cli import render
    from ftops.errors import UsageError
    from ftops.jobs.clients import arm
    from ftops.jobs.ledger import Ledger

    check(name, DEPLOYMENT)  # before any request: `..` would address the account itself
    if region is not None:
        check(region, LOCATION)
    stack_outputs = _outputs(stack, outputs)
    with arm(stack_outputs.subscription_id) as client:
        holder = find_deployment(client, stack_outputs, name, region)
        resource_id = f"{holder.account_id}/deployments/{name}"
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError(f"deleting {resource_id} needs confirmation", hint="pass --yes to delete it")
            confirm_delete(f"Delete deployment {resource_id}")
        deleted = client.deployments.delete(stack_outputs.resource_group, holder.account_name, name)
    with Ledger() as ledger:
        ledger.forget_deployment(holder.endpoint, name)
    result = {
        "deployment": name,
        "id": resource_id,
        "account": holder.account_name,
        "location": holder.location,
        "deleted": deleted,
    }
    if as_json:
        render.print_json(result)
    else:
        render.line(f"deleted deployment {resource_id}" if deleted else f"no deployment {resource_id} to delete")
