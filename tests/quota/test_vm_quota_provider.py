"""The VmQuota dynamic provider against the emulator's Machine Learning usages and Microsoft.Quota.

Request states the emulator does not produce (Invalid, a request that never ends, a regional total that is
too small) are driven through an httpx.MockTransport playing ARM, fed with Microsoft's own usage example.
The last tests start the provider as the Pulumi engine does and drive it over gRPC.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import dill
import grpc
import httpx
import pytest
import yaml
from ftops_infra.components.quota import EMULATOR_CONFIG, VmQuotaProvider, arm_client, credential, ensure_quota
from google.protobuf import empty_pb2, struct_pb2
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from ftops.azure.arm import ArmClient
from ftops.azure.auth import StaticTokenCredential
from ftops.azure.settings import load_settings
from ftops.azure.transport import RetryPolicy
from ftops.emulator.specs import CARRIED_SPECS
from ftops.errors import AzureFailureError, AzureRefusedError, UsageError, UserError

SUB = "00000000-0000-0000-0000-000000000001"
FAST = RetryPolicy(backoff_base=0.001, backoff_max=0.01, budget_seconds=10)
A100 = "standardNCADSA100v4Family"
USAGE_EXAMPLE = CARRIED_SPECS / "examples" / "arm-machinelearningservices-2024-10-01" / "Usage_list.abridged.json"


def arm() -> ArmClient:
    return ArmClient(SUB, policy=FAST, sleep=lambda s: None)


def provider() -> VmQuotaProvider:
    return VmQuotaProvider(lambda sub: arm())


def props(family: str, vcpus: int, location: str = "westus3") -> dict:
    return {"subscription_id": SUB, "location": location, "family": family, "vcpus": vcpus}


def limit(family: str, location: str = "westus3") -> int:
    with arm() as client:
        return client.quota.limit(location, family)


def test_enough_quota_requests_nothing(emulator):
    result = provider().create(props("standardNCSv3Family", 12))
    assert result.id == f"{SUB}/westus3/standardNCSv3Family"
    assert (result.outs["limit"], result.outs["used"], result.outs["requested"]) == (24, 0, None)
    assert emulator.arm.counters["quota_requests"] == 0


def test_short_quota_is_requested_and_approved(emulator):
    result = provider().create(props(A100, 48))
    (request_id,) = emulator.arm.quota_requests
    assert result.outs["requested"] == 48 and result.outs["request_id"] == request_id
    assert result.outs["limit"] == 48 and limit(A100) == 48


def test_escalated_request_fails_with_everything_needed_to_ask_by_hand(emulator):
    with pytest.raises(AzureRefusedError) as caught:
        provider().create(props(A100, 200))
    (request_id,) = emulator.arm.quota_requests
    error = caught.value
    assert f"VM quota for {A100} in westus3 was not raised automatically" in error.message
    assert "limit 0, used 0, wanted 200 more (new limit 200)" in error.message
    assert f"request {request_id} ended Failed: Quota increase needs a support request" in error.message
    assert error.request_id == request_id and error.code == "QuotaRequestEscalated"
    # `pulumi up` prints str(exc): the way to ask by hand is in it, not only in the CLI hint.
    assert "ask for it by hand" in str(error) and "request a new limit of 200 vCPUs" in str(error)
    assert f"mention request {request_id}" in str(error)
    assert limit(A100) == 0


def test_diff_only_when_the_wanted_vcpus_change():
    p = provider()
    old = {**props("standardNCSv3Family", 12), "limit": 24, "used": 0, "requested": None, "request_id": None}
    same = p.diff("id", old, {**props("standardNCSv3Family", 12), "limit": None, "used": None})
    assert same.changes is False and not same.replaces
    changed = p.diff("id", old, props("standardNCSv3Family", 18))
    assert changed.changes is True and not changed.replaces
    moved = p.diff("id", old, props("standardNCSv3Family", 12, location="eastus2"))
    assert moved.changes is True and moved.replaces == ["location"]


def test_update_raises_the_limit_and_a_429_while_polling_is_ridden_out(emulator):
    p = provider()
    first = p.create(props(A100, 24))
    emulator.set_faults("429 on=GET:*Microsoft.Quota* nth=1 retry-after=0")  # the first status read
    updated = p.update(first.id, first.outs, props(A100, 72))
    assert emulator.faults.rules[0].fired == 1  # the status read was throttled once, and retried
    assert updated.outs["requested"] == 72 and limit(A100) == 72
    assert emulator.arm.counters["quota_requests"] == 2


def test_delete_leaves_the_quota_alone_and_says_so(emulator, monkeypatch):
    said: list[str] = []  # Pulumi's log goes to whichever engine a previous test left; catch it here
    monkeypatch.setattr("pulumi.log.info", lambda msg, *a, **k: said.append(msg))
    p = provider()
    created = p.create(props(A100, 48))
    p.delete(created.id, created.outs)
    assert len(said) == 1 and f"VM quota for {A100} in westus3 is left as it is" in said[0]
    assert limit(A100) == 48 and emulator.arm.counters["quota_requests"] == 1


def test_unknown_family_is_a_clear_error(emulator):
    with pytest.raises(UserError, match="lists no VM family standardXYZFamily in westus3"):
        provider().create(props("standardXYZFamily", 4))
    assert emulator.arm.counters["quota_requests"] == 0


def test_the_provider_survives_pulumis_serialization(emulator):
    # Pulumi pickles the provider into the stack; it must carry no client, lock or credential.
    restored = dill.loads(base64.b64decode(serialize_provider(VmQuotaProvider())))
    assert isinstance(restored, VmQuotaProvider)
    assert restored.diff("id", props(A100, 24), props(A100, 24)).changes is False
    restored.configure(ConfigureRequest(Config({EMULATOR_CONFIG: emulator.url}, "ftops")))
    assert restored.create(props("standardNCSv3Family", 6)).outs["limit"] == 24  # reaches the emulator


def test_a_leftover_emulator_variable_is_not_followed(emulator):
    # FTOPS_AZURE_EMULATOR is set (the fixture): without ftops:azureEmulator the provider still targets Azure.
    unconfigured = VmQuotaProvider()
    unconfigured.configure(ConfigureRequest(Config({"azure-native:location": "westus3"}, "ftops")))
    with unconfigured.arm(SUB) as client:
        assert client.transport.base_url == "https://management.azure.com"
    assert emulator.arm.counters["quota_requests"] == 0


@pytest.mark.parametrize(
    ("config", "environ", "kind"),
    [
        # CI signed in only through ARM_* (a service principal with a secret), as azure-native reads them.
        ({}, {"ARM_CLIENT_ID": "c", "ARM_TENANT_ID": "t", "ARM_CLIENT_SECRET": "s"}, "ClientSecretCredential"),
        # GitHub OIDC: a federated token, no secret anywhere.
        ({}, {"ARM_USE_OIDC": "true", "ARM_CLIENT_ID": "c", "ARM_TENANT_ID": "t", "ARM_OIDC_TOKEN": "jwt"},
         "ClientAssertionCredential"),
        # The stack's azure-native config wins over the environment, as in the provider.
        ({"azure-native:clientId": "c", "azure-native:tenantId": "t", "azure-native:clientSecret": "s"},
         {"ARM_USE_MSI": "true"}, "ClientSecretCredential"),
        ({"azure-native:useMsi": "true"}, {}, "ManagedIdentityCredential"),
        ({}, {}, "AzureCliCredential"),  # azure-native's default: the az login
    ],
)  # fmt: skip
def test_the_provider_signs_in_as_azure_native_does(config, environ, kind):
    assert type(credential(config, environ)).__name__ == kind


def test_another_cloud_is_refused_before_any_call():
    with pytest.raises(UsageError, match="public Azure cloud only"):
        arm_client(SUB, {"azure-native:environment": "usgovernment"}, {})


def test_update_does_not_count_the_hubs_own_usage_twice():
    # The hub already runs 24 A100 vCPUs of the stack's 48; the subscription's usage counts them too.
    ws = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/hub-ftm"
    usages = {"value": [
        {"id": "/subscriptions/x/usages", "type": "Microsoft.MachineLearningServices/dedicatedCores/usages",
         "currentValue": 30, "limit": 400, "name": {"value": "Total Cluster Dedicated Regional vCPUs"}},
        {"id": "/subscriptions/x/usages/a100", "type": "Microsoft.MachineLearningServices/vmFamily/usages",
         "currentValue": 30, "limit": 48, "name": {"value": A100}},
        {"id": f"{ws}/usages/a100", "type": "Microsoft.MachineLearningServices/workspaces/usages",
         "currentValue": 24, "limit": 48, "name": {"value": A100}},
    ]}  # fmt: skip
    fake = FakeArm(["Succeeded"], usages=usages)
    with fake.client() as client:
        found = ensure_quota(client, "eastus", A100, 72, workspace="hub-ftm")
    # Others use 6: the new limit is 6 + 72 = 78, not 30 + 72 = 102.
    assert fake.puts[0]["properties"]["limit"]["value"] == 78 and found["requested"] == 78
    fake = FakeArm(["Succeeded"], usages=usages)
    with fake.client() as client:
        same = ensure_quota(client, "eastus", A100, 42, workspace="hub-ftm")
    # 6 + 42 = 48 fits the limit: nothing is asked (counting the hub twice would have asked for 72).
    assert same["requested"] is None and not fake.puts


# ---- ARM played by a MockTransport: states and usages the emulator does not produce ----


class FakeArm:
    """ML usages from Microsoft's example (or given), and a quota request that answers `states` in turn."""

    def __init__(self, states: list[str], usages: dict | None = None, refuse: bool = False) -> None:
        self.states = states
        self.refuse = refuse
        self.usages = usages if usages is not None else json.loads(USAGE_EXAMPLE.read_text())["responses"]["200"]
        self.puts: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/usages"):
            body = self.usages if "value" in self.usages else self.usages["body"]
            return httpx.Response(200, json=body)
        if request.method == "PUT":
            self.puts.append(json.loads(request.content))
            if self.refuse:
                error = {"code": "AuthorizationFailed", "message": "no Microsoft.Quota/quotas/write permission"}
                return httpx.Response(403, json={"error": error})
            status_url = str(request.url.copy_with(path=path.replace("/quotas/", "/operationsStatus/req-")))
            return httpx.Response(202, headers={"Location": status_url, "Retry-After": "0"})
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        props = {"provisioningState": state, "message": f"request is {state}"}
        return httpx.Response(200, json={"name": "req-1", "properties": props})

    def client(self) -> ArmClient:
        return ArmClient(
            SUB,
            StaticTokenCredential("t"),
            httpx.Client(transport=httpx.MockTransport(self)),
            settings=load_settings({"FTOPS_AZURE_EMULATOR": "http://127.0.0.1:9"}),
            policy=FAST,
            sleep=lambda s: None,
        )


