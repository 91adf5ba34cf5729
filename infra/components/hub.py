"""A Foundry hub: ML workspace of kind Hub with its storage, Key Vault, monitoring, identity and connections."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from ftops_infra.components import child
from ftops_infra.components.foundry import FoundryAccount
from ftops_infra.components.network import PrivateNetwork
from pulumi_azure_native import applicationinsights, keyvault, machinelearningservices, operationalinsights, storage

from ftops.stack.naming import resource_name

ISOLATION_MODES = {
    "allow_internet_outbound": "AllowInternetOutbound",
    "allow_only_approved_outbound": "AllowOnlyApprovedOutbound",
}


@dataclass(frozen=True)
class HubArgs:
    environment: str
    unique_by: tuple[str, ...]
    resource_group: pulumi.Input[str]
    location: str
    tenant_id: pulumi.Input[str]
    managed_network: str
    private: bool
    tags: dict[str, str]
    protect: bool
    accounts: tuple[FoundryAccount, ...] = ()
    network: PrivateNetwork | None = None
    labels: tuple[str, ...] = ()  # what logical and resource-group-scoped names hash: never changes
    outbound_rules: tuple[tuple[str, str], ...] = ()  # (rule name, FQDN) user-defined outbound rules
    provision_network_now: bool | None = None  # build the managed network with the hub, not with its first compute
    purge_protection: bool = True
    recover_key_vault: bool = False  # create the vault with createMode recover (a soft-deleted vault of the name)


class Hub(pulumi.ComponentResource):
    """The hub and the resources every hub project shares."""

    def __init__(self, name: str, args: HubArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ftops:azure:Hub", name, None, opts)
        env, location, rg = args.environment, args.location, args.resource_group
        public = "Disabled" if args.private else "Enabled"
        self.location = location
        labels = args.labels or args.unique_by
        storage_name = resource_name("storage", env, unique_by=args.unique_by)
        vault_name = resource_name("key_vault", env, unique_by=args.unique_by)
        self.storage = storage.StorageAccount(
            f"{name}-storage",
            account_name=storage_name,
            resource_group_name=rg,
            location=location,
            kind="StorageV2",
            sku={"name": "Standard_ZRS"},
            allow_blob_public_access=False,
            allow_shared_key_access=False,  # identity-based access only (the hub uses identity datastores)
            default_to_o_auth_authentication=True,
            allow_cross_tenant_replication=False,
            minimum_tls_version="TLS1_2",
            enable_https_traffic_only=True,
            public_network_access=public,
            network_rule_set={"default_action": "Deny" if args.private else "Allow", "bypass": "AzureServices"},
            tags=args.tags,
            opts=child(self, protect=args.protect),
        )
        self.key_vault = keyvault.Vault(
            f"{name}-keyvault",
            vault_name=vault_name,
            resource_group_name=rg,
            location=location,
            properties={
                "tenant_id": args.tenant_id,
                "sku": {"family": "A", "name": "standard"},
                "enable_rbac_authorization": True,
                "enable_soft_delete": True,
                "soft_delete_retention_in_days": 90,
                # Once on, purge protection cannot be turned off (Azure refuses false): off means "not sent".
                **({"enable_purge_protection": True} if args.purge_protection else {}),
                # A soft-deleted vault holds its name for 90 days: "recover" brings it back on create.
                **({"create_mode": "recover"} if args.recover_key_vault else {}),
                "public_network_access": public,
                "network_acls": {"default_action": "Deny" if args.private else "Allow", "bypass": "AzureServices"},
            },
            tags=args.tags,
            opts=child(self, protect=args.protect),
        )
        self.logs = operationalinsights.Workspace(
            f"{name}-logs",
            workspace_name=resource_name("log_analytics", env),
            resource_group_name=rg,
            location=location,
            sku={"name": "PerGB2018"},
            retention_in_days=30,
            tags=args.tags,
            opts=child(self),
        )
        self.insights = applicationinsights.Component(
            f"{name}-insights",
            resource_name_=resource_name("app_insights", env),
            resource_group_name=rg,
            location=location,
            kind="web",
            application_type="web",
            workspace_resource_id=self.logs.id,
            ingestion_mode="LogAnalytics",
            disable_local_auth=True,
            tags=args.tags,
            opts=child(self),
        )
        self.name = resource_name("hub", env, unique_by=labels)  # resource-group scoped: no subscription token
        self.workspace = machinelearningservices.Workspace(
            f"{name}-workspace",
            workspace_name=self.name,
            resource_group_name=rg,
            location=location,
            kind="Hub",
            sku={"name": "Basic", "tier": "Basic"},
            identity={"type": "SystemAssigned"},
            friendly_name=f"{env} fine-tuning hub",
            storage_account=self.storage.id,
            key_vault=self.key_vault.id,
            application_insights=self.insights.id,
            system_datastores_auth_mode="Identity",  # the spec's spelling; storage has no shared keys
            public_network_access=public,
            # User-defined FQDN rules (e.g. package indexes managed compute installs from); Azure adds its
            # required rules itself. A dict, not the typed args: those would send defaults nobody asked for.
            managed_network={
                "isolation_mode": ISOLATION_MODES[args.managed_network],
                **(
                    {
                        "outbound_rules": {
                            rule: {"type": "FQDN", "category": "UserDefined", "destination": fqdn}
                            for rule, fqdn in args.outbound_rules
                        }
                    }
                    if args.outbound_rules
                    else {}
                ),
            },
            provision_network_now=args.provision_network_now,
            tags=args.tags,
            opts=child(self, protect=args.protect),  # holds the projects' jobs, models and data assets
        )
        self.principal_id: pulumi.Output[str] = self.workspace.identity.apply(
            lambda identity: identity.principal_id if identity else ""
        )
        # One write at a time on the hub, as on an account: connections one after another, then endpoints.
        previous: pulumi.Resource | None = None
        for account in args.accounts:
            previous = machinelearningservices.WorkspaceConnection(
                f"{name}-connection-{account.location}",
                workspace_name=self.workspace.name,
                connection_name=f"aiservices-{account.location}",
                resource_group_name=rg,
                # The typed args, not a dict: properties is a union, and a dict's keys would reach ARM
                # untranslated (auth_type instead of authType).
                properties=machinelearningservices.AADAuthTypeWorkspaceConnectionPropertiesArgs(
                    auth_type="AAD",  # Entra ID: no keys stored in the hub
                    category="AIServices",
                    target=account.service_endpoint,
                    is_shared_to_all=True,
                    metadata={"ApiType": "Azure", "ResourceId": account.account.id, "Location": account.location},
                ),
                opts=child(self, depends_on=[previous] if previous else []),
            )
        if args.network is not None:
            args.network.endpoint(self.name, self.workspace.id, "amlworkspace", self, after=previous)
            # Endpoint logical names and Azure names come from the stable labels, not the unique names.
            storage_label = resource_name("storage", env, unique_by=labels)
            blob = args.network.endpoint(storage_label, self.storage.id, "blob", self)
            args.network.endpoint(storage_label, self.storage.id, "file", self, after=blob)  # one at a time
            vault_label = resource_name("key_vault", env, unique_by=labels)
            args.network.endpoint(vault_label, self.key_vault.id, "vault", self)
        self.register_outputs({"hub_id": self.workspace.id})
