"""What only real Azure and the real engine would show: names per subscription, ordering, soft delete, identity.

Each test reads the plan the program makes under mocks (`ftops plan --json` or `run_program`) and checks the
property Azure enforces: globally unique names, tenant-unique role assignment names, one write at a time on
an account, a cluster identity that can use the hub storage, and errors `pulumi preview` prints cleanly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import runpy
import uuid
from pathlib import Path

import pulumi
import pytest
import yaml
from ftops_infra.plan import Plan, PlannedResource, make_mocks, masked, run_program

from ftops.cli.app import run as cli_run
from ftops.errors import ConfigError
from ftops.stack.naming import arm_guid, role_assignment_name
from ftops.stack.schema import load_stack_file, parse_environment

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_STACKS = ["dev", "multi-region", "open-models", "managed-compute"]  # as in conftest
DEPLOYER = "22222222-2222-2222-2222-222222222222"  # what conftest plans with
ACCOUNT = "azure-native:cognitiveservices:Account"
STORAGE = "azure-native:storage:StorageAccount"
VAULT = "azure-native:keyvault:Vault"
ROLE = "azure-native:authorization:RoleAssignment"
ENDPOINT = "azure-native:network:PrivateEndpoint"
COMPUTE = "azure-native:machinelearningservices:Compute"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
GLOBAL_NAMES = {ACCOUNT: "accountName", STORAGE: "accountName", VAULT: "vaultName"}
SUB_A = "4f1c0d2e-8a6b-4c3d-9e7f-1a2b3c4d5e6f"
SUB_B = "9d8c7b6a-5e4f-4a3b-8c2d-0e1f2a3b4c5d"


def plan_json(stack: str, subscription: str) -> dict:
    code, out, err = cli_run(
        ["plan", "--stack", stack, "--json", "--subscription", subscription, "--deployer", DEPLOYER]
    )
    assert code == 0, err
    return json.loads(out)


def names_in(data: dict) -> tuple[dict[str, str], list[str]]:
    """Globally unique names by logical name, and the role assignment names, from `ftops plan --json`."""
    unique = {r["name"]: r["inputs"][GLOBAL_NAMES[r["type"]]] for r in data["resources"] if r["type"] in GLOBAL_NAMES}
    roles = sorted(r["inputs"]["roleAssignmentName"] for r in data["resources"] if r["type"] == ROLE)
    return unique, roles


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_two_subscriptions_get_different_names_and_a_rerun_the_same(stack: str) -> None:
    first, second, again = plan_json(stack, SUB_A), plan_json(stack, SUB_B), plan_json(stack, SUB_A)
    (unique_a, roles_a), (unique_b, roles_b) = names_in(first), names_in(second)
    assert unique_a and roles_a
    # Same logical resources, every globally unique Azure name and every role assignment name different.
    assert unique_a.keys() == unique_b.keys()
    assert all(unique_a[key] != unique_b[key] for key in unique_a), (unique_a, unique_b)
    assert not set(roles_a) & set(roles_b)
    assert names_in(again) == (unique_a, roles_a)  # a rerun asks Azure for exactly the same names
    # Logical names (what the state is keyed by) do not depend on the subscription.
    assert [(r["type"], r["name"]) for r in first["resources"]] == [(r["type"], r["name"]) for r in second["resources"]]


def test_a_bad_subscription_is_a_usage_error() -> None:
    code, out, _ = cli_run(["plan", "--stack", "dev", "--subscription", "nope/../x", "--json"])
    assert code == 2 and json.loads(out)["message"] == "--subscription 'nope/../x' is not a subscription id"


def test_role_assignment_names_are_bicep_guid_of_scope_principal_and_role(plan_for) -> None:
    plan = plan_for("private-multi")
    for assignment in plan.of_type(ROLE):
        inputs = assignment.inputs
        expected = role_assignment_name(inputs["scope"], inputs["principalId"], inputs["roleDefinitionId"])
        assert inputs["roleAssignmentName"] == expected
    # Bicep's guid(): a version-5 UUID in ARM's namespace 11fb06fb-... over the arguments joined by '-'.
    assert arm_guid("a", "b") == str(uuid.uuid5(uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830"), "a-b"))
    assert arm_guid("a", "b") != arm_guid("b", "a")
    # A re-created identity (new principal id) gets a new name, so Azure never sees a name reused.
    scope, role = "/subscriptions/s/resourceGroups/rg", "/subscriptions/s/providers/x/roleDefinitions/r"
    assert role_assignment_name(scope, "p1", role) != role_assignment_name(scope, "p2", role)


def test_legacy_names_keep_what_is_deployed_and_logical_names_never_move(env_for) -> None:
    env = env_for("dev")
    legacy = run_program(env, legacy_names=True)
    current = run_program(env, subscription_id=SUB_A)
    # The name the dev stack had before names carried the subscription (examples, docs): kept on request.
    assert legacy.of_type(ACCOUNT)[0].inputs["accountName"] == "ais-ftdev-swedencentral-aae431"
    assert current.of_type(ACCOUNT)[0].inputs["accountName"] != "ais-ftdev-swedencentral-aae431"
    assert [(r.type, r.name, r.parent) for r in legacy.resources] == [
        (r.type, r.name, r.parent) for r in current.resources
    ]


def test_plan_shows_the_legacy_names_on_request() -> None:
    code, out, _ = cli_run(["plan", "--stack", "dev", "--json", "--legacy-names", "--subscription", SUB_A])
    assert code == 0
    unique, _ = names_in(json.loads(out))
    assert list(unique.values()) == ["ais-ftdev-swedencentral-aae431"]


def test_a_name_seed_moves_every_globally_unique_name(env_for) -> None:
    env = env_for("private-multi")
    plain, seeded = run_program(env, subscription_id=SUB_A), run_program(env, subscription_id=SUB_A, name_seed="b2")
    for token, key in GLOBAL_NAMES.items():
        assert plain.of_type(token)[0].inputs[key] != seeded.of_type(token)[0].inputs[key]
    hubs = [next(w for w in p.of_type(WORKSPACE) if w.inputs["kind"] == "Hub") for p in (plain, seeded)]
    assert hubs[0].inputs["workspaceName"] == hubs[1].inputs["workspaceName"]  # resource-group scoped names stay


# ---- one write at a time on an account ----


def reach(plan: Plan) -> dict[str, set[str]]:
    """urn -> every urn it waits for, directly or through others (the engine's dependency graph)."""
    direct = {r.urn: set(r.depends_on) for r in (*plan.resources, *plan.components)}
    closed: dict[str, set[str]] = {}

    def visit(urn: str) -> set[str]:
        if urn not in closed:
            closed[urn] = set()
            for dep in direct.get(urn, ()):
                closed[urn] |= {dep} | visit(dep)
        return closed[urn]

    for urn in direct:
        visit(urn)
    return closed


def children_of_accounts(plan: Plan) -> dict[str, list[PlannedResource]]:
    """Per account: the resources Azure writes on it (projects, deployments, the private endpoint's connection)."""
    by_name = {a.inputs["accountName"]: a for a in plan.of_type(ACCOUNT)}
    by_id = {a.id: a for a in by_name.values()}
    found: dict[str, list[PlannedResource]] = {a.urn: [] for a in by_name.values()}
    for resource in plan.resources:
        parent = by_name.get(resource.inputs.get("accountName")) if resource.type != ACCOUNT else None
        if resource.type == ENDPOINT:
            targets = [c.get("privateLinkServiceId") for c in resource.inputs.get("privateLinkServiceConnections", [])]
            parent = next((by_id[t] for t in targets if t in by_id), None)
        if parent is not None:
            found[parent.urn].append(resource)
    return found


def unordered_children(plan: Plan) -> list[tuple[str, str]]:
    """Pairs of children of one account that the engine could create at the same time."""
    waits = reach(plan)
    pairs = []
    for children in children_of_accounts(plan).values():
        for a, b in itertools.combinations(children, 2):
            if a.urn not in waits[b.urn] and b.urn not in waits[a.urn]:
                pairs.append((a.name, b.name))
    return pairs


@pytest.mark.parametrize("stack", [*EXAMPLE_STACKS, "private-multi"])
def test_no_two_children_of_one_account_can_be_written_at_once(stack: str, plan_for) -> None:
    plan = plan_for(stack)
    children = children_of_accounts(plan)
    assert unordered_children(plan) == []
    if stack == "private-multi":  # projects, deployments and the endpoint of one account, in one chain
        kinds = [r.type.rsplit(":", 1)[-1] for r in max(children.values(), key=len)]
        assert kinds == ["Project", "Project", "Deployment", "Deployment", "PrivateEndpoint"]


def test_the_ordering_check_finds_children_left_in_parallel(plan_for) -> None:
    plan = plan_for("private-multi")
    # Drop the wait of the second project on the first: the first is then unordered with everything after it.
    first, second = [r for r in plan.resources if r.type == "azure-native:cognitiveservices:Project"][:2]
    broken = dataclasses.replace(second, depends_on=[u for u in second.depends_on if u != first.urn])
    altered = Plan([broken if r is second else r for r in plan.resources], plan.outputs, plan.components)
    pairs = unordered_children(altered)
    assert (first.name, second.name) in pairs and all(first.name in pair for pair in pairs)


# ---- soft delete: restore, recover, purge protection ----


def test_restore_and_recover_are_opt_in_and_purge_protection_is_on_by_default(env_for) -> None:
    env = env_for("open-models")
    default = run_program(env)
    vault = default.of_type(VAULT)[0].props
    assert vault["enablePurgeProtection"] is True and vault["softDeleteRetentionInDays"] == 90
    assert "createMode" not in vault
    restored = run_program(parse_environment({
        "name": "ftopen", "resource_group": {"location": "eastus2"}, "regions": [{"location": "eastus2"}],
        "hub": {"projects": [{"name": "p1"}]},
    }), restore_soft_deleted=True, purge_protection=False)  # fmt: skip
    assert restored.of_type(ACCOUNT)[0].props["restore"] is True
    assert restored.of_type(VAULT)[0].props["createMode"] == "recover"
    # Azure refuses enablePurgeProtection=false: "off" leaves it out rather than sending false.
    assert "enablePurgeProtection" not in restored.of_type(VAULT)[0].props
    assert "restore" not in run_program(env_for("dev")).of_type(ACCOUNT)[0].props


# ---- managed compute: identity, waits; private hub networking ----


def test_the_cluster_runs_as_a_user_assigned_identity_that_can_use_the_hub_storage(plan_for) -> None:
    plan = plan_for("managed-compute")
    (identity,) = plan.of_type(IDENTITY)
    (cluster,) = plan.of_type(COMPUTE)
    (storage,) = plan.of_type(STORAGE)
    # The SDK's input is a list of ids (pulumi-azure-native turns it into ARM's {id: {}} map).
    assert cluster.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity.id]}
    grants = [a for a in plan.of_type(ROLE) if a.inputs["principalId"] == f"principal-{identity.name}"]
    assert [(a.inputs["scope"], a.inputs["roleDefinitionId"].rsplit("/", 1)[-1]) for a in grants] == [
        (storage.id, "ba92f5b4-2d11-453d-a403-e96b0029c9fe")  # Storage Blob Data Contributor
    ]
    assert grants[0].inputs["principalType"] == "ServicePrincipal"
    # The cluster waits for its quota, its identity's grant and the hub identity's grants.
    hub_identity = next(w for w in plan.of_type(WORKSPACE) if w.inputs["kind"] == "Hub")
    hub_grants = [a.urn for a in plan.of_type(ROLE) if a.inputs["principalId"] == f"principal-{hub_identity.name}"]
    quota = next(r for r in plan.resources if r.type == "pulumi-python:dynamic:Resource")
    assert {quota.urn, grants[0].urn, *hub_grants} <= set(cluster.depends_on) and hub_grants


