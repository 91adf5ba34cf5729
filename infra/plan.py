"""Evaluate the Pulumi program offline under Pulumi's mocks: the resource graph `pulumi up` would create.

No engine, no credentials: `pulumi.runtime.set_mocks` stands in for the engine and the mocks below
stand in for Azure, filling the output-only fields (ids, principal ids, endpoints) that the program
reads. Shared by `ftops plan` and the tests of the program.
"""

from __future__ import annotations

import asyncio
import gc
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ftops.stack.schema import Environment

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TENANT = "11111111-1111-1111-1111-111111111111"
COMPONENT_PREFIX = "ftops:"

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
    "azure-native:privatedns:VirtualNetworkLink": ("virtualNetworkLinks", "virtualNetworkLinkName", "privateZoneName"),
    "azure-native:authorization:RoleAssignment": (
        "Microsoft.Authorization/roleAssignments",
        "roleAssignmentName",
        None,
    ),
    "azure-native:managedidentity:UserAssignedIdentity": (
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "resourceName",
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
    """One resource (or component) the program registers, with what the engine would be told."""

    type: str
    name: str
    urn: str = ""
    parent: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    id: str = ""
    protect: bool = False
    custom: bool = True  # False for components: no Azure resource behind them
    order: int = -1  # position in the program's construction order

    @property
    def props(self) -> dict[str, Any]:
        return self.inputs.get("properties") or {}

    @property
    def is_component(self) -> bool:
        return not self.custom

    @property
    def azure_name(self) -> str | None:
        """The resource's name in Azure (the input ARM puts in its URL), when the type is known."""
        key = ARM_TYPES.get(self.type, ("", "", None))[1]
        return self.inputs.get(key) if key else None


@dataclass
class Plan:
    resources: list[PlannedResource]  # Azure resources, in registration order
    outputs: dict[str, Any]
    components: list[PlannedResource] = field(default_factory=list)

    def of_type(self, token: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == token]

    def by_urn(self, urn: str) -> PlannedResource | None:
        return next((r for r in (*self.resources, *self.components) if r.urn == urn), None)


def _mock_id(token: str, name: str, inputs: dict[str, Any], subscription: str = SUBSCRIPTION) -> str:
    arm, name_key, parent_key = ARM_TYPES.get(token, ("Mock/resources", "", None))
    resource = inputs.get(name_key) or name
    rg = inputs.get("resourceGroupName", "rg")
    base = f"/subscriptions/{subscription}/resourceGroups/{rg}"
    if token == "azure-native:resources:ResourceGroup":
        return f"/subscriptions/{subscription}/resourceGroups/{resource}"
    if token == "azure-native:authorization:RoleAssignment":
        return f"{inputs.get('scope', base)}/providers/{arm}/{resource}"
    if parent_key:
        return f"{base}/providers/{PARENT_ARM[parent_key]}/{inputs.get(parent_key)}/{arm}/{resource}"
    return f"{base}/providers/{arm}/{resource}"


def make_mocks(recorded: list[PlannedResource], subscription: str = SUBSCRIPTION) -> Any:
    """Mocks that answer like Azure (ids, principal ids, endpoints) and record every resource's inputs.

    `subscription` is the one getClientConfig answers and every mock id lives in.
    """
    import pulumi

    class AzureMocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
            inputs = dict(args.inputs)
            resource_id = _mock_id(args.typ, args.name, inputs, subscription)
            state = {**inputs, "name": inputs.get(ARM_TYPES.get(args.typ, ("", "", None))[1]) or args.name}
            principal = f"principal-{args.name}"
            if "identity" in inputs:
                state["identity"] = {**inputs["identity"], "principalId": principal, "tenantId": TENANT}
                attached = inputs["identity"].get("userAssignedIdentities")
                if isinstance(attached, list):  # the SDK sends a list of ids; Azure answers with a map
                    state["identity"]["userAssignedIdentities"] = {i: {} for i in attached}
            if args.typ == "azure-native:managedidentity:UserAssignedIdentity":
                state.update(principalId=principal, clientId=f"client-{args.name}", tenantId=TENANT)
            if args.typ == "azure-native:cognitiveservices:Account":
                subdomain = inputs.get("properties", {}).get("customSubDomainName", args.name)
                state["properties"] = {
                    **inputs.get("properties", {}),
                    "endpoint": f"https://{subdomain}.cognitiveservices.azure.com/",
                }
            if not args.typ.startswith(COMPONENT_PREFIX):
                recorded.append(PlannedResource(args.typ, args.name, inputs=inputs, id=resource_id))
            return resource_id, state

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list] | dict:
            if args.token == "azure-native:authorization:getClientConfig":
                return {
                    "clientId": "ftops-plan",
                    "objectId": "ftops-plan-object",
                    "subscriptionId": subscription,
                    "tenantId": TENANT,
                }
            return {}

    return AzureMocks()