def family_usage(family: str, used: int, limit: int) -> dict:
    return {
        "type": "Microsoft.MachineLearningServices/vmFamily/usages",
        "currentValue": used,
        "limit": limit,
        "name": {"value": family, "localizedValue": family},
    }


def test_a_200_with_a_location_to_the_quota_request_is_followed_to_its_end():
    """Microsoft's Quotas_Put_Request_ForCompute example: 200 with a `location` to quotaRequests/{id}."""
    reads: list[str] = []
    states = ["InProgress", "Succeeded"]
    waits: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/usages"):
            return httpx.Response(200, json={"value": [family_usage(A100, 0, 0)]})
        if request.method == "PUT":
            where = request.url.path.replace("/quotas/", "/quotaRequests/req-")
            body = {"name": A100, "properties": {"limit": {"limitObjectType": "LimitValue", "value": 24}}}
            return httpx.Response(200, json=body, headers={"location": f"{request.url.copy_with(path=where)}"})
        reads.append(request.url.path)
        state = states.pop(0)
        return httpx.Response(200, json={"properties": {"provisioningState": state}}, headers={"Retry-After": "7"})

    client = ArmClient(
        SUB,
        StaticTokenCredential("t"),
        httpx.Client(transport=httpx.MockTransport(handler)),
        settings=load_settings({"FTOPS_AZURE_EMULATOR": "http://127.0.0.1:9"}),
        policy=FAST,
        sleep=waits.append,
    )
    with client:
        found = ensure_quota(client, "eastus", A100, 24)
    assert len(reads) == 2 and all("/quotaRequests/req-" in r for r in reads)
    assert found["request_id"] == f"req-{A100}" and found["requested"] == 24
    assert waits == [7.0]  # no wait before the first read of a 200's monitor; Retry-After between reads


