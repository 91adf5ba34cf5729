"""The VmQuota dynamic provider against the emulator's Machine Learning usages and Microsoft.Quota."""

from __future__ import annotations

import pytest

from ftops.azure.arm import ArmClient
from ftops.azure.transport import RetryPolicy
from ftops.errors import AzureRefusedError
from infra.components.quota import VmQuotaProvider

SUB = "00000000-0000-0000-0000-000000000001"
FAST = RetryPolicy(backoff_base=0.001, backoff_max=0.01, budget_seconds=10)


def provider() -> VmQuotaProvider:
    return VmQuotaProvider(lambda sub: ArmClient(sub, policy=FAST, sleep=lambda s: None))


def props(family: str, vcpus: int, location: str = "westus3") -> dict:
    return {"subscription_id": SUB, "location": location, "family": family, "vcpus": vcpus}


def limit(family: str, location: str = "westus3") -> int:
    with ArmClient(SUB, policy=FAST, sleep=lambda s: None) as arm:
        return arm.quota.limit(location, family)


def test_enough_quota_requests_nothing(emulator):
    result = provider().create(props("standardNCSv3Family", 12))
    assert result.id == f"{SUB}/westus3/standardNCSv3Family"
    assert result.outs["limit"] == 24 and result.outs["requested"] is None
    assert emulator.arm.counters["quota_requests"] == 0


def test_short_quota_is_requested_and_approved(emulator):
    result = provider().create(props("standardNCADSA100v4Family", 48))
    assert result.outs["requested"] == 48 and result.outs["request_id"]
    assert emulator.arm.counters["quota_requests"] == 1
    assert limit("standardNCADSA100v4Family") == 48


def test_escalated_request_fails_with_everything_needed_to_ask_by_hand(emulator):
    with pytest.raises(AzureRefusedError) as caught:
        provider().create(props("standardNCADSA100v4Family", 200))
    message, hint = caught.value.message, caught.value.hint
    assert "standardNCADSA100v4Family in westus3" in message
    assert "limit 0, used 0, wanted 200 more (new limit 200)" in message
    assert "request " in message and "needs a support request" in message
    assert "New quota request (limit 200)" in hint
    assert limit("standardNCADSA100v4Family") == 0


def test_diff_only_when_the_wanted_vcpus_change():
    p = provider()
    old = {**props("standardNCSv3Family", 12), "limit": 24}
    assert p.diff("id", old, props("standardNCSv3Family", 12)).changes is False
    changed = p.diff("id", old, props("standardNCSv3Family", 18))
    assert changed.changes is True and not changed.replaces
    moved = p.diff("id", old, props("standardNCSv3Family", 12, location="eastus2"))
    assert moved.replaces == ["location"]


def test_update_raises_the_limit_and_a_429_while_polling_is_ridden_out(emulator):
    emulator.set_faults("429 on=GET:*quotaRequests* nth=1 retry-after=0")
    p = provider()
    first = p.create(props("standardNCADSA100v4Family", 24))
    updated = p.update(first.id, first.outs, props("standardNCADSA100v4Family", 72))
    assert updated.outs["requested"] == 72 and limit("standardNCADSA100v4Family") == 72


def test_delete_leaves_the_quota_alone(emulator):
    p = provider()
    created = p.create(props("standardNCADSA100v4Family", 48))
    p.delete(created.id, created.outs)
    assert limit("standardNCADSA100v4Family") == 48
    assert emulator.arm.counters["quota_requests"] == 1


def test_unknown_family_is_a_clear_error(emulator):
    from ftops.errors import FtopsError

    with pytest.raises(FtopsError, match="no VM family standardXYZFamily in westus3"):
        provider().create(props("standardXYZFamily", 4))
