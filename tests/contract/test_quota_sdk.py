"""azure-mgmt-quota (its default api-version 2025-09-01) against the emulated Microsoft.Quota, which answers
as its 2025-07-15 examples do: PUT 200 with a location to quotaRequests/{id} when nothing needs approving,
else 202 with Retry-After and a location to operationsStatus/{id}; a refused request is an error there."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.quota import QuotaMgmtClient

SUB = "00000000-0000-0000-0000-00000000c0de"  # as in conftest.py
SCOPE = f"subscriptions/{SUB}/providers/Microsoft.MachineLearningServices/locations/eastus2"


@pytest.fixture
def quota(sdk_kwargs) -> QuotaMgmtClient:
    kwargs = {k: v for k, v in sdk_kwargs.items() if k != "subscription_id"}
    return QuotaMgmtClient(subscription_id=SUB, **kwargs)


def request(limit: int) -> dict:
    return {"properties": {"limit": {"limitObjectType": "LimitValue", "value": limit}, "resourceType": "dedicated"}}


def test_the_sdk_sends_its_default_api_version(quota):
    assert quota._config.api_version == "2025-09-01"  # answered with the carried 2025-07-15 spec


def test_get_list_and_usages(quota):
    assert quota.quota.get("standardNCSv3Family", SCOPE).properties.limit.value == 24
    listed = {q.name for q in quota.quota.list(SCOPE)}
    assert {"standardNCSv3Family", "standardNCADSA100v4Family"} <= listed
    assert quota.usages.get("standardDSv2Family", SCOPE).properties.usages.value == 4
    assert {u.name for u in quota.usages.list(SCOPE)} == listed


def test_an_increase_is_followed_to_its_end_and_applied(quota, transport):
    done = quota.quota.begin_create_or_update("standardNCSv3Family", SCOPE, request(48)).result()
    assert done.properties.limit.value == 48  # the final GET of the quota, after operationsStatus said done
    assert 1 in transport.sleeps  # Retry-After honoured


def test_a_request_within_the_limit_answers_200_at_once(quota, emulator):
    poller = quota.quota.begin_create_or_update("standardNCSv3Family", SCOPE, request(12))
    poller.result()
    # As Microsoft's example: the 200's location names quotaRequests/{id}, whose body the SDK reads as the
    # result (a quota request, so its `limit` is empty: listed in docs/emulator.md); the limit is applied.
    assert poller.status() == "Succeeded"
    assert quota.quota.get("standardNCSv3Family", SCOPE).properties.limit.value == 12


def test_a_refused_request_raises_and_the_history_shows_it(quota):
    with pytest.raises(HttpResponseError) as caught:
        quota.quota.begin_create_or_update("standardNCADSA100v4Family", SCOPE, request(960)).result()
    assert caught.value.status_code == 400 and "support request" in caught.value.message
    assert quota.quota.get("standardNCADSA100v4Family", SCOPE).properties.limit.value == 0
    quota.quota.begin_create_or_update("standardNCSv3Family", SCOPE, request(48)).result()
    history = list(quota.quota_request_status.list(SCOPE))
    assert [h.properties.provisioning_state for h in history] == ["Succeeded", "Failed"]  # newest first
    failed = quota.quota_request_status.get(history[1].name, SCOPE)
    assert failed.properties.error.code == "QuotaRequestEscalated"