def test_an_invalid_request_fails_with_the_request_id():
    fake = FakeArm(["Accepted", "InProgress", "Invalid"], {"value": [family_usage(A100, 24, 24)]})
    with fake.client() as client, pytest.raises(AzureRefusedError) as caught:
        ensure_quota(client, "eastus", A100, 48)
    assert "request req-standardNCADSA100v4Family ended Invalid" in caught.value.message
    assert "limit 24, used 24, wanted 48 more (new limit 72)" in caught.value.message
    assert fake.puts[0]["properties"]["resourceType"] == "dedicated"
    assert fake.puts[0]["properties"]["limit"] == {"limitObjectType": "LimitValue", "value": 72}


def test_a_request_that_never_ends_stops_at_the_deadline():
    fake = FakeArm(["InProgress"], {"value": [family_usage(A100, 0, 0)]})
    with fake.client() as client, pytest.raises(AzureFailureError) as caught:
        ensure_quota(client, "eastus", A100, 24, timeout=0)
    assert "still InProgress" in caught.value.message and caught.value.request_id == f"req-{A100}"


def test_microsofts_usage_example_reads_subscription_families_and_the_regional_total():
    fake = FakeArm(["Succeeded"])
    with fake.client() as client:
        from ftops.capacity.vm_quota import TOTAL, read_quota

        quotas = read_quota(client, "eastus")
    # The workspace-level DSv2 entry and the cluster/low-priority totals are not families.
    assert quotas[TOTAL].limit == 24 and quotas[TOTAL].used == 14
    assert quotas["Standard NC Family Cluster Dedicated vCPUs"].free == 12
    assert not any("DSv2" in key for key in quotas)
    assert "Clusters" not in quotas and "Total Cluster LowPriority Regional vCPUs" not in quotas


