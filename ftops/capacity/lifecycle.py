"""Deployments of a stack: what exists, what it costs to keep, and deleting one."""

from __future__ import annotations

from typing import Any

from ftops.azure.arm import ArmClient
from ftops.capacity.usage import base_model_name, deployment_type, is_fine_tuned
from ftops.errors import FtopsError, UserError
from ftops.stack.outputs import RegionOutput, StackOutputs


def hosting_per_day(deployed_model: str, sku: str) -> float | None:
    """USD per day a deployment costs just by existing: fine-tuned deployments of a type with an hourly
    hosting fee (Standard, GlobalStandard); 0 for base models and Developer; None if no price is recorded."""
    from ftops.catalog.prices import load_prices

    try:
        hourly = deployment_type(sku).hourly_hosting
    except FtopsError:
        return None  # a type ftops does not know (e.g. provisioned): no claim either way
    if not is_fine_tuned(deployed_model) or not hourly:
        return 0.0
    price = load_prices().models.get(base_model_name(deployed_model))
    return round(price.hosting_per_hour * 24, 2) if price and price.hosting_per_hour else None


def hosting_note(deployed_model: str, sku: str) -> str:
    """What keeping this deployment costs and when the service removes it, per the catalog."""
    from ftops.catalog import load_catalog

    if not is_fine_tuned(deployed_model):
        return "base-model deployments bill per token only"
    kind = deployment_type(sku)
    if kind.lifetime_hours:
        return f"{kind.name} deployments bill per token only and are removed after {kind.lifetime_hours} hours"
    per_day = hosting_per_day(deployed_model, sku)
    days = load_catalog().limits.inactive_deployment_deleted_after_days
    if per_day:
        cost = f" (about {per_day:.2f} USD/day)"
    else:  # no claim of a figure the catalog does not have, but say where it is published
        cost = f" (no hosting price recorded for {base_model_name(deployed_model)}: see https://aka.ms/oai/pricing)"
    return (
        f"fine-tuned deployments bill for hosting every hour they exist, used or not{cost}; "
        f"one left inactive for {days} days is deleted by the service"
    )


def deployment_rows(arm: ArmClient, outputs: StackOutputs) -> list[dict[str, Any]]:
    """Every deployment on the stack's accounts, with what it costs per day just to exist."""
    rows = []
    for region in outputs.regions:
        for deployment in arm.deployments.list(outputs.resource_group, region.account_name):
            model = deployment.model_name
            sku = str((deployment.sku.name if deployment.sku else None) or "")
            rows.append(
                {
                    "name": deployment.name,
                    "account": region.account_name,
                    "location": region.location,
                    "model": model,
                    "fine_tuned": is_fine_tuned(model),
                    "sku": sku,
                    "capacity": deployment.sku.capacity if deployment.sku else None,
                    "state": deployment.state,
                    "created": deployment.system_data.created_at if deployment.system_data else None,
                    # ARM's Deployment (spec 2026-09-01) reports no last use; the key stays for when it does.
                    "last_used": None,
                    "hosting_per_day": hosting_per_day(model, sku),
                }
            )
    return rows


def find_deployment(arm: ArmClient, outputs: StackOutputs, name: str, location: str | None) -> RegionOutput:
    """The stack account holding deployment `name` (in `location` if given)."""
    regions = [r for r in outputs.regions if location is None or r.location == location]
    holders = [r for r in regions if arm.deployments.get(outputs.resource_group, r.account_name, name) is not None]
    if not holders:
        raise UserError(
            f"no deployment '{name}' on the stack's accounts" + (f" in {location}" if location else ""),
            hint="list them with `ftops deployments list --stack S`",
        )
    if len(holders) > 1:
        raise UserError(
            f"deployment '{name}' exists in {', '.join(r.location for r in holders)}",
            hint="pass --region to say which one to delete",
        )
    return holders[0]
