"""The VmQuota dynamic provider against the emulator's Machine Learning usages and Microsoft.Quota.

Request states the emulator does not produce (Invalid, a request that never ends, a regional total that is
too small) are driven through an httpx.MockTransport playing ARM, fed with Microsoft's own usage example.
"""

from __future__ import annotations

import base64
import json

import dill
import httpx
import pytest
from ftops_infra.components.quota import VmQuotaProvider, ensure_quota
from pulumi.dynamic.dynamic import serialize_provider

from ftops.azure.arm import ArmClient
from ftops.azure.auth import StaticTokenCredential
from ftops.azure.settings import load_settings
from ftops.azure.transport import RetryPolicy
from ftops.emulator.specs import CARRIED_SPECS
from ftops.errors import AzureFailureError, AzureRefusedError, UserError

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
    emulator.set_faults("429 on=GET:*quotaRequests* nth=1 retry-after=0")
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
    assert restored.create(props("standardNCSv3Family", 6)).outs["limit"] == 24  # reaches the emulator


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
