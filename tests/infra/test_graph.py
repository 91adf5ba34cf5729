"""The program's resource graph under mocks: types, parents, regions, dependencies, names, outputs."""

from __future__ import annotations

import itertools
import re
from collections import Counter

from ftops_infra.plan import ARM_TYPES, Plan, PlannedResource, run_program

from ftops.stack.naming import RULES
from ftops.stack.outputs import parse_outputs
from ftops.stack.schema import parse_environment

ACCOUNT = "azure-native:cognitiveservices:Account"
PROJECT = "azure-native:cognitiveservices:Project"
DEPLOYMENT = "azure-native:cognitiveservices:Deployment"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
CONNECTION = "azure-native:machinelearningservices:WorkspaceConnection"
STORAGE = "azure-native:storage:StorageAccount"
VAULT = "azure-native:keyvault:Vault"
ROLE = "azure-native:authorization:RoleAssignment"

# Every resource type the program makes, counted per stack (with a deployer): what `pulumi up` creates.
EXPECTED_TYPES = {
    "dev": {"resources:ResourceGroup": 1, "cognitiveservices:Account": 1, "cognitiveservices:Project": 1,
            "cognitiveservices:Deployment": 1, "authorization:RoleAssignment": 3},
    "multi-region": {"resources:ResourceGroup": 1, "cognitiveservices:Account": 3, "cognitiveservices:Project": 4,
                     "authorization:RoleAssignment": 7},
    "open-models": {"resources:ResourceGroup": 1, "storage:StorageAccount": 1, "keyvault:Vault": 1,
                    "operationalinsights:Workspace": 1, "applicationinsights:Component": 1,
                    "machinelearningservices:Workspace": 2, "machinelearningservices:MarketplaceSubscription": 1,
                    "network:VirtualNetwork": 1, "network:Subnet": 1, "privatedns:PrivateZone": 5,
                    "privatedns:VirtualNetworkLink": 5, "network:PrivateEndpoint": 4, "network:PrivateDnsZoneGroup": 4,
                    "authorization:RoleAssignment": 4},
    "managed-compute": {"resources:ResourceGroup": 1, "storage:StorageAccount": 1, "keyvault:Vault": 1,
                        "operationalinsights:Workspace": 1, "applicationinsights:Component": 1,
                        "machinelearningservices:Workspace": 2, "machinelearningservices:Compute": 1,
                        "dynamic:Resource": 1, "managedidentity:UserAssignedIdentity": 1,
                        "authorization:RoleAssignment": 5},
    "private-multi": {"resources:ResourceGroup": 1, "cognitiveservices:Account": 2, "cognitiveservices:Project": 3,
                    "cognitiveservices:Deployment": 2, "storage:StorageAccount": 1, "keyvault:Vault": 1,
                    "operationalinsights:Workspace": 1, "applicationinsights:Component": 1,
                    "machinelearningservices:Workspace": 3, "machinelearningservices:WorkspaceConnection": 2,
                    "network:VirtualNetwork": 1, "network:Subnet": 1, "privatedns:PrivateZone": 8,
                    "privatedns:VirtualNetworkLink": 8, "network:PrivateEndpoint": 6, "network:PrivateDnsZoneGroup": 6,
                    "authorization:RoleAssignment": 15},
}  # fmt: skip

