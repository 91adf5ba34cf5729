"""Secure by default, each property checked: no keys, no public blobs, TLS 1.2, RBAC vaults, private networking."""

from __future__ import annotations

from collections import Counter

from ftops_infra.components.network import ZONES, endpoint_subnet
from ftops_infra.plan import TENANT, Plan, run_program

from ftops.stack.outputs import parse_outputs

ACCOUNT = "azure-native:cognitiveservices:Account"
WORKSPACE = "azure-native:machinelearningservices:Workspace"
CONNECTION = "azure-native:machinelearningservices:WorkspaceConnection"
STORAGE = "azure-native:storage:StorageAccount"
VAULT = "azure-native:keyvault:Vault"
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE = "azure-native:privatedns:PrivateZone"


def test_accounts_are_ai_services_with_project_management_and_no_keys(stack_plan: tuple[str, Plan], env_for) -> None:
    stack, plan = stack_plan
    env = env_for(stack)
    accounts = plan.of_type(ACCOUNT)
    assert len(accounts) == len(env.regions)
    for account in accounts:
        props = account.props
        assert account.inputs["kind"] == "AIServices" and account.inputs["sku"] == {"name": "S0"}
        assert account.inputs["identity"] == {"type": "SystemAssigned"}
        assert props["allowProjectManagement"] is True
        assert props["disableLocalAuth"] is True
        assert props["customSubDomainName"] == account.inputs["accountName"]
        if env.network.mode == "private":
            assert props["publicNetworkAccess"] == "Disabled"
            assert props["networkAcls"] == {"defaultAction": "Deny", "bypass": "AzureServices"}
        else:
            assert props["publicNetworkAccess"] == "Enabled" and props["networkAcls"]["defaultAction"] == "Allow"


def test_hub_storage_vault_and_monitoring_are_locked_down(stack_plan: tuple[str, Plan], env_for) -> None:
    stack, plan = stack_plan
    hubs = [w for w in plan.of_type(WORKSPACE) if w.inputs["kind"] == "Hub"]
    if not hubs:
        assert not plan.of_type(STORAGE) and not plan.of_type(VAULT)
        return
    closed = env_for(stack).network.mode == "private"
    (storage,) = plan.of_type(STORAGE)
    assert storage.inputs["allowBlobPublicAccess"] is False
    assert storage.inputs["allowSharedKeyAccess"] is False
    assert storage.inputs["defaultToOAuthAuthentication"] is True
    assert storage.inputs["allowCrossTenantReplication"] is False
    assert storage.inputs["minimumTlsVersion"] == "TLS1_2"
    assert storage.inputs["enableHttpsTrafficOnly"] is True
    assert storage.inputs["publicNetworkAccess"] == ("Disabled" if closed else "Enabled")
    assert storage.inputs["networkRuleSet"]["defaultAction"] == ("Deny" if closed else "Allow")
    (vault,) = plan.of_type(VAULT)
    props = vault.props
    assert props["enableRbacAuthorization"] is True
    assert props["enableSoftDelete"] is True and props["softDeleteRetentionInDays"] == 90
    assert props["enablePurgeProtection"] is True
    assert props["tenantId"] == TENANT  # the deploying tenant, from getClientConfig
    assert props["publicNetworkAccess"] == ("Disabled" if closed else "Enabled")
    (insights,) = plan.of_type("azure-native:applicationinsights:Component")
    (logs,) = plan.of_type("azure-native:operationalinsights:Workspace")
    assert insights.inputs["disableLocalAuth"] is True and insights.inputs["workspaceResourceId"] == logs.id
    (hub,) = hubs
    assert hub.inputs["systemDatastoresAuthMode"] == "Identity"  # storage without shared keys
    assert hub.inputs["identity"] == {"type": "SystemAssigned"}
    assert (hub.inputs["storageAccount"], hub.inputs["keyVault"]) == (storage.id, vault.id)
    assert hub.inputs["applicationInsights"] == insights.id
    isolation = "AllowOnlyApprovedOutbound" if closed else "AllowInternetOutbound"
    assert hub.inputs["managedNetwork"] == {"isolationMode": isolation}
    for workspace in plan.of_type(WORKSPACE):
        assert workspace.inputs["publicNetworkAccess"] == ("Disabled" if closed else "Enabled")