def test_a_regional_total_too_small_fails_before_asking_for_anything():
    fake = FakeArm(["Succeeded"])
    with fake.client() as client, pytest.raises(AzureRefusedError) as caught:
        ensure_quota(client, "eastus", "Standard NCv3 Family Cluster Dedicated vCPUs", 12)
    assert caught.value.code == "RegionalQuotaTooSmall"
    assert "total limit 24, used 14" in caught.value.message
    assert "Total Cluster Dedicated Regional vCPUs" in caught.value.hint and "limit of 26" in caught.value.hint
    assert fake.puts == []


def test_a_refused_submission_fails_clearly():
    fake = FakeArm(["Succeeded"], {"value": [family_usage(A100, 0, 0)]}, refuse=True)
    with pytest.raises(AzureRefusedError) as caught:
        VmQuotaProvider(lambda sub: fake.client()).create(props(A100, 24, location="eastus"))
    error = caught.value
    assert "Azure refused the request for a new limit: limit 0, used 0, wanted 24 more" in error.message
    assert "no Microsoft.Quota/quotas/write permission" in error.message
    assert error.status == 403 and "request a new limit of 24 vCPUs" in str(error)
    assert len(fake.puts) == 1  # refused, not retried


# A hostile or broken monitor: what the quota request's status read answers instead of Microsoft.Quota's shape.
MALFORMED = [
    pytest.param(200, b"<html>signed out</html>", "not JSON", id="html"),
    pytest.param(200, b"[1, 2]", "unexpected shape", id="a list"),
    pytest.param(200, b'{"properties": "Succeeded"}', "unexpected shape", id="properties not an object"),
    pytest.param(200, b'{"properties": {"provisioningState": {"x": 1}}}', "unexpected shape", id="state an object"),
    pytest.param(200, b'{"properties": {"provisioningState": "Failed", "error": 1}}', "unexpected shape", id="err"),
]


@pytest.mark.parametrize(("status", "body", "says"), MALFORMED)
def test_a_malformed_quota_request_status_is_one_clear_error(status: int, body: bytes, says: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/usages"):
            return httpx.Response(200, json={"value": [family_usage(A100, 0, 0)]})
        if request.method == "PUT":
            where = str(request.url.copy_with(path=request.url.path.replace("/quotas/", "/operationsStatus/req-")))
            return httpx.Response(202, headers={"Location": where, "Retry-After": "3"})
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})

    def client(_sub: str) -> ArmClient:
        return ArmClient(
            SUB,
            StaticTokenCredential("t"),
            httpx.Client(transport=httpx.MockTransport(handler)),
            settings=load_settings({"FTOPS_AZURE_EMULATOR": "http://127.0.0.1:9"}),
            policy=FAST,
            sleep=lambda s: None,
        )

    with pytest.raises(AzureFailureError) as caught:  # exit 4, not a KeyError or AttributeError
        VmQuotaProvider(client).create(props(A100, 24, location="eastus"))
    message, _, hint = str(caught.value).partition("\n  how to fix: ")
    assert says in message and f"VM quota for {A100} in eastus" in message and "\n" not in message
    assert hint and "\n" not in hint


