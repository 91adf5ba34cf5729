"""The whole fine-tuning environment: the one component `infra/__main__.py` instantiates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import get_args

import pulumi
from ftops_infra.components import child
from ftops_infra.components.access import DEPLOYER_KEY, DEPLOYER_ROLES, Access, AccessArgs, Grant
from ftops_infra.components.compute import ManagedCompute, ManagedComputeArgs
from ftops_infra.components.foundry import FoundryAccount, FoundryAccountArgs
from ftops_infra.components.hub import Hub, HubArgs
from ftops_infra.components.hub_project import HubProject, HubProjectArgs
from ftops_infra.components.network import PrivateNetwork, PrivateNetworkArgs
from pulumi_azure_native import authorization, resources

from ftops.catalog import load_catalog
from ftops.errors import ConfigError, FtopsError, Problem
from ftops.stack.outputs import SCHEMA_VERSION
from ftops.stack.schema import Environment, PrincipalType, is_placeholder_id
from ftops.stack.summary import identity, legacy_identity

PRINCIPAL_TYPES: tuple[str, ...] = get_args(PrincipalType)
GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def run_error(exc: FtopsError) -> pulumi.RunError:
    """The error as `pulumi preview` should print it: every problem and the fix, no Python traceback.

    The engine prints a RunError's message alone; any other exception comes with a traceback that
    ends in "has 2 problems" and hides what they are.
    """
    lines = [exc.message, *(f"  - {problem}" for problem in exc.problems)]
    if exc.hint:
        lines.append(f"how to fix: {exc.hint}")
    return pulumi.RunError("\n".join(lines))


@dataclass(frozen=True)
class EnvironmentArgs:
    environment: Environment
    protect: bool = True
    deployer_principal_id: str | None = None  # ftops:deployerPrincipalId
    deployer_principal_type: str = "User"  # ftops:deployerPrincipalType: Azure refuses a type that does not match
    name_seed: str = ""  # ftops:nameSeed: moves every globally unique name to a fresh one
    legacy_names: bool = False  # ftops:legacyNames: keep names deployed before they carried the subscription
    restore_soft_deleted: bool = False  # ftops:restoreSoftDeleted: recover soft-deleted accounts and vaults
    purge_protection: bool = True  # ftops:keyVaultPurgeProtection

    def __post_init__(self) -> None:
        problems = []
        if self.deployer_principal_id and not GUID.fullmatch(self.deployer_principal_id):
            problems.append(Problem("ftops:deployerPrincipalId", f"'{self.deployer_principal_id}' is not an object id"))
        elif self.deployer_principal_id and is_placeholder_id(self.deployer_principal_id):
            placeholder = f"'{self.deployer_principal_id}' is a placeholder, not an object id"
            problems.append(Problem("ftops:deployerPrincipalId", placeholder))
        if self.name_seed and not re.fullmatch(r"[a-z0-9]{1,16}", self.name_seed):
            problems.append(Problem("ftops:nameSeed", f"'{self.name_seed}' is not 1-16 lowercase letters or digits"))
        if self.deployer_principal_type not in PRINCIPAL_TYPES:
            problems.append(
                Problem(
                    "ftops:deployerPrincipalType",
                    f"'{self.deployer_principal_type}' is not one of {', '.join(PRINCIPAL_TYPES)}",
                )
            )
        if problems:
            raise ConfigError(
                "the deployer settings of the stack are invalid",
                hint="set ftops:deployerPrincipalId to the object id of the user or service principal that runs "
                "ftops (az ad signed-in-user show --query id -o tsv) and ftops:deployerPrincipalType to its type",
                problems=problems,
            )


class FineTuningEnvironment(pulumi.ComponentResource):
    """Resource group, network, regional Foundry accounts, hub and hub projects, and access."""

    def __init__(self, name: str, args: EnvironmentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ftops:azure:FineTuningEnvironment", name, None, opts)
        env = args.environment
        private = env.network.mode == "private"
        tags = {"managed-by": "ftops", "ftops-environment": env.name, **env.tags}
        # A plain (synchronous) invoke: globally unique names hash the subscription id, and names must be
        # strings when the program runs, since logical names and outputs are built from them.
        client = authorization.get_client_config(opts=pulumi.InvokeOptions(parent=self))
        self.subscription_id: str = client.subscription_id
        ids = identity(env, client.subscription_id, seed=args.name_seed, legacy=args.legacy_names)
        labels = legacy_identity(env)  # logical names stay what they were, whatever the Azure names

        if env.resource_group.create:
            group = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=env.resource_group_name,
                location=env.location,
                tags=tags,
                opts=child(self),
            )
            rg_name: pulumi.Input[str] = group.name
            rg_id: pulumi.Input[str] = group.id
        else:
            rg_name = env.resource_group_name
            rg_id = pulumi.Output.concat("/subscriptions/", client.subscription_id, "/resourceGroups/", rg_name)

        network = None
        if private:
            network = PrivateNetwork(
                f"{name}-network",
                PrivateNetworkArgs(env.name, rg_name, env.location, env.network.address_space, tags),
                opts=child(self),
            )

        self.accounts = [
            FoundryAccount(
                f"{name}-{region.location}",
                FoundryAccountArgs(
                    env.name,
                    ids,
                    rg_name,
                    region,
                    private,
                    tags,
                    args.protect,
                    network,
                    labels=labels,
                    restore=args.restore_soft_deleted,
                ),
                opts=child(self),
            )
            for region in env.regions
        ]

        self.hub: Hub | None = None
        self.hub_projects: list[HubProject] = []
        if env.hub is not None:
            hub_location = env.hub_location or env.location
            self.hub = Hub(
                f"{name}-hub",
                HubArgs(
                    environment=env.name,
                    unique_by=ids,
                    labels=labels,
                    resource_group=rg_name,
                    location=hub_location,
                    tenant_id=client.tenant_id,
                    managed_network=env.hub_managed_network or "allow_internet_outbound",
                    private=private,
                    tags=tags,
                    protect=args.protect,
                    accounts=tuple(self.accounts),
                    network=network,
                    outbound_rules=tuple((r.name, r.fqdn) for r in env.hub.outbound_rules),
                    provision_network_now=env.hub_provision_network_now,
                    purge_protection=args.purge_protection,
                    recover_key_vault=args.restore_soft_deleted,
                ),
                opts=child(self),
            )
            catalog = load_catalog()
            for project in env.hub.projects:
                models = tuple(catalog.model(m).name for m in project.marketplace_subscriptions)
                self.hub_projects.append(
                    HubProject(
                        f"{name}-hub-{project.name}",
                        HubProjectArgs(
                            environment=env.name,
                            resource_group=rg_name,
                            location=hub_location,
                            hub_id=self.hub.workspace.id,
                            project=project,
                            private=private,
                            tags=tags,
                            marketplace_models=models,
                            protect=args.protect,
                        ),
                        # The project needs its hub: explicit, though hub_resource_id already implies it.
                        opts=child(self, depends_on=[self.hub]),
                    )
                )

        scopes: dict = {
            # Keys feed logical names: the stable labels, not the per-subscription Azure names.
            "account": [(a.label, a.account.id) for a in self.accounts],
            "hub_project": [(p.workspace_name, p.workspace.id) for p in self.hub_projects],
            "resource_group": [(env.resource_group_name, rg_id)],
            "subscription": [("subscription", f"/subscriptions/{client.subscription_id}")],
        }
        if self.hub is not None:
            scopes["hub"] = [(self.hub.name, self.hub.workspace.id)]
            scopes["storage"] = [("hub-storage", self.hub.storage.id)]
        grants = [Grant(g.principal_id, g.principal_type, tuple(g.roles), g.principal_id) for g in env.access]
        if args.deployer_principal_id:
            grants.append(
                Grant(
                    args.deployer_principal_id,
                    args.deployer_principal_type,
                    DEPLOYER_ROLES,
                    DEPLOYER_KEY,
                    configured=False,
                )
            )
        # Access comes before the cluster: the cluster waits for the hub identity's approver grant.
        self.access = Access(
            f"{name}-access",
            AccessArgs(env.name, client.subscription_id, scopes, grants, self.hub.principal_id if self.hub else None),
            opts=child(self),
        )

        self.compute: ManagedCompute | None = None
        if self.hub is not None and env.managed_compute is not None:
            spec = env.managed_compute
            self.compute = ManagedCompute(
                f"{name}-compute",
                ManagedComputeArgs(
                    environment=env.name,
                    subscription_id=client.subscription_id,
                    resource_group=rg_name,
                    location=spec.location or self.hub.location,
                    hub_name=self.hub.workspace.name,
                    spec=spec,
                    private=private,
                    tags=tags,
                    storage_id=self.hub.storage.id,
                    hub_grants=tuple(self.access.hub_identity_assignments),
                ),
                opts=child(self.hub),  # the cluster lives in the hub: its component sits under the hub's
            )

        self.outputs = self._outputs(env, rg_name)
        self.register_outputs(self.outputs)

    def _outputs(self, env: Environment, rg_name: pulumi.Input[str]) -> dict:
        """Exactly the ftops.stack.outputs.StackOutputs contract."""
        hub = None
        if self.hub is not None:
            hub = {
                "name": self.hub.name,
                "id": self.hub.workspace.id,
                "location": self.hub.location,
                "storage_account_id": self.hub.storage.id,
                "key_vault_id": self.hub.key_vault.id,
                "projects": [p.outputs() for p in self.hub_projects],
                "compute": self.compute.outputs() if self.compute else None,
            }
        return {
            "schema_version": SCHEMA_VERSION,
            "environment": env.name,
            "subscription_id": self.subscription_id,
            "resource_group": rg_name,
            "location": env.location,
            "network_mode": env.network.mode,
            "regions": [a.outputs() for a in self.accounts],
            "hub": hub,
            "caller_roles": self.access.caller_roles,
        }
