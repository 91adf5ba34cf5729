"""Microsoft's SDKs as third-party clients of the emulator, on the open-model path of a Foundry resource.

`openai`: an open-model job carrying `trainingType` (sent as `extra_body`, as the SDK has no such argument)
round-trips, one without it is refused in the service's own (misleading) words, and RFT on a preview model is
checked like OpenAI RFT. `azure-mgmt-cognitiveservices`: a fine-tuned Qwen3-32B deploys with format `Alibaba`
and sku GlobalStandard, and the format check refuses `OpenAI` for it.
"""

from __future__ import annotations

import io
import json
import time
from typing import Any

import openai
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import Deployment
from openai import AzureOpenAI

from ftops.azure.settings import OPENAI_API_VERSION

SUB = "00000000-0000-0000-0000-0000000f0f0f"
RG = "rg-open-sdk"
ACCOUNT = "aisopensdk"
ROWS = b"".join(
    json.dumps({"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}).encode()
    + b"\n"
    for i in range(12)
)
RFT_ROWS = b"".join(
    json.dumps({"messages": [{"role": "user", "content": f"{i} * 3?"}], "answer": str(3 * i)}).encode() + b"\n"
    for i in range(12)
)
GRADER = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "operation": "eq",
}


class _Token:
    """A TokenCredential with one fixed token (the emulator accepts any)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("open-sdk-token", int(time.time()) + 3600)


class _BearerOverHttp(SansIOHTTPPolicy):
    """The bearer header without azure-core's https check: the emulator is plain http on loopback."""

    def on_request(self, request: Any) -> None:
        request.http_request.headers["Authorization"] = "Bearer open-sdk-token"


class _NoSleep(RequestsTransport):
    def sleep(self, duration: float) -> None:  # pollers' waits are not slept
        del duration


@pytest.fixture
def client(emulator) -> AzureOpenAI:
    return AzureOpenAI(
        azure_endpoint=f"{emulator.url}/accounts/{ACCOUNT}",
        api_key="any-key",
        api_version=OPENAI_API_VERSION,
        max_retries=0,
    )


@pytest.fixture
def cs(emulator) -> CognitiveServicesManagementClient:
    emulator.arm.add_account(SUB, RG, ACCOUNT, "eastus2")
    return CognitiveServicesManagementClient(
        credential=_Token(),
        subscription_id=SUB,
        base_url=emulator.url,
        authentication_policy=_BearerOverHttp(),
        transport=_NoSleep(),
        retry_total=0,
    )


def _upload(client: AzureOpenAI, content: bytes = ROWS, name: str = "train.jsonl") -> str:
    file = client.files.create(file=(name, io.BytesIO(content)), purpose="fine-tune")
    assert client.files.retrieve(file.id).status == "processed"
    return file.id


def _finished(client: AzureOpenAI, job_id: str) -> Any:
    for _ in range(200):  # the emulator advances a job on each read
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.status in ("succeeded", "failed", "cancelled"):
            return job
    raise AssertionError(f"{job_id} did not finish")


def test_an_open_model_job_with_a_training_type_round_trips(client):
    training = _upload(client)
    created = client.fine_tuning.jobs.create(
        model="Qwen3-32B", training_file=training, extra_body={"trainingType": "GlobalStandard"}
    )
    assert created.model_extra["trainingType"] == "GlobalStandard"  # echoed, kept by the SDK's model
    job = _finished(client, created.id)
    assert job.status == "succeeded" and job.model_extra["trainingType"] == "GlobalStandard"
    assert job.fine_tuned_model.startswith("Qwen3-32B.ft-")
    listed = next(j for j in client.fine_tuning.jobs.list() if j.id == created.id)
    assert listed.model_extra["trainingType"] == "GlobalStandard"


def test_an_open_model_job_without_a_training_type_is_refused_in_the_services_words(client):
    training = _upload(client)
    with pytest.raises(openai.BadRequestError) as refused:
        client.fine_tuning.jobs.create(model="gpt-oss-20b", training_file=training)
    assert refused.value.status_code == 400 and "base model gpt-oss-20b does not support fine-tuning" in str(
        refused.value
    )
    with pytest.raises(openai.BadRequestError, match="does not support trainingType Developer"):
        client.fine_tuning.jobs.create(
            model="gpt-oss-20b", training_file=training, extra_body={"trainingType": "Developer"}
        )
    assert list(client.fine_tuning.jobs.list()) == []


def test_rft_on_a_preview_model_is_checked_like_openai_rft(client):
    """A strict check on a broken input: RFT without a validation file, or without a grader, is a 400."""
    training = _upload(client, RFT_ROWS, "rft.jsonl")
    validation = _upload(client, RFT_ROWS, "rft-valid.jsonl")
    rft = {"type": "reinforcement", "reinforcement": {"grader": GRADER}}
    developer = {"trainingType": "Developer"}
    with pytest.raises(openai.BadRequestError, match="needs a validation_file"):
        client.fine_tuning.jobs.create(model="gpt-oss-120b", training_file=training, method=rft, extra_body=developer)
    with pytest.raises(openai.BadRequestError, match=r"needs method\.reinforcement\.grader"):
        client.fine_tuning.jobs.create(
            model="gpt-oss-120b",
            training_file=training,
            validation_file=validation,
            method={"type": "reinforcement", "reinforcement": {}},
            extra_body=developer,
        )
    with pytest.raises(openai.BadRequestError, match="does not support supervised"):
        client.fine_tuning.jobs.create(model="MAI-Code-1.1-Flash", training_file=training, extra_body=developer)
    job = client.fine_tuning.jobs.create(
        model="MAI-Code-1.1-Flash",
        training_file=training,
        validation_file=validation,
        method=rft,
        extra_body=developer,
    )
    assert job.method.type == "reinforcement" and job.model_extra["trainingType"] == "Developer"
    assert _finished(client, job.id).status == "succeeded"


def test_a_fine_tuned_qwen3_32b_deploys_as_global_standard_with_format_alibaba(client, cs):
    training = _upload(client)
    created = client.fine_tuning.jobs.create(
        model="Qwen3-32B", training_file=training, extra_body={"trainingType": "DataZoneStandard"}
    )
    tuned = _finished(client, created.id).fine_tuned_model

    def deployment(model_format: str) -> Deployment:
        return Deployment.from_dict(
            {
                "sku": {"name": "GlobalStandard", "capacity": 1},
                "properties": {"model": {"format": model_format, "name": tuned, "version": "1"}},
            }
        )

    with pytest.raises(HttpResponseError) as refused:  # the emulator's format check: not OpenAI's format
        cs.deployments.begin_create_or_update(RG, ACCOUNT, "qwen-ft", deployment("OpenAI")).result()
    assert refused.value.status_code == 400 and "has format Alibaba, not OpenAI" in refused.value.message
    made = cs.deployments.begin_create_or_update(RG, ACCOUNT, "qwen-ft", deployment("Alibaba")).result()
    assert made.properties.provisioning_state == "Succeeded"
    found = cs.deployments.get(RG, ACCOUNT, "qwen-ft")
    assert found.sku.name == "GlobalStandard" and found.sku.capacity == 1
    assert found.properties.model.format == "Alibaba" and found.properties.model.name == tuned
    assert [d.name for d in cs.deployments.list(RG, ACCOUNT)] == ["qwen-ft"]


@pytest.mark.parametrize(("sku", "served"), [("Standard", False), ("Developer", False), ("GlobalStandard", True)])
def test_the_emulator_serves_a_fine_tuned_qwen3_32b_only_as_global_standard(client, cs, sku, served):
    """The table's legend 2 ("Only Global Standard deployment type is supported"), enforced by the service
    whatever the client: a Standard or Developer PUT from Microsoft's SDK is refused."""
    training = _upload(client)
    created = client.fine_tuning.jobs.create(
        model="Qwen3-32B", training_file=training, extra_body={"trainingType": "GlobalStandard"}
    )
    tuned = _finished(client, created.id).fine_tuned_model
    body = Deployment.from_dict(
        {
            "sku": {"name": sku, "capacity": 1},
            "properties": {"model": {"format": "Alibaba", "name": tuned, "version": "1"}},
        }
    )
    if served:
        assert cs.deployments.begin_create_or_update(RG, ACCOUNT, "qwen-ft", body).result().sku.name == sku
        return
    with pytest.raises(HttpResponseError) as refused:
        cs.deployments.begin_create_or_update(RG, ACCOUNT, "qwen-ft", body).result()
    assert refused.value.status_code == 400 and f"'{sku}' is not supported for fine-tuned Qwen3-32B" in str(
        refused.value.message
    )
    assert list(cs.deployments.list(RG, ACCOUNT)) == []


def test_the_emulator_serves_no_model_deployment_of_a_fine_tuned_gpt_oss_120b(client, cs):
    """ "Serverless: ❌" in the table: its fine-tunes are served on managed compute or Fireworks only."""
    training = _upload(client)
    created = client.fine_tuning.jobs.create(
        model="gpt-oss-120b", training_file=training, extra_body={"trainingType": "GlobalStandard"}
    )
    tuned = _finished(client, created.id).fine_tuned_model
    body = Deployment.from_dict(
        {
            "sku": {"name": "GlobalStandard", "capacity": 1},
            "properties": {"model": {"format": "OpenAI-OSS", "name": tuned, "version": "1"}},
        }
    )
    with pytest.raises(HttpResponseError) as refused:
        cs.deployments.begin_create_or_update(RG, ACCOUNT, "oss-ft", body).result()
    assert refused.value.status_code == 400 and "managed compute" in str(refused.value.message)