def test_a_private_hub_builds_its_network_now_and_takes_outbound_rules() -> None:
    env = parse_environment({
        "name": "ftpriv", "resource_group": {"location": "eastus2"}, "network": {"mode": "private"},
        "hub": {"projects": [{"name": "p1"}], "outbound_rules": [
            {"name": "pypi", "fqdn": "pypi.org"}, {"name": "pythonhosted", "fqdn": "*.pythonhosted.org"}]},
    })  # fmt: skip
    (hub,) = [w for w in run_program(env).of_type(WORKSPACE) if w.inputs["kind"] == "Hub"]
    assert hub.inputs["provisionNetworkNow"] is True
    assert hub.inputs["managedNetwork"] == {
        "isolationMode": "AllowOnlyApprovedOutbound",
        "outboundRules": {
            "pypi": {"type": "FQDN", "category": "UserDefined", "destination": "pypi.org"},
            "pythonhosted": {"type": "FQDN", "category": "UserDefined", "destination": "*.pythonhosted.org"},
        },
    }
    public = load_stack_file("managed-compute")
    (open_hub,) = [w for w in run_program(public).of_type(WORKSPACE) if w.inputs["kind"] == "Hub"]
    assert "provisionNetworkNow" not in open_hub.inputs  # an internet-outbound hub keeps Azure's default


