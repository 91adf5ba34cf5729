"""What a validated stack will provision and where each declared fine-tune can run (for `ftops check`)."""

from __future__ import annotations

from typing import Any

from ftops.catalog import Catalog, load_catalog
from ftops.stack.naming import HASH_LENGTH, resource_name, unique_by
from ftops.stack.schema import Environment, FineTuneSpec


def legacy_identity(env: Environment) -> tuple[str, ...]:
    """What names hashed before they carried the subscription (ftops:legacyNames keeps them).

    Also the stable label of logical names and of resource-group-scoped names (private endpoints),
    which must not change when the globally unique names do.
    """
    return (env.name, env.resource_group_name)


def identity(
    env: Environment, subscription_id: str | None = None, *, seed: str = "", legacy: bool = False
) -> tuple[str, ...]:
    """What makes an environment's globally unique names unique: its subscription, resource group and name.

    Without a subscription the hash is of a stand-in: `summarize` then masks it (see there).
    """
    if legacy:
        return legacy_identity(env)
    return unique_by(subscription_id or "<subscription>", env.resource_group_name, env.name, seed)


def fine_tune_targets(env: Environment, fine_tune: FineTuneSpec, catalog: Catalog) -> list[str]:
    """The declared resources that can run this fine-tune (config already validated)."""
    model = catalog.model(fine_tune.model)
    if fine_tune.compute == "managed":
        return [f"hub {env.hub_location} compute"] if env.managed_compute else []
    if model.is_openai:
        can = catalog.where(model, fine_tune.method, fine_tune.modality).regions_for(fine_tune.training_type)
        regions = [fine_tune.region] if fine_tune.region else [r.location for r in env.regions]
        return [f"account {r}" for r in regions if r in can]
    if env.hub is None:
        return []
    return [f"hub project {p.name} ({env.hub_location})" for p in env.hub.projects]


def summarize(env: Environment, catalog: Catalog | None = None, subscription_id: str | None = None) -> dict[str, Any]:
    """What the stack provisions. Account names end in a hash of the subscription: without one (offline
    `ftops check`) that hash shows as `******`, since only the subscription decides it."""
    catalog = catalog or load_catalog()
    ids = identity(env, subscription_id)

    def unique(name: str) -> str:
        return name if subscription_id else name[:-HASH_LENGTH] + "*" * HASH_LENGTH

    accounts = [
        {
            "location": region.location,
            "account": unique(resource_name("ai_services", env.name, region.location, unique_by=ids)),
            "projects": [p.name for p in region.projects],
            "deployments": [
                {"name": d.name, "model": d.model, "sku": d.sku, "capacity": d.capacity} for d in region.deployments
            ],
        }
        for region in env.regions
    ]
    hub = None
    if env.hub is not None:
        hub = {
            "name": resource_name("hub", env.name, unique_by=legacy_identity(env)),
            "location": env.hub_location,
            "managed_network": env.hub_managed_network,
            "projects": [
                {"name": p.name, "marketplace_subscriptions": p.marketplace_subscriptions} for p in env.hub.projects
            ],
        }
    compute = None
    if env.managed_compute is not None:
        mc = env.managed_compute
        compute = {
            "location": mc.location or env.hub_location,
            "vm_size": mc.vm_size,
            "training_vcpus": mc.training_vcpus,
            "inference_vcpus": mc.inference_vcpus,
            "nodes": f"{mc.min_nodes}-{mc.max_nodes}",
        }
    return {
        "environment": env.name,
        "resource_group": {
            "name": env.resource_group_name,
            "location": env.location,
            "create": env.resource_group.create,
        },
        "network_mode": env.network.mode,
        "accounts": accounts,
        "hub": hub,
        "managed_compute": compute,
        "fine_tunes": [
            {
                "model": catalog.model(f.model).name,
                "method": f.method,
                "modality": f.modality,
                "training_type": f.training_type,
                "compute": f.compute,
                "targets": fine_tune_targets(env, f, catalog),
            }
            for f in env.fine_tunes
        ],
        "access": [{"principal_id": a.principal_id, "type": a.principal_type, "roles": a.roles} for a in env.access],
    }
