"""azure-ai-ml's generated ARM client (api-version 2025-12-01) against the emulated AzureML.

Marketplace subscriptions, serverless and online endpoints and deployments are long-running: each
`begin_create_or_update(...).result()` must return only once the resource is Succeeded, never Creating.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

# Importing azure.ai.ml warns about its own marshmallow schemas; nothing of ours.
pytestmark = pytest.mark.filterwarnings("ignore")

RG, WS = "rg-contract", "proj-contract"
EXAMPLES = (
    Path(__file__).resolve().parents[2] / "ftops/emulator/spec_files/azure-rest-api-specs/specification"
    "/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2025-12-01/examples"
)
MODEL = "azureml://registries/azureml-mistral/models/Mistral-Nemo/versions/1"


@pytest.fixture
def ml(sdk_kwargs) -> Any:
    from azure.ai.ml._restclient.arm_ml_service import MachineLearningServicesMgmtClient  # slow import: lazy

    return MachineLearningServicesMgmtClient(**sdk_kwargs)


def microsoft_job_body() -> dict:
    """Microsoft's FineTuning job example (Job/FineTuningJob/createOrUpdate.json), as the request body."""
    return json.loads((EXAMPLES / "Job/FineTuningJob/createOrUpdate.json").read_text())["parameters"]["body"]


def test_marketplace_subscription_returns_only_when_succeeded(ml, transport):
    body = {"properties": {"modelId": MODEL}}
    made = ml.marketplace_subscriptions.begin_create_or_update(RG, WS, "mistral-nemo", body).result()
    assert made.properties.provisioning_state == "Succeeded"
    assert 1 in transport.sleeps  # the Retry-After of the Azure-AsyncOperation monitor was honoured
    assert ml.marketplace_subscriptions.get(RG, WS, "mistral-nemo").properties.model_id == MODEL


def test_serverless_endpoint_returns_only_when_succeeded(ml):
    ml.marketplace_subscriptions.begin_create_or_update(RG, WS, "sub", {"properties": {"modelId": MODEL}}).result()
    body = {
        "location": "westus3",
        "sku": {"name": "Consumption"},
        "properties": {"modelSettings": {"modelId": MODEL}, "authMode": "Key"},
    }
    made = ml.serverless_endpoints.begin_create_or_update(RG, WS, "ep1", body).result()
    assert made.properties.provisioning_state == "Succeeded"


def test_online_endpoint_and_deployment_return_only_when_succeeded(ml):
    endpoint = {"location": "westus3", "identity": {"type": "SystemAssigned"}, "properties": {"authMode": "AADToken"}}
    made = ml.online_endpoints.begin_create_or_update(RG, WS, "oe1", endpoint).result()
    assert made.properties.provisioning_state == "Succeeded"
    deployment = {
        "location": "westus3",
        "sku": {"name": "Default", "capacity": 1},
        "properties": {"endpointComputeType": "Managed", "model": MODEL, "instanceType": "Standard_NC24ads_A100_v4"},
    }
    done = ml.online_deployments.begin_create_or_update(RG, WS, "oe1", "blue", deployment).result()
    assert done.properties.provisioning_state == "Succeeded"


def test_jobs_create_get_list_newest_first_and_cancel_rules(ml):
    for name in ("job-a", "job-b", "job-c"):
        created = ml.jobs.create_or_update(RG, WS, name, microsoft_job_body())
        assert created.properties.job_type == "FineTuning"
    assert [j.name for j in ml.jobs.list(RG, WS)] == ["job-c", "job-b", "job-a"]
    ml.jobs.begin_cancel(RG, WS, "job-a").result()
    assert ml.jobs.get(RG, WS, "job-a").properties.status == "Canceled"
    while ml.jobs.get(RG, WS, "job-b").properties.status != "Completed":
        pass
    with pytest.raises(HttpResponseError) as caught:
        ml.jobs.begin_cancel(RG, WS, "job-b").result()
    assert caught.value.status_code == 400 and "terminal state Completed" in caught.value.message
    assert ml.jobs.get(RG, WS, "job-b").properties.status == "Completed"


def test_usages_vm_sizes_and_quotas(ml):
    usages = list(ml.usages.list("westus3"))
    assert any(u.name.value == "standardNCADSA100v4Family" for u in usages)
    sizes = ml.virtual_machine_sizes.list("westus3").value
    a100 = next(s for s in sizes if s.name == "Standard_NC24ads_A100_v4")
    assert a100.family == "standardNCADSA100v4Family" and a100.v_cp_us == 24 and a100.gpus == 1
    quotas = list(ml.quotas.list("westus3"))
    assert any(q.name.value == "standardNCSv3Family" for q in quotas)
    family = "/subscriptions/x/providers/Microsoft.MachineLearningServices/locations/westus3/quotas/standardNCSv3Family"
    updated = ml.quotas.update("westus3", {"value": [{"id": family, "type": "quotas", "limit": 12, "unit": "Count"}]})
    assert [u.status for u in updated.value] == ["Success"]
