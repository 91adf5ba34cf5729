"""A hub project: ML workspace of kind Project under the hub, with its marketplace subscriptions."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from ftops_infra.components import child
from pulumi_azure_native import machinelearningservices

from ftops.catalog import load_catalog
from ftops.stack.naming import marketplace_subscription_name, resource_name
from ftops.stack.schema import HubProjectSpec


@dataclass(frozen=True)
class HubProjectArgs:
    environment: str
    resource_group: pulumi.Input[str]
    location: str
    hub_id: pulumi.Input[str]
    project: HubProjectSpec
    private: bool
    tags: dict[str, str]
    marketplace_models: tuple[str, ...] = ()  # canonical catalog names
    protect: bool = True


class HubProject(pulumi.ComponentResource):
    """Where open models are fine-tuned serverlessly (and on managed compute)."""

    def __init__(self, name: str, args: HubProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ftops:azure:HubProject", name, None, opts)
        self.project_name = args.project.name
        self.location = args.location
        self.marketplace_models = args.marketplace_models
        self.workspace_name = resource_name("hub_project", args.environment, args.project.name)
        self.workspace = machinelearningservices.Workspace(
            f"{name}-workspace",
            workspace_name=self.workspace_name,
            resource_group_name=args.resource_group,
            location=args.location,  # a hub project lives in its hub's region
            kind="Project",
            sku={"name": "Basic", "tier": "Basic"},
            identity={"type": "SystemAssigned"},
            hub_resource_id=args.hub_id,
            friendly_name=args.project.display_name or args.project.name,
            description=args.project.description or f"ftops hub project {args.project.name}",
            public_network_access="Disabled" if args.private else "Enabled",
            tags=args.tags,
            opts=child(self, protect=args.protect),  # its fine-tuning jobs and registered models
        )
        catalog = load_catalog()
        for model in args.marketplace_models:
            machinelearningservices.MarketplaceSubscription(
                f"{name}-marketplace-{model}",
                name=marketplace_subscription_name(model),
                workspace_name=self.workspace.name,
                resource_group_name=args.resource_group,
                properties={"model_id": catalog.registry_model_id(catalog.model(model))},
                opts=child(self),
            )
        self.register_outputs({"project_id": self.workspace.id})

    def outputs(self) -> dict:
        return {
            "name": self.project_name,
            "id": self.workspace.id,
            "location": self.location,
            "marketplace_subscriptions": list(self.marketplace_models),
        }
