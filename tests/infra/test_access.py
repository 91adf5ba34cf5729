"""Role assignments: configured principals, the deploying identity, the hub's identity; ids from one table."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from ftops_infra.components.access import DEPLOYER_ROLES, HUB_IDENTITY_ROLES
from ftops_infra.plan import SUBSCRIPTION, Plan, run_program

from ftops.errors import ConfigError
from ftops.stack.roles import ROLES

ROLE = "azure-native:authorization:RoleAssignment"
DEPLOYER = "22222222-2222-2222-2222-222222222222"  # what conftest plans with
BY_ID = {role.definition_id: role for role in ROLES.values()}


def scopes_by_kind(plan: Plan) -> dict[str, set[str]]:
    """The ARM ids each role scope kind stands for in this plan."""
    workspaces = plan.of_type("azure-native:machinelearningservices:Workspace")
    return {
        "account": {a.id for a in plan.of_type("azure-native:cognitiveservices:Account")},
        "hub_project": {w.id for w in workspaces if w.inputs["kind"] == "Project"},
        "hub": {w.id for w in workspaces if w.inputs["kind"] == "Hub"},
        "storage": {s.id for s in plan.of_type("azure-native:storage:StorageAccount")},
        "resource_group": {g.id for g in plan.of_type("azure-native:resources:ResourceGroup")},
        "subscription": {f"/subscriptions/{SUBSCRIPTION}"},
    }


def grants_of(plan: Plan, principal: str) -> dict[str, set[str]]:
    """role name -> scopes assigned to `principal`."""
    found: dict[str, set[str]] = defaultdict(set)
    for assignment in plan.of_type(ROLE):
        if assignment.inputs["principalId"] == principal:
            found[BY_ID[assignment.inputs["roleDefinitionId"].rsplit("/", 1)[-1]].name].add(assignment.inputs["scope"])
    return dict(found)


def expected(plan: Plan, roles: tuple[str, ...] | list[str]) -> dict[str, set[str]]:
    """Each role on every scope of its kind the plan has (none where the stack has no such scope)."""
    kinds = scopes_by_kind(plan)
    return {name: kinds[ROLES[name].scope] for name in roles if kinds[ROLES[name].scope]}


def test_every_assignment_uses_a_table_role_and_a_stable_unique_name(stack_plan: tuple[str, Plan]) -> None:
    _, plan = stack_plan
    assignments = plan.of_type(ROLE)
    for assignment in assignments:
        path = assignment.inputs["roleDefinitionId"]
        assert re.fullmatch(
            rf"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/[0-9a-f-]{{36}}", path
        )
        assert path.rsplit("/", 1)[-1] in BY_ID
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            assignment.inputs["roleAssignmentName"])  # fmt: skip
    names = [a.inputs["roleAssignmentName"] for a in assignments]
    assert len(names) == len(set(names))
    # Azure refuses two assignments of one role to one principal on one scope.
    triples = [(a.inputs["principalId"], a.inputs["roleDefinitionId"], a.inputs["scope"]) for a in assignments]
    assert len(triples) == len(set(triples))


def test_assignment_names_are_the_same_on_every_run(env_for) -> None:
    env = env_for("private-multi")
    first = sorted(
        a.inputs["roleAssignmentName"] for a in run_program(env, deployer_principal_id=DEPLOYER).of_type(ROLE)
    )
    again = sorted(
        a.inputs["roleAssignmentName"] for a in run_program(env, deployer_principal_id=DEPLOYER).of_type(ROLE)
    )
    assert first == again  # a rerun of `pulumi up` updates nothing


def test_configured_principals_get_exactly_their_roles_where_they_apply(stack_plan, env_for) -> None:
    stack, plan = stack_plan
    for grant in env_for(stack).access:
        assert grants_of(plan, grant.principal_id) == expected(plan, grant.roles)
        types = {a.inputs["principalType"] for a in plan.of_type(ROLE) if a.inputs["principalId"] == grant.principal_id}
        assert types == {grant.principal_type}


def test_the_deployer_gets_what_the_cli_needs(stack_plan: tuple[str, Plan]) -> None:
    _, plan = stack_plan
    granted = grants_of(plan, DEPLOYER)
    assert granted == expected(plan, DEPLOYER_ROLES)
    # Quota usages are read per location under the subscription: a resource-group grant would not do.
    assert granted["Cognitive Services Usages Reader"] == {f"/subscriptions/{SUBSCRIPTION}"}
    # ftops:deployerPrincipalType defaults to User (Azure refuses a type that does not match the principal).
    assert {a.inputs["principalType"] for a in plan.of_type(ROLE) if a.inputs["principalId"] == DEPLOYER} == {"User"}


def test_the_outputs_list_exactly_the_deployers_grants_as_caller_roles(stack_plan: tuple[str, Plan]) -> None:
    """`caller_roles` is the contract ftops.jobs.propagation reads to wait out role propagation after `pulumi up`."""
    from ftops.stack.outputs import parse_outputs

    _, plan = stack_plan
    listed: dict[str, set[str]] = defaultdict(set)
    for grant in plan.outputs["caller_roles"]:
        listed[grant["role"]].add(grant["scope"])
    assert dict(listed) == grants_of(plan, DEPLOYER) and listed
    parsed = parse_outputs(plan.outputs, source="plan")
    for region in parsed.regions:  # each account's data-plane role is there for the launch's role wait
        assert any(r.role == "Azure AI User" and r.scope == region.account_id for r in parsed.caller_roles)


def test_a_service_principal_deployer_is_assigned_as_one(env_for) -> None:
    plan = run_program(env_for("dev"), deployer_principal_id=DEPLOYER, deployer_principal_type="ServicePrincipal")
    assert {a.inputs["principalType"] for a in plan.of_type(ROLE)} == {"ServicePrincipal"}


@pytest.mark.parametrize(
    ("principal", "kind", "path"),
    [("me@example.com", "User", "ftops:deployerPrincipalId"), (DEPLOYER, "App", "ftops:deployerPrincipalType")],
)
def test_bad_deployer_settings_stop_before_anything_is_planned(env_for, principal, kind, path) -> None:
    with pytest.raises(ConfigError) as caught:
        run_program(env_for("dev"), deployer_principal_id=principal, deployer_principal_type=kind)
    assert [p.path for p in caught.value.problems] == [path] and caught.value.hint


def test_no_deployer_no_deployer_grants(env_for) -> None:
    plan = run_program(env_for("dev"))
    assert not plan.of_type(ROLE) and plan.outputs["caller_roles"] == []


def test_the_hub_identity_gets_its_file_share_and_endpoint_approval(stack_plan: tuple[str, Plan]) -> None:
    _, plan = stack_plan
    hubs = [w for w in plan.of_type("azure-native:machinelearningservices:Workspace") if w.inputs["kind"] == "Hub"]
    # Managed identities the mocks answered for: the hub's, and the cluster's user-assigned one (its own test).
    compute = {f"principal-{i.name}" for i in plan.of_type("azure-native:managedidentity:UserAssignedIdentity")}
    identities = {
        a.inputs["principalId"] for a in plan.of_type(ROLE) if a.inputs["principalId"].startswith("principal-")
    } - compute
    if not hubs:
        assert not identities
        return
    # The principal the mock answered for the hub workspace's system identity: read from the hub, not guessed.
    assert identities == {f"principal-{hubs[0].name}"}
    granted = grants_of(plan, f"principal-{hubs[0].name}")
    assert granted == expected(plan, HUB_IDENTITY_ROLES)
    # Azure gives the hub's identity Storage Blob Data Contributor itself; assigning it again would be refused.
    assert "Storage Blob Data Contributor" not in granted
    hub_assignments = [a for a in plan.of_type(ROLE) if a.inputs["principalId"] in identities]
    assert {a.inputs["principalType"] for a in hub_assignments} == {"ServicePrincipal"}


def test_private_multi_region_access_in_numbers(plan_for) -> None:
    """2 accounts, 2 hub projects: the grants multiply out as a reviewer would count them."""
    plan = plan_for("private-multi")
    group = "d4d4d4d4-0000-4000-8000-0000000000d4"
    assert {role: len(scopes) for role, scopes in grants_of(plan, group).items()} == {
        "Azure AI User": 2, "Azure AI Developer": 2}  # fmt: skip
    hub = {role: len(scopes) for role, scopes in grants_of(plan, "principal-ftops-hub-workspace").items()}
    assert hub == {"Storage File Data Privileged Contributor": 1, "Azure AI Enterprise Network Connection Approver": 2}
    assert len(plan.of_type(ROLE)) == 15
