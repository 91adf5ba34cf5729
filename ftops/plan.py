"""Evaluate the Pulumi program offline under Pulumi's mocks: the resource graph `pulumi up` would create.

No engine, no credentials: `pulumi.runtime.set_mocks` stands in for the engine and the mocks below
stand in for Azure, filling the output-only fields (ids, principal ids) that the program reads. Shared
by `ftops plan` and the tests of the program.
"""

from __future__ import annotations

import asyncio
import gc
import re
from dataclasses import dataclass, field
from typing import Any

from ftops.config import Environment

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TENANT = "11111111-1111-1111-1111-111111111111"

# Pulumi type token -> (ARM type, name input, parent name input) for realistic mock ids.
ARM_TYPES: dict[str, tuple[str, str, str | None]] = {
    "azure-native:resources:ResourceGroup": ("", "resourceGroupName", None),
    "azure-native:cognitiveservices:Account": ("Microsoft.CognitiveServices/accounts", "accountName", None),
    "azure-native:cognitiveservices:Project": ("projects", "projectName", "accountName"),
    "azure-native:cognitiveservices:Deployment": ("deployments", "deploymentName", "accountName"),
    "azure-native:machinelearningservices:Workspace": (
        "Microsoft.MachineLearningServices/workspaces",
        "workspaceName",
        None,
    ),
    "azure-native:machinelearningservices:WorkspaceConnection": ("connections", "connectionName", "workspaceName"),
    "azure-native:machinelearningservices:MarketplaceSubscription": (
        "marketplaceSubscriptions",
        "name",
        "workspaceName",
    ),
    "azure-native:machinelearningservices:Compute": ("computes", "computeName", "workspaceName"),
    "azure-native:storage:StorageAccount": ("Microsoft.Storage/storageAccounts", "accountName", None),
    "azure-native:keyvault:Vault": ("Microsoft.KeyVault/vaults", "vaultName", None),
    "azure-native:operationalinsights:Workspace": ("Microsoft.OperationalInsights/workspaces", "workspaceName", None),
    "azure-native:applicationinsights:Component": ("Microsoft.Insights/components", "resourceName", None),
    "azure-native:network:VirtualNetwork": ("Microsoft.Network/virtualNetworks", "virtualNetworkName", None),
    "azure-native:network:Subnet": ("subnets", "subnetName", "virtualNetworkName"),
    "azure-native:network:PrivateEndpoint": ("Microsoft.Network/privateEndpoints", "privateEndpointName", None),
    "azure-native:network:PrivateDnsZoneGroup": (
        "privateDnsZoneGroups",
        "privateDnsZoneGroupName",
        "privateEndpointName",
    ),
    "azure-native:privatedns:PrivateZone": ("Microsoft.Network/privateDnsZones", "privateZoneName", None),
    "azure-native:privatedns:VirtualNetworkLink": ("virtualNetworkLinks", "name", "privateZoneName"),
    "azure-native:authorization:RoleAssignment": (
        "Microsoft.Authorization/roleAssignments",
        "roleAssignmentName",
        None,
    ),
}
PARENT_ARM = {
    "accountName": "Microsoft.CognitiveServices/accounts",
    "workspaceName": "Microsoft.MachineLearningServices/workspaces",
    "virtualNetworkName": "Microsoft.Network/virtualNetworks",
    "privateEndpointName": "Microsoft.Network/privateEndpoints",
    "privateZoneName": "Microsoft.Network/privateDnsZones",
}


@dataclass
class PlannedResource:
    type: str
    name: str
    urn: str
    parent: str | None
    inputs: dict[str, Any]
    depends_on: list[str] = field(default_factory=list)
    id: str = ""
    protect: bool = False

    @property
    def props(self) -> dict[str, Any]:
        return self.inputs.get("properties") or {}


@dataclass
class Plan:
    resources: list[PlannedResource]
    outputs: dict[str, Any]

    def of_type(self, token: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == token]

    def by_urn(self, urn: str) -> PlannedResource | None:
        return next((r for r in self.resources if r.urn == urn), None)


def _mock_id(token: str, name: str, inputs: dict[str, Any]) -> str:
    arm, name_key, parent_key = ARM_TYPES.get(token, ("Mock/resources", "", None))
    resource = inputs.get(name_key) or name
    rg = inputs.get("resourceGroupName", "rg")
    base = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{rg}"
    if token == "azure-native:resources:ResourceGroup":
        return base.replace("/rg", f"/{resource}") if rg == "rg" else base
    if token == "azure-native:authorization:RoleAssignment":
        return f"{inputs.get('scope', base)}/providers/{arm}/{resource}"
    if parent_key:
        return f"{base}/providers/{PARENT_ARM[parent_key]}/{inputs.get(parent_key)}/{arm}/{resource}"
    return f"{base}/providers/{arm}/{resource}"


