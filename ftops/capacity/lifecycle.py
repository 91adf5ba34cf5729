"""Deployments of a stack: what exists, what it costs to keep, and deleting one."""

from __future__ import annotations

from typing import Any

from ftops.azure.arm import ArmClient
from ftops.capacity.usage import base_model_name, is_fine_tuned
from ftops.catalog.prices import load_prices
from ftops.errors import UserError
from ftops.outputs import RegionOutput, StackOutputs


def deployment_rows(arm: ArmClient, outputs: StackOutputs) -> list[dict[str, Any]]:
    """Every deployment on the stack's accounts, with its hosting cost per day if it is fine-tuned."""
    prices = load_prices()
    rows = []
    for region in outputs.regions:
        for deployment in arm.deployments.list(outputs.resource_group, region.account_name):
            properties = deployment.get("properties") or {}
            model = str((properties.get("model") or {}).get("name") or "")
            fine_tuned = is_fine_tuned(model)
            price = prices.models.get(base_model_name(model)) if fine_tuned else None
            system = deployment.get("systemData") or {}
            rows.append(
                {
                    "name": deployment.get("name"),
                    "account": region.account_name,
                    "location": region.location,
                    "model": model,
                    "fine_tuned": fine_tuned,
                    "sku": (deployment.get("sku") or {}).get("name"),
                    "capacity": (deployment.get("sku") or {}).get("capacity"),
                    "state": properties.get("provisioningState"),
                    "created": system.get("createdAt"),
                    "last_used": system.get("lastModifiedAt") if fine_tuned else None,
                    "hosting_per_day": round(price.hosting_per_hour * 24, 2)
                    if price and price.hosting_per_hour
                    else None,
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
