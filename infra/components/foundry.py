"""A regional Foundry resource: AI Services account (project management on), its projects and deployments."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import cognitiveservices

from ftops.catalog import load_catalog
from ftops.config import RegionSpec
from ftops.errors import UserError
from ftops.naming import resource_name
from infra.components import child
from infra.components.network import PrivateNetwork


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


def deployment_version(model: str, version: str | None) -> str:
    """The version to deploy: the config's, else the catalog's (config checks guarantee one exists)."""
    if version:
        return version
    try:
        found = load_catalog().model(model).version
    except UserError:
        found = None
    if not found:
        raise UserError(f"no version for deployment of {model}", hint="set version in the stack's deployments entry")
    return found


class FoundryAccount(pulumi.ComponentResource):
    """One AI Services account in one region, for Azure OpenAI fine-tuning and Foundry projects."""

    def __init__(self, name: str, args: FoundryAccountArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ftops:azure:FoundryAccount", name, None, opts)
        location = args.region.location
        self.account_name = resource_name("ai_services", args.environment, location, unique_by=args.unique_by)
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
                "network_acls": {"default_action": "Deny" if args.private else "Allow"},
            },
            tags=args.tags,
            opts=child(self, protect=args.protect),
        )
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
                        opts=child(self),
                    ),
                )
            )
        # Azure refuses parallel deployment creates on one account (409): chain them.
        previous: pulumi.Resource | None = None
        self.deployments: list[dict] = []
        for spec in args.region.deployments:
            version = deployment_version(spec.model, spec.version)
            previous = cognitiveservices.Deployment(
                f"{name}-deployment-{spec.name}",
                account_name=self.account.name,
                deployment_name=spec.name,
                resource_group_name=args.resource_group,
                sku={"name": spec.sku, "capacity": spec.capacity},
                properties={"model": {"format": "OpenAI", "name": spec.model, "version": version}},
                opts=child(self, depends_on=[previous] if previous else []),
            )
            self.deployments.append(
                {"name": spec.name, "model": spec.model, "version": version, "sku": spec.sku, "capacity": spec.capacity}
            )
        if args.network is not None:
            args.network.endpoint(self.account_name, self.account.id, "account", location, self)
        self.register_outputs({"account_id": self.account.id, "endpoint": self.endpoint})

    def outputs(self) -> dict:
        """This region's part of the stack outputs (ftops.outputs.RegionOutput)."""
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