def run_program(
    environment: Environment,
    *,
    protect: bool = True,
    deployer_principal_id: str | None = None,
    deployer_principal_type: str = "User",
    stack: str = "plan",
    subscription_id: str = SUBSCRIPTION,
    name_seed: str = "",
    legacy_names: bool = False,
    restore_soft_deleted: bool = False,
    purge_protection: bool = True,
) -> Plan:
    """Build the FineTuningEnvironment under fresh mocks and return every resource and the resolved outputs.

    `subscription_id` is what azure-native's getClientConfig answers: globally unique names and role
    assignment names depend on it. Bad deployer settings raise ConfigError before anything runs, as they
    would in `pulumi preview`.
    """
    import pulumi
    from ftops_infra.components.environment import EnvironmentArgs, FineTuningEnvironment
    from pulumi.runtime import settings

    args = EnvironmentArgs(
        environment,
        protect,
        deployer_principal_id,
        deployer_principal_type,
        name_seed=name_seed,
        legacy_names=legacy_names,
        restore_soft_deleted=restore_soft_deleted,
        purge_protection=purge_protection,
    )

    recorded: list[PlannedResource] = []
    registered: list[PlannedResource] = []  # everything the engine is asked to register, components too
    loop = asyncio.new_event_loop()
    # The SDK hands each engine call to the loop's executor; under mocks the calls are quick Python, so
    # one worker beats several fighting over the GIL (about 15% faster at 16 regions, and flatter growth).
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ftops-plan")
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    # preview=False: output-only fields the mocks fill are known, so every `apply` in the program runs.
    pulumi.runtime.set_mocks(make_mocks(recorded, subscription_id), project="ftops", stack=stack, preview=False)
    monitor = settings.get_monitor()
    original = monitor.RegisterResource

    def register(request: Any, *more: Any, **kw: Any) -> Any:  # graph facts the mocks do not see
        response = original(request, *more, **kw)
        if request.type == "pulumi:pulumi:Stack":
            return response
        registered.append(
            PlannedResource(
                request.type,
                request.name,
                urn=response.urn,
                parent=request.parent or None,
                depends_on=list(request.dependencies),
                protect=bool(request.protect),
                custom=bool(request.custom),
            )
        )
        return response

    monitor.RegisterResource = register
    resolved: dict[str, Any] = {}
    # Registrations arrive from worker threads in any order; constructor order is the program's own.
    constructed: dict[tuple[str, str], int] = {}

    def note_order(args: Any) -> None:  # a transformation that changes nothing; runs in each constructor
        constructed.setdefault((args.type_, args.name), len(constructed))

    @pulumi.runtime.test
    def program() -> Any:
        built = FineTuningEnvironment(
            "ftops",
            args,
            opts=pulumi.ResourceOptions(transformations=[note_order]),  # children inherit it
        )
        return pulumi.Output.from_input(built.outputs).apply(resolved.update)

    # The evaluation makes many short-lived objects; the cyclic GC rescanning them made it twice as slow.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        program()  # runs to completion: every registration is done before the recorded list is read
    finally:
        monitor.RegisterResource = original
        loop.close()
        executor.shutdown(wait=True)
        if gc_was_enabled:
            gc.enable()
    # Logical names are unique per type in this program (a test checks it), so (type, name) joins the two views.
    inputs = {(r.type, r.name): r for r in recorded}
    for resource in registered:
        resource.order = constructed.get((resource.type, resource.name), -1)
    registered.sort(key=lambda r: r.order)
    for resource in registered:
        mocked = inputs.get((resource.type, resource.name))
        if mocked is not None:
            resource.inputs, resource.id = mocked.inputs, mocked.id
    return Plan([r for r in registered if not r.is_component], resolved, [r for r in registered if r.is_component])