def test_outbound_rules_need_an_approved_outbound_network() -> None:
    base = {"name": "ftpub", "resource_group": {"location": "eastus2"}}
    rules = [{"name": "pypi", "fqdn": "pypi.org"}, {"name": "pypi", "fqdn": "files.pythonhosted.org"}]
    with pytest.raises(ConfigError) as caught:
        parse_environment({**base, "hub": {"projects": [{"name": "p1"}], "outbound_rules": rules}})
    assert [p.path for p in caught.value.problems] == ["hub.outbound_rules", "hub.outbound_rules[1].name"]
    assert "allow_only_approved_outbound" in caught.value.problems[0].message


def test_deployer_roles_are_least_privilege(plan_for) -> None:
    plan = plan_for("dev")
    roles = {a.inputs["roleDefinitionId"].rsplit("/", 1)[-1] for a in plan.of_type(ROLE)}
    assert "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68" not in roles  # Cognitive Services Contributor: can list keys
    assert "a001fd3d-188f-4b5d-821b-7da978bf7442" in roles  # OpenAI Contributor: deployments and fine-tunes


# ---- placeholders, and errors as `pulumi preview` shows them ----


def test_placeholder_principal_ids_are_refused_with_the_fix() -> None:
    base = {"name": "ftx", "resource_group": {"location": "swedencentral"}, "regions": [{"location": "swedencentral"}]}
    with pytest.raises(ConfigError) as caught:
        parse_environment({**base, "access": [{"principal_id": "00000000-0000-0000-0000-0000000000a1",
                                               "roles": ["Azure AI User"]}]})  # fmt: skip
    assert "is a placeholder, not an object id" in str(caught.value.problems[0])
    real = parse_environment({**base, "access": [{"principal_id": DEPLOYER, "roles": ["Azure AI User"]}]})
    assert real.access[0].principal_id == DEPLOYER
    with pytest.raises(ConfigError, match="deployer settings"):
        run_program(real, deployer_principal_id="00000000-0000-0000-0000-000000000000")