# ---- started as the engine starts it, driven over gRPC ----
# The VmQuota provider started as the Pulumi engine starts it, and driven over gRPC like the engine drives it.
#
# What the engine does (pulumi/pulumi: pkg/engine/project.go getPwdMain, sdk/go/common/resource/plugin/
# provider_plugin.go NewProvider, sdk/python/dist/pulumi-resource-pulumi-python, pkg/resource/deploy/target.go
# GetPackageConfig), reproduced here rather than assumed:
# - the plugin's working directory is the program directory: the project root, or `main` when it names a folder;
# - its environment is the engine's plus PULUMI_RUNTIME_<OPTION> for each runtime option of Pulumi.yaml,
#   PULUMI_PROJECT, and PULUMI_CONFIG (the config of the `pulumi-python` namespace, as JSON);
# - the `pulumi-resource-pulumi-python` shim makes PULUMI_RUNTIME_VIRTUALENV absolute against $PWD, puts its
#   bin/ first on PATH, drops PYTHONHOME, and runs `<venv>/bin/python -u -m pulumi.dynamic <engine address>`;
# - the provider prints its port, and the engine calls Configure with the whole stack config (namespaced
#   keys, for dynamic providers), then Check, Diff, Create, Read and Delete, each carrying the serialized
#   provider under `__provider`.

REPO = Path(__file__).resolve().parents[2]
URN = (
    "urn:pulumi:managed-compute::ftops::ftops:azure:ManagedCompute$pulumi-python:dynamic:Resource::ftops-compute-quota"
)
ENGINE_ADDRESS = "127.0.0.1:1"  # passed as the engine does; the Python dynamic provider does not dial it


def program_directory(project: dict, root: Path) -> Path:
    """The engine's pwd for a project (getPwdMain): `main` if it is a folder, its folder if a file, else root."""
    main = project.get("main")
    if not main:
        return root
    target = (root / main).resolve()
    return target if target.is_dir() else target.parent


def virtualenv_of_program(project: dict, root: Path) -> Path:
    """Where the language host finds the virtualenv to run the program: relative to the project root."""
    return (root / project["runtime"]["options"]["virtualenv"]).resolve()


def plugin_launch(project: dict, root: Path, environ: dict[str, str]) -> tuple[Path, dict[str, str], Path]:
    """The provider plugin's working directory, environment and interpreter, as engine and shim make them."""
    pwd = program_directory(project, root)
    env = dict(environ)
    for key, value in (project.get("runtime", {}).get("options") or {}).items():
        env[f"PULUMI_RUNTIME_{key.upper()}"] = str(value)
    env["PULUMI_PROJECT"] = project["name"]
    env["PULUMI_CONFIG"] = json.dumps({})  # no `pulumi-python:*` keys in the stacks
    venv = Path(env["PULUMI_RUNTIME_VIRTUALENV"].rstrip("/"))
    venv = venv if venv.is_absolute() else pwd / venv
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONHOME", None)
    return pwd, env, venv / "bin" / "python"


def project() -> dict:
    return yaml.safe_load((REPO / "Pulumi.yaml").read_text())


def test_the_provider_plugin_finds_the_same_virtualenv_as_the_program() -> None:
    ours = project()
    _, _, python = plugin_launch(ours, REPO, {})
    assert python.parent.parent == virtualenv_of_program(ours, REPO)
    # The layout this replaced: with `main: infra/` the shim looks in infra/.venv (pulumi/pulumi#7061).
    _, _, old = plugin_launch({**ours, "main": "infra/"}, REPO, {})
    assert old.parent.parent == REPO / "infra" / ".venv" != virtualenv_of_program(ours, REPO)


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(values, {}))
    finally:
        loop.close()


def plain(message: struct_pb2.Struct) -> dict[str, Any]:
    return rpc.deserialize_properties(message)