def make_mocks(recorded: list[PlannedResource]) -> Any:
    import pulumi

    class AzureMocks(pulumi.runtime.Mocks):
        """Answers like Azure would: ids, principal ids, endpoints; records every resource."""

        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
            inputs = dict(args.inputs)
            resource_id = _mock_id(args.typ, args.name, inputs)
            state = {**inputs, "name": inputs.get(ARM_TYPES.get(args.typ, ("", "", None))[1]) or args.name}
            if "identity" in inputs:
                state["identity"] = {**inputs["identity"], "principalId": f"principal-{args.name}", "tenantId": TENANT}
            if args.typ == "azure-native:cognitiveservices:Account":
                subdomain = inputs.get("properties", {}).get("customSubDomainName", args.name)
                state["properties"] = {
                    **inputs.get("properties", {}),
                    "endpoint": f"https://{subdomain}.cognitiveservices.azure.com/",
                }
            if not args.typ.startswith("ftops:"):
                recorded.append(PlannedResource(args.typ, args.name, _urn(args), None, inputs, id=resource_id))
            return resource_id, state

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list] | dict:
            if args.token == "azure-native:authorization:getClientConfig":
                return {
                    "clientId": "ftops-plan",
                    "objectId": "ftops-plan-object",
                    "subscriptionId": SUBSCRIPTION,
                    "tenantId": TENANT,
                }
            return {}

    return AzureMocks()


def _urn(args: Any) -> str:
    return f"urn:pulumi:plan::ftops::{args.typ}::{args.name}"


def run_program(
    environment: Environment, *, protect: bool = True, deployer_principal_id: str | None = None, stack: str = "plan"
) -> Plan:
    """Build the FineTuningEnvironment under mocks and return every resource and the resolved outputs."""
    import pulumi
    from pulumi.runtime import settings

    recorded: list[PlannedResource] = []
    registrations: list[tuple[str, str, str | None, list[str], bool]] = []
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(make_mocks(recorded), project="ftops", stack=stack, preview=False)
    monitor = settings.get_monitor()
    original = monitor.RegisterResource

    def register(request: Any, *more: Any, **kw: Any) -> Any:  # graph facts the mocks do not see
        registrations.append(
            (request.type, request.name, request.parent or None, list(request.dependencies), bool(request.protect))
        )
        return original(request, *more, **kw)

    monitor.RegisterResource = register
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> Any:
        from infra.components.environment import EnvironmentArgs, FineTuningEnvironment

        built = FineTuningEnvironment(
            "ftops", EnvironmentArgs(environment, protect=protect, deployer_principal_id=deployer_principal_id)
        )
        return pulumi.Output.from_input(built.outputs).apply(resolved.update)

    # The evaluation makes many short-lived objects; the cyclic GC rescanning them made it twice as slow.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        program()
    finally:
        monitor.RegisterResource = original
        loop.close()
        if gc_was_enabled:
            gc.enable()
    by_name = {(typ, name): (parent, deps, protected) for typ, name, parent, deps, protected in registrations}
    for resource in recorded:
        parent, deps, protected = by_name.get((resource.type, resource.name), (None, [], False))
        resource.parent = parent
        resource.depends_on = deps
        resource.protect = protected
    return Plan(recorded, resolved)


def tree(plan: Plan) -> list[dict[str, Any]]:
    """Resources as rows: type, logical name, parent (type::name), key properties."""
    rows = []
    for resource in plan.resources:
        parent = re.sub(r"^urn:pulumi:[^:]*::[^:]*::", "", resource.parent or "")
        rows.append(
            {
                "type": resource.type,
                "name": resource.name,
                "parent": parent.split("$")[-1],
                "key": key_properties(resource),
            }
        )
    return rows


def key_properties(resource: PlannedResource) -> dict[str, Any]:
    inputs, props = resource.inputs, resource.props
    picks = {
        "location": inputs.get("location"),
        "kind": inputs.get("kind"),
        "sku": (inputs.get("sku") or {}).get("name"),
        "name": next(
            (
                inputs[k]
                for k in (
                    "roleAssignmentName",
                    "deploymentName",
                    "projectName",
                    "connectionName",
                    "workspaceName",
                    "vaultName",
                    "accountName",
                )
                if k in inputs
            ),
            None,
        ),
        "model": (props.get("model") or {}).get("name"),
        "public_network_access": props.get("publicNetworkAccess") or inputs.get("publicNetworkAccess"),
        "role": (inputs.get("roleDefinitionId") or "").rsplit("/", 1)[-1] or None,
    }
    return {k: v for k, v in picks.items() if v}
