"""ftops' own clients follow the same LRO rules as Microsoft's pollers: on the same emulator, an ftops
`LroPoller` and the SDK's `ARMPolling` end at the same terminal state with the same final resource, and a
refused request raises in both."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import Deployment
from azure.mgmt.quota import QuotaMgmtClient

from ftops.azure.arm import ArmClient
from ftops.azure.ml import AzureML
from ftops.errors import AzureRefusedError

SUB, RG, ACCOUNT = "00000000-0000-0000-0000-00000000c0de", "rg-contract", "aiscontract"  # as in conftest.py
WS = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/proj"
MODEL = "azureml://registries/azureml-mistral/models/Mistral-Nemo/versions/1"
BODY = {
    "sku": {"name": "GlobalStandard", "capacity": 1},
    "properties": {"model": {"format": "OpenAI", "name": "gpt-4.1-mini", "version": "2025-04-14"}},
}


def no_sleep(seconds: float) -> None:
    return None


@pytest.fixture
def arm(emulator):
    with ArmClient(SUB, sleep=no_sleep) as client:
        yield client


def test_deployment_create_ends_succeeded_in_both(arm, account, sdk_kwargs):
    ours = arm.deployments.begin_create(
        RG, account, "ours", model="gpt-4.1-mini", version="2025-04-14", sku="GlobalStandard"
    ).result(poll_seconds=0)
    sdk = CognitiveServicesManagementClient(**sdk_kwargs)
    theirs = sdk.deployments.begin_create_or_update(RG, account, "theirs", Deployment.from_dict(BODY)).result()
    assert ours["properties"]["provisioningState"] == theirs.properties.provisioning_state == "Succeeded"
    assert ours["properties"]["model"] == theirs.properties.model.as_dict()


def test_quota_increase_ends_with_the_quota_in_both_and_a_refusal_raises_in_both(arm, sdk_kwargs):
    scope = f"subscriptions/{SUB}/providers/Microsoft.MachineLearningServices/locations/eastus2"
    sdk = QuotaMgmtClient(**sdk_kwargs)
    ours = arm.quota.begin_request("eastus2", "standardNCSv3Family", 48).result(poll_seconds=0)
    body = {"properties": {"limit": {"limitObjectType": "LimitValue", "value": 60}}}
    theirs = sdk.quota.begin_create_or_update("standardNCSv3Family", scope, body).result()
    assert ours["properties"]["limit"]["value"] == 48 and theirs.properties.limit.value == 60
    with pytest.raises(AzureRefusedError) as refused:
        arm.quota.begin_request("eastus2", "standardNCADSA100v4Family", 960).result(poll_seconds=0)
    with pytest.raises(HttpResponseError) as raised:
        big = {"properties": {"limit": {"limitObjectType": "LimitValue", "value": 960}}}
        sdk.quota.begin_create_or_update("standardNCADSA100v4Family", scope, big).result()
    assert refused.value.code == raised.value.error.code == "QuotaRequestEscalated"


def test_ml_puts_end_succeeded_never_creating(emulator):
    with AzureML(sleep=no_sleep) as ml:
        done = ml.begin_marketplace_subscription(WS, "nemo", MODEL).result(poll_seconds=0)
        assert done["properties"]["provisioningState"] == "Succeeded"
        served = ml.begin_serverless_endpoint(WS, "ep", "westus3", MODEL).result(poll_seconds=0)
        assert served["properties"]["provisioningState"] == "Succeeded"