def start_provider() -> tuple[subprocess.Popen, int]:
    ours = project()
    pwd, env, python = plugin_launch(ours, REPO, dict(os.environ))
    if not python.is_file():
        # Only a checkout without the project's .venv (its virtualenv elsewhere, e.g. CI) may fall back to
        # this interpreter, with the same cwd and environment; otherwise the engine could not start it.
        assert not virtualenv_of_program(ours, REPO).exists(), f"the engine would look for {python}"
        python = Path(sys.executable)
    process = subprocess.Popen(
        [str(python), "-u", "-m", "pulumi.dynamic", ENGINE_ADDRESS],
        cwd=pwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    ready, _, _ = select.select([process.stdout], [], [], 60)
    assert ready, "the provider printed no port"
    line = process.stdout.readline().decode().strip()  # type: ignore[union-attr]
    assert line.isdigit(), (line, process.stderr.read().decode() if process.poll() is not None else "")  # type: ignore[union-attr]
    return process, int(line)


@pytest.fixture
def engine_provider(emulator):
    process, port = start_provider()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    grpc.channel_ready_future(channel).result(timeout=30)
    try:
        yield provider_pb2_grpc.ResourceProviderStub(channel), process
    finally:
        channel.close()
        process.terminate()
        process.wait(timeout=30)


def test_the_engine_creates_diffs_reads_and_deletes_a_quota_over_grpc(emulator, engine_provider) -> None:
    stub, process = engine_provider
    info = stub.GetPluginInfo(empty_pb2.Empty())
    assert info.version
    # The whole stack config, namespaced, as the engine configures a dynamic provider (strings on the wire).
    config = {
        EMULATOR_CONFIG: emulator.url,
        "azure-native:location": "westus3",
        "ftops:protect": "true",
        "ftops:environment": json.dumps({"name": "ftmanaged"}),
    }
    configured = stub.Configure(provider_pb2.ConfigureRequest(args=struct(config), acceptSecrets=True))
    assert configured.acceptSecrets is False
    inputs = {
        "__provider": serialize_provider(VmQuotaProvider()),
        "subscription_id": SUB,
        "location": "westus3",
        "family": A100,
        "vcpus": 48,
        "workspace": "hub-ftmanaged",
    }

    checked = stub.Check(provider_pb2.CheckRequest(urn=URN, olds=struct({}), news=struct(inputs)))
    assert not checked.failures and plain(checked.inputs)["vcpus"] == 48
    bad = stub.Check(provider_pb2.CheckRequest(urn=URN, olds=struct({}), news=struct({**inputs, "vcpus": -1})))
    assert [f.property for f in bad.failures] == ["vcpus"]

    created = stub.Create(provider_pb2.CreateRequest(urn=URN, properties=checked.inputs))
    assert created.id == f"{SUB}/westus3/{A100}"
    outs = plain(created.properties)
    (request_id,) = emulator.arm.quota_requests  # the request reached the configured emulator
    assert (outs["limit"], outs["requested"], outs["request_id"]) == (48, 48, request_id)
    assert outs["__provider"] == inputs["__provider"]

    same = stub.Diff(provider_pb2.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=checked.inputs))
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
    more = struct({**inputs, "vcpus": 72})
    changed = stub.Diff(provider_pb2.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=more))
    assert changed.changes == provider_pb2.DiffResponse.DIFF_SOME and not changed.replaces
    moved = struct({**inputs, "location": "eastus"})
    replaced = stub.Diff(provider_pb2.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=moved))
    assert list(replaced.replaces) == ["location"]

    read = stub.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=created.properties))
    refreshed = plain(read.properties)
    assert read.id == created.id and (refreshed["limit"], refreshed["used"]) == (48, 0)

    stub.Delete(provider_pb2.DeleteRequest(id=created.id, urn=URN, properties=read.properties))
    assert emulator.arm.counters["quota_requests"] == 1  # delete asks Azure for nothing
    process.terminate()
    _, stderr = process.communicate(timeout=30)
    assert f"VM quota for {A100} in westus3 is left as it is" in stderr.decode()


def test_over_grpc_a_refused_quota_is_an_error_the_engine_shows(emulator, engine_provider) -> None:
    stub, _ = engine_provider
    stub.Configure(provider_pb2.ConfigureRequest(args=struct({EMULATOR_CONFIG: emulator.url})))
    inputs = {"__provider": serialize_provider(VmQuotaProvider()), "subscription_id": SUB, "location": "westus3",
              "family": A100, "vcpus": 200}  # fmt: skip
    with pytest.raises(grpc.RpcError) as caught:
        stub.Create(provider_pb2.CreateRequest(urn=URN, properties=struct(inputs)))
    details = caught.value.details()
    assert "was not raised automatically" in details and "ask for it by hand" in details