# The component (or resource) each resource type is created under.
PARENTS = {
    "resources:ResourceGroup": {"ftops:azure:FineTuningEnvironment"},
    "cognitiveservices:Account": {"ftops:azure:FoundryAccount"},
    "cognitiveservices:Project": {"ftops:azure:FoundryAccount"},
    "cognitiveservices:Deployment": {"ftops:azure:FoundryAccount"},
    "storage:StorageAccount": {"ftops:azure:Hub"},
    "keyvault:Vault": {"ftops:azure:Hub"},
    "operationalinsights:Workspace": {"ftops:azure:Hub"},
    "applicationinsights:Component": {"ftops:azure:Hub"},
    "machinelearningservices:WorkspaceConnection": {"ftops:azure:Hub"},
    "machinelearningservices:MarketplaceSubscription": {"ftops:azure:HubProject"},
    "machinelearningservices:Compute": {"ftops:azure:ManagedCompute"},
    "dynamic:Resource": {"ftops:azure:ManagedCompute"},
    "managedidentity:UserAssignedIdentity": {"ftops:azure:ManagedCompute"},
    "network:VirtualNetwork": {"ftops:azure:PrivateNetwork"},
    "network:Subnet": {"ftops:azure:PrivateNetwork"},
    "privatedns:PrivateZone": {"ftops:azure:PrivateNetwork"},
    "privatedns:VirtualNetworkLink": {"azure-native:privatedns:PrivateZone"},
    "network:PrivateEndpoint": {"ftops:azure:Hub", "ftops:azure:FoundryAccount"},
    "network:PrivateDnsZoneGroup": {"azure-native:network:PrivateEndpoint"},
    "authorization:RoleAssignment": {"ftops:azure:Access", "ftops:azure:ManagedCompute"},  # compute: its identity's
}
# Types ARM creates without a location of their own (children of a located resource, or global by scope).
LOCATIONLESS = {"cognitiveservices:Deployment", "network:Subnet", "network:PrivateDnsZoneGroup", "dynamic:Resource",
                "machinelearningservices:WorkspaceConnection", "machinelearningservices:MarketplaceSubscription",
                "authorization:RoleAssignment"}  # fmt: skip


def short(token: str) -> str:
    return token.split(":", 1)[1]


def parent_of(plan: Plan, resource: PlannedResource) -> PlannedResource:
    found = plan.by_urn(resource.parent or "")
    assert found is not None, (resource.type, resource.name, resource.parent)
    return found


def component_of(plan: Plan, resource: PlannedResource) -> PlannedResource:
    """The nearest ftops component above a resource."""
    node = parent_of(plan, resource)
    while not node.type.startswith("ftops:"):
        node = parent_of(plan, node)
    return node


def test_each_stack_creates_exactly_the_expected_resources(stack_plan: tuple[str, Plan]) -> None:
    stack, plan = stack_plan
    assert Counter(short(r.type) for r in plan.resources) == Counter(EXPECTED_TYPES[stack])


def test_every_resource_sits_under_its_component(stack_plan: tuple[str, Plan]) -> None:
    _, plan = stack_plan
    for resource in plan.resources:
        kind = short(resource.type)
        if kind == "machinelearningservices:Workspace":
            expected = {"Hub": "ftops:azure:Hub", "Project": "ftops:azure:HubProject"}[resource.inputs["kind"]]
            assert parent_of(plan, resource).type == expected
        else:
            assert parent_of(plan, resource).type in PARENTS[kind], (resource.name, resource.parent)
    # Every component hangs off the one environment component, which hangs off the stack.
    roots = [c for c in plan.components if c.type == "ftops:azure:FineTuningEnvironment"]
    assert len(roots) == 1 and "pulumi:pulumi:Stack" in (roots[0].parent or "")
    for component in plan.components:
        node = component
        while node is not roots[0]:
            node = parent_of(plan, node)


def test_every_resource_is_in_its_region(stack_plan: tuple[str, Plan], env_for) -> None:
    """Accounts in their region, hub things in the hub's, network things in the network's, DNS global."""
    stack, plan = stack_plan
    env = env_for(stack)
    for resource in plan.resources:
        kind = short(resource.type)
        if kind in LOCATIONLESS:
            assert "location" not in resource.inputs or kind == "dynamic:Resource", resource.name
            continue
        component = component_of(plan, resource)
        if kind.startswith("privatedns:"):
            expected = "global"
        elif kind == "network:PrivateEndpoint" or component.type == "ftops:azure:PrivateNetwork":
            expected = env.location  # endpoints must be in their virtual network's region
        elif component.type == "ftops:azure:FoundryAccount":
            expected = next(r.location for r in env.regions if component.name.endswith(f"-{r.location}"))
        elif component.type in ("ftops:azure:Hub", "ftops:azure:HubProject", "ftops:azure:ManagedCompute"):
            expected = env.hub_location
        else:
            expected = env.location
        assert resource.inputs["location"] == expected, (resource.name, resource.inputs["location"], expected)


