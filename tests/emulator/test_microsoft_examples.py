"""Where Microsoft's examples show an operation's answer, the emulator's answer has the same keys with the
same value types (a key the example has and the emulator lacks is allowed only if listed, with why)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import AzureOpenAI

from ftops.azure.settings import OPENAI_API_VERSION

CARRIED = Path(__file__).resolve().parents[2] / "ftops/emulator/spec_files"
CS = CARRIED / "azure-rest-api-specs/specification/cognitiveservices/resource-manager/Microsoft.CognitiveServices"
QUOTA = CARRIED / "azure-rest-api-specs/specification/quota/resource-manager/Microsoft.Quota/stable/2025-07-15/examples"
AOAI = CARRIED / "examples/aoai-2025-04-01-preview"
SUB, RG = "00000000-0000-0000-0000-0000000000ee", "rg"
ARM = {"authorization": "Bearer t"}
# Keys of an example the emulator leaves out on purpose.
OPTIONAL = {
    "integrations",  # W&B integration: only when the create asked for it
    "etag",
    "tags",
    "identity",
    "deploymentState",  # 2026 examples: not in the deployments ftops makes
    "serviceTier",
    "nextResetTime",
    "quotaPeriod",
    "full_valid_loss",  # validation metrics: only with a validation file
    "full_valid_mean_token_accuracy",
    "valid_loss",
    "valid_mean_token_accuracy",
    "train_mean_token_accuracy",
    "allowedValues",
    "requestSubmitTime",
}


def example(path: Path, status: str = "200") -> Any:
    return json.loads(path.read_text())["responses"][status]["body"]


def same_shape(ours: Any, theirs: Any, where: str = "") -> list[str]:
    """Problems: keys of `theirs` missing from `ours` (unless OPTIONAL), or a shared key of another JSON type."""
    problems: list[str] = []
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for key, value in theirs.items():
            if key not in ours:
                if key not in OPTIONAL:
                    problems.append(f"{where}/{key} missing")
                continue
            problems += same_shape(ours[key], value, f"{where}/{key}")
    elif isinstance(theirs, list) and isinstance(ours, list):
        if theirs and ours:
            problems += same_shape(ours[0], theirs[0], f"{where}[0]")
    elif type(ours) is not type(theirs) and not {type(ours), type(theirs)} <= {int, float, type(None)}:
        problems.append(f"{where}: {type(ours).__name__} where Microsoft has {type(theirs).__name__}")
    return problems


@pytest.fixture
def client(emulator) -> AzureOpenAI:
    return AzureOpenAI(
        azure_endpoint=f"{emulator.url}/accounts/ex", api_key="k", api_version=OPENAI_API_VERSION, max_retries=0
    )


def test_files_and_jobs_match_microsofts_examples(client):
    raw = client.files.with_raw_response.create(file=("t.jsonl", io.BytesIO(b"{}\n" * 12)), purpose="fine-tune")
    uploaded = json.loads(raw.text)
    assert same_shape(uploaded, example(AOAI / "upload_file.json", "201")) == []
    got = client.files.with_raw_response.retrieve(uploaded["id"])
    assert same_shape(json.loads(got.text), example(AOAI / "get_file.json")) == []
    job = client.fine_tuning.jobs.create(model="gpt-4o", training_file=uploaded["id"], hyperparameters={"n_epochs": 1})
    assert same_shape(job.model_dump(exclude_unset=True), example(AOAI / "post_finetuning_job.json", "201")) == []
    while (done := client.fine_tuning.jobs.retrieve(job.id)).status != "succeeded":
        pass
    assert same_shape(done.model_dump(exclude_unset=True), example(AOAI / "get_finetuning_job.json")) == []
    events = client.fine_tuning.jobs.with_raw_response.list_events(job.id)
    assert same_shape(json.loads(events.text), example(AOAI / "get_finetuning_job_events.json")) == []
    checkpoints = client.fine_tuning.jobs.checkpoints.with_raw_response.list(job.id)
    assert same_shape(json.loads(checkpoints.text), example(AOAI / "get_finetuning_job_checkpoints.json")) == []


def test_arm_answers_match_microsofts_examples(emulator):
    emulator.arm.add_account(SUB, RG, "ex", "swedencentral")
    base = f"{emulator.url}/subscriptions/{SUB}"
    cs = {"api-version": "2026-09-01"}
    deployment = {
        "sku": {"name": "GlobalStandard", "capacity": 1},
        "properties": {"model": {"format": "OpenAI", "name": "gpt-4.1-mini", "version": "2025-04-14"}},
    }
    path = f"{base}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/ex/deployments/d"
    put = httpx.put(path, params=cs, json=deployment, headers=ARM)
    assert (
        same_shape(put.json(), example(CS / "CognitiveServices/stable/2026-09-01/examples/PutDeployment.json", "201"))
        == []
    )
    assert (
        same_shape(
            httpx.get(path, params=cs, headers=ARM).json(),
            example(CS / "stable/2025-06-01/examples/GetDeployment.json"),
        )
        == []
    )
    skus = httpx.get(f"{path}/skus", params=cs, headers=ARM).json()
    assert same_shape(skus, example(CS / "CognitiveServices/stable/2025-06-01/examples/ListDeploymentSkus.json")) == []
    capacities = httpx.get(
        f"{base}/providers/Microsoft.CognitiveServices/modelCapacities",
        params={**cs, "modelFormat": "OpenAI", "modelName": "gpt-4.1-mini", "modelVersion": "2025-04-14"},
        headers=ARM,
    ).json()
    assert (
        same_shape(capacities, example(CS / "CognitiveServices/stable/2025-06-01/examples/ListModelCapacities.json"))
        == []
    )
    usages = httpx.get(
        f"{base}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/ex/usages", params=cs, headers=ARM
    ).json()
    assert (
        same_shape(usages, example(CS / "CognitiveServices/stable/2026-09-01/examples/GetUsagesGlobalScope.json")) == []
    )
    account = httpx.get(
        f"{base}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/ex", params=cs, headers=ARM
    ).json()
    assert same_shape(account, example(CS / "CognitiveServices/stable/2025-06-01/examples/GetAccount.json")) == []


def test_quota_answers_match_microsofts_examples(emulator):
    scope = f"subscriptions/{SUB}/providers/Microsoft.MachineLearningServices/locations/eastus"
    q = {"api-version": "2025-07-15"}
    body = {"properties": {"limit": {"limitObjectType": "LimitValue", "value": 20}, "name": {"value": "x"}}}
    url = f"{emulator.url}/{scope}/providers/Microsoft.Quota/quotas/standardNCSv3Family"
    small = httpx.put(url, params=q, json=body, headers=ARM)
    assert small.status_code == 200 and "/providers/Microsoft.Quota/quotaRequests/" in small.headers["location"]
    assert same_shape(small.json(), example(QUOTA / "putComputeOneSkuQuotaRequest.json")) == []
    big = httpx.put(
        url, params=q, json={"properties": {"limit": {"limitObjectType": "LimitValue", "value": 48}}}, headers=ARM
    )
    assert big.status_code == 202 and big.headers["retry-after"]
    assert "/providers/Microsoft.Quota/operationsStatus/" in big.headers["location"]
    request_id = big.headers["location"].split("?")[0].rsplit("/", 1)[-1]
    status = httpx.get(
        f"{emulator.url}/{scope}/providers/Microsoft.Quota/quotaRequests/{request_id}", params=q, headers=ARM
    ).json()
    assert status["properties"]["provisioningState"] == "InProgress"
    assert same_shape(status, example(QUOTA / "getQuotaRequestStatusInProgress.json")) == []