def _walk(plan: Plan) -> Iterator[tuple[int, PlannedResource]]:
    """Depth-first over the parent links; a parent's children in the order the program made them."""
    everything = sorted([*plan.components, *plan.resources], key=lambda r: r.order)
    known = {r.urn for r in everything}
    children: dict[str | None, list[PlannedResource]] = {}
    for resource in everything:
        children.setdefault(resource.parent if resource.parent in known else None, []).append(resource)
    stack = [(0, r) for r in reversed(children.get(None, []))]
    while stack:
        depth, resource = stack.pop()
        yield depth, resource
        stack.extend((depth + 1, child) for child in reversed(children.get(resource.urn, [])))


SECRET_MARK = "4dabf18193072939515e22adb298388d"  # Pulumi's wire marker of a secret value
SECRET_KEYS = re.compile(r"(password|secret|token|(access|account|api|shared|primary|secondary)_?key)$", re.I)
MASK = "[secret]"


def masked(value: Any, key: str = "") -> Any:
    """Inputs as they would be sent, with secret values (Pulumi secrets, secret-named keys) masked."""
    if isinstance(value, dict):
        if value.get(SECRET_MARK) == "1b47061264138c4ac30d75fd1eb44270":
            return MASK
        return {k: masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, key) for v in value]
    if key and SECRET_KEYS.search(key) and value not in (None, "", False):
        return MASK
    return value


def tree(plan: Plan) -> list[dict[str, Any]]:
    """Components and resources depth-first: type, logical name, parent (type::name), depth, key properties,
    and each resource's full inputs as the engine would send them (secrets masked), its dependencies,
    and its protect flag."""
    by_urn = {r.urn: r for r in (*plan.components, *plan.resources)}
    rows = []
    for depth, resource in _walk(plan):
        parent = by_urn.get(resource.parent or "")
        rows.append(
            {
                "type": resource.type,
                "name": resource.name,
                "parent": f"{parent.type}::{parent.name}" if parent else "",
                "depth": depth,
                "key": key_properties(resource),
                **(
                    {
                        "inputs": masked(resource.inputs),
                        "depends_on": [f"{r.type}::{r.name}" for u in resource.depends_on if (r := by_urn.get(u))],
                        "protect": resource.protect,
                    }
                    if resource.custom
                    else {}
                ),
            }
        )
    return rows


def key_properties(resource: PlannedResource) -> dict[str, Any]:
    """What a reviewer checks first: Azure name, region, kind/SKU, model, network exposure, role and scope."""
    from ftops.stack.roles import ROLES

    inputs, props = resource.inputs, resource.props
    role_id = (inputs.get("roleDefinitionId") or "").rsplit("/", 1)[-1]
    role = next((r.name for r in ROLES.values() if r.definition_id == role_id), role_id)
    scope = inputs.get("scope") or ""
    picks = {
        "name": None if role else resource.azure_name,  # an assignment's GUID name says less than role and scope
        "location": inputs.get("location"),
        "kind": inputs.get("kind"),
        "sku": (inputs.get("sku") or {}).get("name"),
        "model": (props.get("model") or {}).get("name"),
        "public_network_access": props.get("publicNetworkAccess") or inputs.get("publicNetworkAccess"),
        "role": role or None,
        "scope": "subscription" if scope.count("/") == 2 else scope.rsplit("/", 1)[-1] or None,
        "protect": True if resource.protect else None,
    }
    return {k: v for k, v in picks.items() if v}