def test_outputs_validate_against_the_contract_and_name_what_is_created(stack_plan: tuple[str, Plan], env_for) -> None:
    stack, plan = stack_plan
    outputs = parse_outputs(plan.outputs, source=stack)
    env = env_for(stack)
    accounts = {a.inputs["accountName"]: a for a in plan.of_type(ACCOUNT)}
    projects = {p.id: p for p in plan.of_type(PROJECT)}
    assert [r.location for r in outputs.regions] == [r.location for r in env.regions]
    for region, spec in zip(outputs.regions, env.regions, strict=True):
        assert region.account_id == accounts[region.account_name].id
        assert accounts[region.account_name].inputs["location"] == region.location
        assert region.endpoint == f"https://{region.account_name}.openai.azure.com/"
        assert [p.name for p in region.projects] == [p.name for p in spec.projects]
        for project in region.projects:
            assert projects[project.id].inputs["accountName"] == region.account_name
            assert (
                project.endpoint == f"https://{region.account_name}.services.ai.azure.com/api/projects/{project.name}"
            )
        assert [d.name for d in region.deployments] == [d.name for d in spec.deployments]
    assert (outputs.hub is None) == (env.hub is None)
    if outputs.hub is not None:
        (hub,) = [w for w in plan.of_type(WORKSPACE) if w.inputs["kind"] == "Hub"]
        assert (outputs.hub.id, outputs.hub.name, outputs.hub.location) == (
            hub.id, hub.inputs["workspaceName"], env.hub_location)  # fmt: skip
        assert outputs.hub.storage_account_id == plan.of_type(STORAGE)[0].id
        assert outputs.hub.key_vault_id == plan.of_type(VAULT)[0].id
        hub_projects = {w.id: w for w in plan.of_type(WORKSPACE) if w.inputs["kind"] == "Project"}
        assert [p.name for p in outputs.hub.projects] == [p.name for p in env.hub.projects]
        assert {p.id for p in outputs.hub.projects} == set(hub_projects)


def test_deployments_on_one_account_are_chained_with_catalog_names(plan_for) -> None:
    plan = plan_for("private-multi")
    deployments = plan.of_type(DEPLOYMENT)
    assert [d.inputs["deploymentName"] for d in deployments] == ["mini", "full"]
    for before, after in itertools.pairwise(deployments):
        assert before.urn in after.depends_on, after.depends_on
    # "GPT-4.1" in the stack is deployed under the catalog's exact model name, with its version.
    assert deployments[1].props["model"] == {"format": "OpenAI", "name": "gpt-4.1", "version": "2025-04-14"}
    assert deployments[1].inputs["sku"] == {"name": "Standard", "capacity": 5}
    account = plan.of_type(ACCOUNT)[0]
    assert all(account.urn in d.depends_on for d in deployments)


def test_three_deployments_form_one_chain() -> None:
    env = parse_environment({
        "name": "ftchain", "resource_group": {"location": "swedencentral"},
        "regions": [{"location": "swedencentral", "deployments": [
            {"name": "a1", "model": "gpt-4.1-mini"}, {"name": "b1", "model": "gpt-4.1"},
            {"name": "c1", "model": "gpt-4o-mini", "sku": "Standard", "capacity": 5}]}],
    })  # fmt: skip
    deployments = run_program(env).of_type(DEPLOYMENT)
    chained = [[d.name for d in deployments if before.urn in d.depends_on] for before in deployments]
    assert chained == [[deployments[1].name], [deployments[2].name], []]


