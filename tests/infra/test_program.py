"""The Pulumi program's real resource graph under mocks: types, parents, regions, security, access, outputs."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from ftops.config import load_stack_file, parse_environment
from ftops.naming import RULES
from ftops.outputs import parse_outputs
from ftops.plan import Plan, run_program
from ftops.roles import ROLES

ACCOUNT = "azure-native:cognitiveservices:Account"
PROJECT = "azure-native:cognitiveservices:Project"
DEPLOYMENT = "azure-native:cognitiveservices:Deployment"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
STORAGE = "azure-native:storage:StorageAccount"
VAULT = "azure-native:keyvault:Vault"
ROLE = "azure-native:authorization:RoleAssignment"


def parent_type(resource) -> str:
    return (resource.parent or "").split("::")[-2].split("$")[-1] if resource.parent else ""


def test_outputs_validate_against_the_contract(stack_plan: tuple[str, Plan]) -> None:
    stack, plan = stack_plan
    outputs = parse_outputs(plan.outputs, source=stack)
    env = load_stack_file(stack)
    assert [r.location for r in outputs.regions] == [r.location for r in env.regions]
    for region, spec in zip(outputs.regions, env.regions, strict=True):
        assert region.account_id.endswith(f"/accounts/{region.account_name}")
        assert region.endpoint == f"https://{region.account_name}.openai.azure.com/"
        assert [p.name for p in region.projects] == [p.name for p in spec.projects]
    assert (outputs.hub is None) == (env.hub is None)
    if outputs.hub:
        assert [p.name for p in outputs.hub.projects] == [p.name for p in env.hub.projects]
        assert outputs.hub.id.endswith(f"/workspaces/{outputs.hub.name}")


def test_every_resource_is_in_the_stack_region_and_parented_to_a_component(stack_plan: tuple[str, Plan]) -> None:
    stack, plan = stack_plan
    env = load_stack_file(stack)
    allowed = {env.location, *(r.location for r in env.regions), "global"}
    for resource in plan.resources:
        if "location" in resource.inputs:
            assert resource.inputs["location"] in allowed, (resource.name, resource.inputs["location"])
        # Parented to a component, or to a resource inside one (a DNS link under its zone).
        assert "ftops:azure:" in (resource.parent or ""), (resource.type, resource.parent)


def test_accounts_are_ai_services_with_project_management_and_no_keys(stack_plan: tuple[str, Plan]) -> None:
    stack, plan = stack_plan
    env = load_stack_file(stack)
    accounts = plan.of_type(ACCOUNT)
    assert len(accounts) == len(env.regions)
    for account in accounts:
        props = account.props
        assert account.inputs["kind"] == "AIServices" and account.inputs["sku"]["name"] == "S0"
        assert props["allowProjectManagement"] is True
        assert props["disableLocalAuth"] is True
        assert props["customSubDomainName"] == account.inputs["accountName"]
        assert account.inputs["identity"]["type"] == "SystemAssigned"
        private = env.network.mode == "private"
        assert props["publicNetworkAccess"] == ("Disabled" if private else "Enabled")
        assert parent_type(account) == "ftops:azure:FoundryAccount"
    projects = plan.of_type(PROJECT)
    assert len(projects) == sum(len(r.projects) for r in env.regions)
    for project in projects:
        assert project.inputs["accountName"] in {a.inputs["accountName"] for a in accounts}


def test_deployments_on_one_account_are_chained(plan_for) -> None:
    env = parse_environment({
        "name": "ftchain", "resource_group": {"location": "swedencentral"},
        "regions": [{"location": "swedencentral", "deployments": [
            {"name": "a1", "model": "gpt-4.1-mini"}, {"name": "b1", "model": "gpt-4.1"},
            {"name": "c1", "model": "gpt-4o-mini", "sku": "Standard", "capacity": 5}]}],
    })  # fmt: skip
    plan = run_program(env)
    deployments = plan.of_type(DEPLOYMENT)
    assert [d.inputs["deploymentName"] for d in deployments] == ["a1", "b1", "c1"]
    for before, after in itertools.pairwise(deployments):
        assert any(dep.endswith(f"::{before.name}") for dep in after.depends_on), after.depends_on
    assert deployments[1].props["model"] == {"format": "OpenAI", "name": "gpt-4.1", "version": "2025-04-14"}
    assert deployments[2].inputs["sku"] == {"name": "Standard", "capacity": 5}


def test_hub_is_secure_by_default(plan_for) -> None:
    for stack in ("open-models", "managed-compute"):
        plan = plan_for(stack)
        private = stack == "open-models"
        (storage,) = plan.of_type(STORAGE)
        assert storage.inputs["allowBlobPublicAccess"] is False
        assert storage.inputs["allowSharedKeyAccess"] is False
        assert storage.inputs["minimumTlsVersion"] == "TLS1_2"
        assert storage.inputs["enableHttpsTrafficOnly"] is True
        (vault,) = plan.of_type(VAULT)
        props = vault.props
        assert props["enableRbacAuthorization"] is True and props["enableSoftDelete"] is True
        assert props["enablePurgeProtection"] is True and props["tenantId"]
        hubs = [w for w in plan.of_type(WORKSPACE) if w.inputs["kind"] == "Hub"]
        assert len(hubs) == 1
        hub = hubs[0]
        assert hub.inputs["systemDatastoresAuthMode"] == "identity"
        assert hub.inputs["storageAccount"].endswith(storage.inputs["accountName"])
        assert hub.inputs["keyVault"].endswith(vault.inputs["vaultName"])
        isolation = "AllowOnlyApprovedOutbound" if private else "AllowInternetOutbound"
        assert hub.inputs["managedNetwork"] == {"isolationMode": isolation}
        assert hub.inputs["publicNetworkAccess"] == ("Disabled" if private else "Enabled")


def test_hub_projects_come_after_their_hub_in_its_region(plan_for) -> None:
    plan = plan_for("open-models")
    hub = next(w for w in plan.of_type(WORKSPACE) if w.inputs["kind"] == "Hub")
    projects = [w for w in plan.of_type(WORKSPACE) if w.inputs["kind"] == "Project"]
    assert projects
    for project in projects:
        assert project.inputs["hubResourceId"] == hub.id
        assert project.inputs["location"] == hub.inputs["location"]
        assert any("ftops:azure:Hub::" in dep for dep in project.depends_on) or any(
            dep.endswith("::ftops-hub-workspace") for dep in project.depends_on
        ), project.depends_on
    subscriptions = plan.of_type("azure-native:machinelearningservices:MarketplaceSubscription")
    assert [s.props["modelId"] for s in subscriptions] == ["azureml://registries/azureml-mistral/models/Mistral-Nemo"]


def test_private_network_puts_everything_behind_private_endpoints(plan_for) -> None:
    plan = plan_for("open-models")
    endpoints = plan.of_type("azure-native:network:PrivateEndpoint")
    groups = Counter(e.inputs["privateLinkServiceConnections"][0]["groupIds"][0] for e in endpoints)
    assert groups == Counter({"amlworkspace": 1, "blob": 1, "file": 1, "vault": 1})
    zones = {z.inputs["privateZoneName"] for z in plan.of_type("azure-native:privatedns:PrivateZone")}
    assert {
        "privatelink.blob.core.windows.net",
        "privatelink.vaultcore.azure.net",
        "privatelink.api.azureml.ms",
    } <= zones
    assert len(plan.of_type("azure-native:network:PrivateDnsZoneGroup")) == len(endpoints)
    assert not plan_for("dev").of_type("azure-native:network:PrivateEndpoint")


def test_role_assignments_use_the_role_table(stack_plan: tuple[str, Plan]) -> None:
    stack, plan = stack_plan
    env = load_stack_file(stack)
    assignments = plan.of_type(ROLE)
    ids = {role.definition_id: role for role in ROLES.values()}
    for assignment in assignments:
        role_id = assignment.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
        assert role_id in ids
        assert assignment.inputs["roleDefinitionId"].startswith("/subscriptions/")
        assert re.fullmatch(r"[0-9a-f-]{36}", assignment.inputs["roleAssignmentName"])
    names = [a.inputs["roleAssignmentName"] for a in assignments]
    assert len(names) == len(set(names))
    for grant in env.access:
        mine = [a for a in assignments if a.inputs["principalId"] == grant.principal_id]
        assert {ids[a.inputs["roleDefinitionId"].rsplit("/", 1)[-1]].name for a in mine} == set(grant.roles)
    deployer = [a for a in assignments if a.inputs["principalId"] == "22222222-2222-2222-2222-222222222222"]
    assert deployer, "the deploying identity gets the roles ftops needs"
    if env.hub is not None:
        hub_storage = [a for a in assignments if a.inputs["principalId"].startswith("principal-")]
        assert {ids[a.inputs["roleDefinitionId"].rsplit("/", 1)[-1]].name for a in hub_storage} == {
            "Storage Blob Data Contributor", "Storage File Data Privileged Contributor"}  # fmt: skip


def test_names_fit_azure_rules_and_are_unique(stack_plan: tuple[str, Plan]) -> None:
    _, plan = stack_plan
    checks = {
        ACCOUNT: ("accountName", "ai_services"),
        STORAGE: ("accountName", "storage"),
        VAULT: ("vaultName", "key_vault"),
    }
    for token, (key, kind) in checks.items():
        for resource in plan.of_type(token):
            name = resource.inputs[key]
            assert len(name) <= RULES[kind].max_length
            pattern = r"[a-z0-9]{3,24}" if kind == "storage" else r"[a-z][a-z0-9-]*[a-z0-9]"
            assert re.fullmatch(pattern, name), name
    logical = [(r.type, r.name) for r in plan.resources]
    assert len(logical) == len(set(logical))


def test_long_environment_names_still_make_valid_names() -> None:
    env = parse_environment({
        "name": "a" * 31 + "z", "resource_group": {"location": "swedencentral"},
        "hub": {"projects": [{"name": "p" * 31 + "q"}]},
        "regions": [{"location": "germanywestcentral", "projects": [{"name": "x" * 32}]}],
    })  # fmt: skip
    plan = run_program(env)
    storage = plan.of_type(STORAGE)[0].inputs["accountName"]
    vault = plan.of_type(VAULT)[0].inputs["vaultName"]
    workspaces = [w.inputs["workspaceName"] for w in plan.of_type(WORKSPACE)]
    assert len(storage) <= 24 and len(vault) <= 24 and all(len(w) <= 32 for w in workspaces)
    assert re.fullmatch(r"[a-z0-9]+", storage) and re.fullmatch(r"[a-z][a-z0-9-]+[a-z0-9]", vault)


def test_no_secret_reaches_the_outputs(stack_plan: tuple[str, Plan]) -> None:
    _, plan = stack_plan
    text = repr(plan.outputs).lower()
    for word in ("key1", "apikey", "api_key", "password", "connectionstring", "sas"):
        assert word not in text


def test_protect_flag_reaches_stateful_resources() -> None:
    env = load_stack_file("managed-compute")
    protected = run_program(env, protect=True)
    unprotected = run_program(env, protect=False)
    for token in (STORAGE, VAULT):
        assert all(r.protect for r in protected.of_type(token))
        assert not any(r.protect for r in unprotected.of_type(token))
    assert not any(r.protect for r in protected.of_type("azure-native:operationalinsights:Workspace"))


def test_bad_config_fails_like_check() -> None:
    from ftops.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_environment({"name": "x1", "resource_group": {"location": "nowhere"}})
    assert caught.value.problems[0].path == "resource_group.location"


def test_sixteen_regions_of_four_projects_evaluate() -> None:
    from ftops.plan_scale import wide_environment

    plan = run_program(wide_environment(16), deployer_principal_id="22222222-2222-2222-2222-222222222222")
    outputs = parse_outputs(plan.outputs, source="scale")
    assert len(outputs.regions) == 16 and all(len(r.projects) == 4 for r in outputs.regions)
    assert len(plan.of_type(PROJECT)) == 64 and len(plan.of_type(DEPLOYMENT)) == 16
    assert len({a.inputs["accountName"] for a in plan.of_type(ACCOUNT)}) == 16
