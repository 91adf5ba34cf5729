"""A regional Foundry resource: AI Services account (project management on), its projects and deployments."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from ftops_infra.components import child
from ftops_infra.components.network import PrivateNetwork
from pulumi_azure_native import cognitiveservices

from ftops.catalog import load_catalog
from ftops.errors import UserError
from ftops.stack.naming import resource_name
from ftops.stack.schema import RegionSpec


@dataclass(frozen=True)
class FoundryAccountArgs:
    environment: str
    unique_by: tuple[str, ...]
    resource_group: pulumi.Input[str]
    region: RegionSpec
    private: bool
    tags: dict[str, str]
    protect: bool
    network: PrivateNetwork | None = None
    labels: tuple[str, ...] = ()  # what logical names hash (ftops.stack.summary.legacy_identity): never changes
    restore: bool = False  # recover a soft-deleted account of the same name instead of failing


def deployment_model(model: str, version: str | None) -> tuple[str, str]:
    """The model name and version to deploy: the catalog's exact spelling of the name (ARM wants it),
    and the config's version, else the catalog's (config checks guarantee one exists)."""
    try:
        known = load_catalog().model(model)
    except UserError:
        known = None
    name = known.name if known else model
    found = version or (known.version if known else None)
    if not found:
        raise UserError(f"no version for deployment of {model}", hint="set version in the stack's deployments entry")
    return name, found


class FoundryAccount(pulumi.ComponentResource):
    """One AI Services account in one region, for Azure OpenAI fine-tuning and Foundry projects."""

    def __init__(self, name: str, args: FoundryAccountArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ftops:azure:FoundryAccount", name, None, opts)
        location = args.region.location
        self.account_name = resource_name("ai_services", args.environment, location, unique_by=args.unique_by)
        # The name logical names and private-endpoint names are built from: stable across name changes.
        self.label = resource_name("ai_services", args.environment, location, unique_by=args.labels or args.unique_by)
        self.location = location
        # The custom subdomain is the account name: both are globally unique, DNS-safe and <= 64 chars.
        self.endpoint = f"https://{self.account_name}.openai.azure.com/"
        self.account = cognitiveservices.Account(
            f"{name}-account",
            account_name=self.account_name,
            resource_group_name=args.resource_group,
            location=location,
            kind="AIServices",
            sku={"name": "S0"},
            identity={"type": "SystemAssigned"},
            properties={
                "allow_project_management": True,
                "custom_sub_domain_name": self.account_name,
                "disable_local_auth": True,  # Entra ID only: no API keys to leak
                "public_network_access": "Disabled" if args.private else "Enabled",
                # Trusted Azure services (the hub's connection) still reach a private account.
                "network_acls": {"default_action": "Deny" if args.private else "Allow", "bypass": "AzureServices"},
                # A soft-deleted account keeps its name for 48 hours; `restore` brings it (and its
                # deployments) back instead of failing with FlagMustBeSetForRestore.
                **({"restore": True} if args.restore else {}),
            },
            tags=args.tags,
            opts=child(self, protect=args.protect),
        )
        # The endpoint Azure reports for the account: what the hub's connection targets.
        self.service_endpoint: pulumi.Output[str] = self.account.properties.apply(lambda p: p.endpoint)
        # Azure refuses a second write on an account while one runs (409 RequestConflict "Another operation
        # is being performed on the parent resource"): every child of the account waits for the one before,
        # projects, then deployments, then the private endpoint.
        previous: pulumi.Resource | None = None
        self.projects: list[tuple[str, cognitiveservices.Project]] = []
        for project in args.region.projects:
            self.projects.append(
                (
                    project.name,
                    cognitiveservices.Project(
                        f"{name}-project-{project.name}",
                        account_name=self.account.name,
                        project_name=project.name,
                        resource_group_name=args.resource_group,
                        location=location,
                        identity={"type": "SystemAssigned"},
                        properties={
                            "display_name": project.display_name or project.name,
                            "description": project.description or f"ftops fine-tuning project {project.name}",
                        },
                        tags=args.tags,
                        opts=child(self, depends_on=[previous] if previous else []),
                    ),
                )
            )
            previous = self.projects[-1][1]
        self.deployments: list[dict] = []
        for spec in args.region.deployments:
            model, version = deployment_model(spec.model, spec.version)
            previous = cognitiveservices.Deployment(
                f"{name}-deployment-{spec.name}",
                account_name=self.account.name,
                deployment_name=spec.name,
                resource_group_name=args.resource_group,
                sku={"name": spec.sku, "capacity": spec.capacity},
                properties={"model": {"format": "OpenAI", "name": model, "version": version}},
                opts=child(self, depends_on=[previous] if previous else []),
            )
            self.deployments.append(
                {"name": spec.name, "model": model, "version": version, "sku": spec.sku, "capacity": spec.capacity}
            )
        if args.network is not None:
            args.network.endpoint(self.label, self.account.id, "account", self, after=previous)
        self.register_outputs({"account_id": self.account.id, "endpoint": self.endpoint})

    def outputs(self) -> dict:
        """This region's part of the stack outputs (ftops.stack.outputs.RegionOutput)."""
        return {
            "location": self.location,
            "account_name": self.account_name,
            "account_id": self.account.id,
            "endpoint": self.endpoint,
            "projects": [
                {
                    "name": project_name,
                    "id": project.id,
                    "endpoint": f"https://{self.account_name}.services.ai.azure.com/api/projects/{project_name}",
                }
                for project_name, project in self.projects
            ],
            "deployments": self.deployments,
        }