def test_hub_connects_to_every_account_with_entra_id(stack_plan: tuple[str, Plan]) -> None:
    _, plan = stack_plan
    connections = plan.of_type(CONNECTION)
    if not connections:
        return
    accounts = {a.id: a for a in plan.of_type(ACCOUNT)}
    assert {c.props["metadata"]["ResourceId"] for c in connections} == set(accounts)
    for connection in connections:
        account = accounts[connection.props["metadata"]["ResourceId"]]
        assert connection.props["authType"] == "AAD" and connection.props["category"] == "AIServices"
        # The endpoint Azure reports for the account (the mock answers it), not one the program guessed.
        assert connection.props["target"] == f"https://{account.inputs['accountName']}.cognitiveservices.azure.com/"
        assert "credentials" not in connection.props


def test_private_network_puts_every_service_behind_an_endpoint_in_the_network(plan_for, env_for) -> None:
    for stack in ("open-models", "private-multi"):
        plan, env = plan_for(stack), env_for(stack)
        (subnet,) = plan.of_type("azure-native:network:Subnet")
        assert subnet.inputs["addressPrefix"] == endpoint_subnet(env.network.address_space)
        targets = {**{a.id: "account" for a in plan.of_type(ACCOUNT)},
                   **{w.id: "amlworkspace" for w in plan.of_type(WORKSPACE) if w.inputs["kind"] == "Hub"},
                   plan.of_type(VAULT)[0].id: "vault"}  # fmt: skip
        endpoints = plan.of_type(ENDPOINT)
        seen = Counter()
        for endpoint in endpoints:
            (connection,) = endpoint.inputs["privateLinkServiceConnections"]
            (group,) = connection["groupIds"]
            target = connection["privateLinkServiceId"]
            assert targets.get(target, "blob/file" if target == plan.of_type(STORAGE)[0].id else None) in (
                group, "blob/file")  # fmt: skip
            assert endpoint.inputs["subnet"] == {"id": subnet.id} and endpoint.inputs["location"] == env.location
            seen[group] += 1
        assert seen == Counter({"account": len(env.regions), "amlworkspace": 1, "blob": 1, "file": 1, "vault": 1})
        zones = {z.inputs["privateZoneName"]: z for z in plan.of_type(ZONE)}
        assert set(zones) == {zone for group in seen for zone in ZONES[group]}
        links = plan.of_type("azure-native:privatedns:VirtualNetworkLink")
        vnet = plan.of_type("azure-native:network:VirtualNetwork")[0]
        assert sorted(link.inputs["privateZoneName"] for link in links) == sorted(zones)
        assert all(link.inputs["virtualNetwork"] == {"id": vnet.id} for link in links)
        by_endpoint = {
            g.inputs["privateEndpointName"]: g for g in plan.of_type("azure-native:network:PrivateDnsZoneGroup")
        }
        for endpoint in endpoints:
            group = endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"][0]
            configs = by_endpoint[endpoint.inputs["privateEndpointName"]].inputs["privateDnsZoneConfigs"]
            assert [c["privateDnsZoneId"] for c in configs] == [zones[z].id for z in ZONES[group]]


def test_public_stacks_have_no_network_resources(plan_for) -> None:
    for stack in ("dev", "multi-region", "managed-compute"):
        assert not [r for r in plan_for(stack).resources if r.type.split(":")[1] in ("network", "privatedns")]


def test_subnet_fits_any_allowed_address_space() -> None:
    assert endpoint_subnet("10.40.0.0/16") == "10.40.0.0/24"
    assert endpoint_subnet("192.168.8.0/22") == "192.168.8.0/24"
    assert endpoint_subnet("10.1.2.0/26") == "10.1.2.0/26"


def test_protect_flag_reaches_exactly_the_stateful_resources(env_for) -> None:
    env = env_for("private-multi")
    stateful = {ACCOUNT, STORAGE, VAULT, WORKSPACE}
    protected = run_program(env, protect=True)
    assert {r.type for r in protected.resources if r.protect} == stateful
    assert all(r.protect for r in protected.resources if r.type in stateful)
    assert not any(r.protect for r in run_program(env, protect=False).resources)


def test_outputs_hold_nothing_secret(stack_plan: tuple[str, Plan]) -> None:
    stack, plan = stack_plan
    # The contract forbids extra keys and has no secret field, so a key or connection string cannot slip in.
    parse_outputs(plan.outputs, source=stack)
    text = repr(plan.outputs).lower()
    for word in ("key1", "apikey", "api_key", "password", "connectionstring", "accountkey", "sig="):
        assert word not in text