def test_preview_of_a_broken_stack_raises_run_error_listing_each_problem() -> None:
    stack = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())["config"]["ftops:environment"]
    broken = {**stack, "regions": [{"location": "swedncentral"}], "fine_tunes": [{"model": "gpt-9", "method": "sft"}]}
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_mocks(make_mocks([]), project="ftops", stack="broken", preview=True)
    pulumi.runtime.set_all_config({"ftops:environment": json.dumps(broken)})
    try:
        with pytest.raises(pulumi.RunError) as caught:
            runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")  # the engine runs the root program
    finally:
        pulumi.runtime.set_all_config({})
    message = str(caught.value)
    assert "regions[0].location: unknown Azure region 'swedncentral'" in message
    assert "gpt-9" in message and message.count("\n  - ") >= 2
    assert "\nhow to fix: " in message and "Traceback" not in message


def test_plan_json_carries_every_input_with_secrets_masked(plan_for) -> None:
    code, out, _ = cli_run(["plan", "--stack", "dev", "--json"])
    assert code == 0
    rows = json.loads(out)["resources"]
    account = next(r for r in rows if r["type"] == ACCOUNT)
    # The whole body pulumi-azure-native would send, not a summary.
    assert account["inputs"]["properties"]["disableLocalAuth"] is True
    assert account["inputs"]["properties"]["networkAcls"] == {"defaultAction": "Allow", "bypass": "AzureServices"}
    assert account["inputs"]["sku"] == {"name": "S0"} and account["protect"] is True
    project = next(r for r in rows if r["type"] == "azure-native:cognitiveservices:Project")
    assert f"{ACCOUNT}::{account['name']}" in project["depends_on"]
    assert masked({"properties": {"clientSecret": "s3", "adminPassword": "p", "name": "n"}}) == {
        "properties": {"clientSecret": "[secret]", "adminPassword": "[secret]", "name": "n"}
    }
    wire_secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "x"}
    assert masked({"token": "t", "connection": wire_secret}) == {"token": "[secret]", "connection": "[secret]"}


def test_check_shows_the_names_the_plan_uses_for_a_subscription(env_for) -> None:
    from ftops.stack.summary import summarize

    env = env_for("dev")
    planned = run_program(env, subscription_id=SUB_A).of_type(ACCOUNT)[0].inputs["accountName"]
    assert summarize(env, subscription_id=SUB_A)["accounts"][0]["account"] == planned
    # Offline, without a subscription, the part only the subscription decides is masked, not made up.
    assert summarize(env)["accounts"][0]["account"] == planned[:-6] + "******"


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_logical_names_and_parents_of_deployed_stacks_do_not_move(stack: str, plan_for) -> None:
    """Every (type, logical name, parent) the program made before names carried the subscription is still made:
    state keyed by them keeps matching, so `pulumi up` on an existing stack replaces nothing by name."""
    recorded = json.loads((Path(__file__).parent / "logical_names.json").read_text())[stack]
    plan = plan_for(stack)
    now = set()
    for resource in (*plan.resources, *plan.components):
        parent = plan.by_urn(resource.parent or "")
        now.add((resource.type, resource.name, parent.name if parent else ""))
    missing = [tuple(r) for r in recorded["kept_from_before_subscription_names"] if tuple(r) not in now]
    assert missing == []