def test_hub_projects_come_after_their_hub_and_connections_after_accounts(stack_plan: tuple[str, Plan]) -> None:
    _, plan = stack_plan
    hubs = [w for w in plan.of_type(WORKSPACE) if w.inputs["kind"] == "Hub"]
    for project in (w for w in plan.of_type(WORKSPACE) if w.inputs["kind"] == "Project"):
        (hub,) = hubs
        assert project.inputs["hubResourceId"] == hub.id
        assert hub.urn in project.depends_on
        assert hub.urn in parent_of(plan, project).depends_on  # the HubProject component waits for the hub too
    accounts = {a.id: a for a in plan.of_type(ACCOUNT)}
    connections = plan.of_type(CONNECTION)
    assert len(connections) == (len(accounts) if hubs else 0)
    for connection in connections:
        account = accounts[connection.props["metadata"]["ResourceId"]]
        assert account.urn in connection.depends_on and hubs[0].urn in connection.depends_on


def test_names_fit_azure_rules_and_are_unique(stack_plan: tuple[str, Plan]) -> None:
    _, plan = stack_plan
    rules = {ACCOUNT: ("ai_services", r"[a-z0-9][a-z0-9-]{1,62}[a-z0-9]"), STORAGE: ("storage", r"[a-z0-9]{3,24}"),
             VAULT: ("key_vault", r"[a-z](?!.*--)[a-z0-9-]{1,22}[a-z0-9]"),
             WORKSPACE: ("hub", r"[a-z0-9][a-z0-9_-]{2,32}")}  # fmt: skip
    for token, (kind, pattern) in rules.items():
        for resource in plan.of_type(token):
            name = resource.azure_name
            assert len(name) <= RULES[kind].max_length and re.fullmatch(pattern, name), name
    # Logical names are unique per stack, and Azure names are unique within their parent.
    assert len({(r.type, r.name) for r in plan.resources}) == len(plan.resources)
    within = {r.urn: r.inputs.get(ARM_TYPES[r.type][2] or "", "") for r in plan.resources if r.type in ARM_TYPES}
    scoped = Counter((r.type, r.azure_name, within[r.urn]) for r in plan.resources if r.azure_name)
    assert not [key for key, count in scoped.items() if count > 1]


def test_long_environment_names_still_make_valid_distinct_names() -> None:
    def names(env_name: str) -> dict[str, str]:
        plan = run_program(parse_environment({
            "name": env_name, "resource_group": {"location": "swedencentral"},
            "hub": {"projects": [{"name": "p" * 31 + "q"}]},
            "regions": [{"location": "germanywestcentral", "projects": [{"name": "x" * 32}]}],
        }))  # fmt: skip
        kinds = {"Hub": ":hub", "Project": ":project"}
        return {short(r.type) + kinds.get(r.inputs.get("kind"), ""): r.azure_name for r in plan.resources}

    first, second = names("a" * 31 + "z"), names("a" * 31 + "y")
    assert len(first["storage:StorageAccount"]) <= 24 and re.fullmatch(r"[a-z0-9]+", first["storage:StorageAccount"])
    assert len(first["keyvault:Vault"]) <= 24 and len(first["cognitiveservices:Account"]) <= 64
    assert len(first["machinelearningservices:Workspace:hub"]) <= 32
    assert len(first["machinelearningservices:Workspace:project"]) <= 32
    # Names cut to fit still differ between environments that differ only at the end.
    for key in ("storage:StorageAccount", "keyvault:Vault", "cognitiveservices:Account"):
        assert first[key] != second[key], key


def test_sixteen_regions_of_four_projects_evaluate() -> None:
    from plan_scale import wide_environment

    plan = run_program(wide_environment(16), deployer_principal_id="22222222-2222-2222-2222-222222222222")
    outputs = parse_outputs(plan.outputs, source="scale")
    assert len(outputs.regions) == 16 and all(len(r.projects) == 4 for r in outputs.regions)
    assert len(plan.of_type(PROJECT)) == 64 and len(plan.of_type(DEPLOYMENT)) == 16
    assert len({a.inputs["accountName"] for a in plan.of_type(ACCOUNT)}) == 16
    assert {a.inputs["location"] for a in plan.of_type(ACCOUNT)} == {r.location for r in outputs.regions}
