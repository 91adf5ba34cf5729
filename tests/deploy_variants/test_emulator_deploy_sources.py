"""The emulator's strict deployment checks, driven by azure-mgmt-cognitiveservices as a third-party client.

Docs (fine-tuning-deploy.md): a fine-tuned model or a checkpoint (`ftchkpt-…`) deploys on its own account, or
on another with `properties.model.source` naming the training account ("the new region must also support
fine-tuning"); across tenants with `sourceAccount` and a token of the source tenant in
`x-ms-authorization-auxiliary`. The SDK's `DeploymentModel` carries `source` and `source_account`.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import Deployment
from deploy_stack import OTHER_RG, OTHER_SUB, RG, SUB, account_id
from openai import AzureOpenAI

SOURCE = account_id(SUB, RG, "aisse")


class StaticCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("sdk-test-token", int(time.time()) + 3600)


class BearerOverHttp(SansIOHTTPPolicy):
    """azure-core's bearer policy refuses http; the emulator is http on loopback."""

    def on_request(self, request: Any) -> None:
        request.http_request.headers["Authorization"] = "Bearer sdk-test-token"


def arm_client(emulator, subscription: str) -> CognitiveServicesManagementClient:
    return CognitiveServicesManagementClient(
        StaticCredential(),
        subscription,
        base_url=emulator.url,
        authentication_policy=BearerOverHttp(),
        retry_total=0,
        polling_interval=0,
    )


@pytest.fixture
def fine_tuned(emulator) -> dict[str, str]:
    """A gpt-4.1-mini fine-tune trained on account aisse (swedencentral) with the openai SDK."""
    emulator.arm.add_account(SUB, RG, "aisse", "swedencentral")
    client = AzureOpenAI(azure_endpoint=f"{emulator.url}/accounts/aisse", api_key="k", api_version="2025-04-01-preview")
    line = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
    upload = client.files.create(file=("train.jsonl", line * 12), purpose="fine-tune")
    # The emulator's clock is its reader: each GET moves a file or job one step on (no waiting).
    assert any(client.files.retrieve(upload.id).status == "processed" for _ in range(10))
    job = client.fine_tuning.jobs.create(model="gpt-4.1-mini-2025-04-14", training_file=upload.id)
    for _ in range(20):
        if (job := client.fine_tuning.jobs.retrieve(job.id)).status == "succeeded":
            break
    assert job.status == "succeeded"
    checkpoints = sorted(client.fine_tuning.jobs.checkpoints.list(job.id), key=lambda c: c.step_number)
    return {"model": str(job.fine_tuned_model), "checkpoint": checkpoints[0].id, "job": job.id}


def body(model: str, *, source: str | None = None, source_account: str | None = None) -> Deployment:
    found: dict[str, Any] = {"format": "OpenAI", "name": model, "version": "1"}
    if source:
        found["source"] = source
    if source_account:
        found["sourceAccount"] = source_account
    return Deployment.from_dict({"sku": {"name": "GlobalStandard", "capacity": 1}, "properties": {"model": found}})


def refusal(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value


def test_holds_model_knows_the_accounts_own_models_and_checkpoints(emulator, fine_tuned):
    plane = emulator.dataplane
    (job,) = plane.accounts["aisse"].jobs.values()
    assert plane.holds_model("aisse", fine_tuned["model"]) and plane.holds_model("aisse", fine_tuned["checkpoint"])
    assert plane.holds_model("aisse", job.checkpoints[1]["fine_tuned_model_checkpoint"])
    assert not plane.holds_model("aiseus2", fine_tuned["model"]) and not plane.holds_model("nosuch", "x")
    assert not plane.holds_model("aisse", "gpt-4.1-mini-2025-04-14.ft-000000000000")


def test_another_accounts_model_without_source_is_refused_and_with_source_round_trips(emulator, fine_tuned):
    emulator.arm.add_account(OTHER_SUB, OTHER_RG, "aiprodeus2", "eastus2")
    cs = arm_client(emulator, OTHER_SUB)
    broken = refusal(
        lambda: cs.deployments.begin_create_or_update(OTHER_RG, "aiprodeus2", "d", body(fine_tuned["model"]))
    )
    assert broken.status_code == 400 and broken.error.code == "DeploymentModelNotFound"
    assert "set properties.model.source" in broken.error.message
    made = cs.deployments.begin_create_or_update(
        OTHER_RG, "aiprodeus2", "d", body(fine_tuned["model"], source=SOURCE)
    ).result()
    assert made.properties.provisioning_state == "Succeeded" and made.properties.model.source == SOURCE
    assert cs.deployments.get(OTHER_RG, "aiprodeus2", "d").properties.model.source == SOURCE  # the SDK model keeps it
    counters = emulator.arm.summary()["counters"]
    assert counters["deployment_refusals:aiprodeus2"] == 1 and counters["deployment_puts:aiprodeus2"] == 1


def test_a_checkpoint_id_deploys_on_its_own_account_without_source(emulator, fine_tuned):
    cs = arm_client(emulator, SUB)
    made = cs.deployments.begin_create_or_update(RG, "aisse", "c", body(fine_tuned["checkpoint"])).result()
    assert made.properties.model.name == fine_tuned["checkpoint"] and made.properties.model.source is None


def test_a_source_that_is_no_account_or_does_not_hold_the_model_is_refused(emulator, fine_tuned):
    emulator.arm.add_account(OTHER_SUB, OTHER_RG, "aiprodeus2", "eastus2")
    cs = arm_client(emulator, OTHER_SUB)
    missing = account_id(SUB, RG, "aigone")
    gone = refusal(
        lambda: cs.deployments.begin_create_or_update(
            OTHER_RG, "aiprodeus2", "d", body(fine_tuned["model"], source=missing)
        )
    )
    assert gone.error.code == "InvalidResourceProperties" and "was not found" in gone.error.message
    emulator.arm.add_account(SUB, RG, "aiseus2", "eastus2")  # exists, but trained nothing
    empty = refusal(
        lambda: cs.deployments.begin_create_or_update(
            OTHER_RG, "aiprodeus2", "d", body(fine_tuned["model"], source=account_id(SUB, RG, "aiseus2"))
        )
    )
    assert empty.error.code == "DeploymentModelNotFound" and "source account aiseus2" in empty.error.message


def test_a_destination_region_without_fine_tuning_is_refused(emulator, fine_tuned):
    emulator.arm.add_account(OTHER_SUB, OTHER_RG, "aiwestus2", "westus2")
    cs = arm_client(emulator, OTHER_SUB)
    refused = refusal(
        lambda: cs.deployments.begin_create_or_update(
            OTHER_RG, "aiwestus2", "d", body(fine_tuned["model"], source=SOURCE)
        )
    )
    assert refused.error.code == "InvalidResourceProperties" and "'westus2'" in refused.error.message
    assert emulator.arm.summary()["counters"].get("deployment_puts:aiwestus2", 0) == 0


def test_cross_tenant_needs_the_auxiliary_token(emulator, fine_tuned):
    emulator.arm.add_account(OTHER_SUB, OTHER_RG, "aiprodeus2", "eastus2")
    cs = arm_client(emulator, OTHER_SUB)
    deployment = body(fine_tuned["model"], source_account=SOURCE)
    assert deployment.properties.model.source_account == SOURCE  # the SDK's own field for sourceAccount
    refused = refusal(lambda: cs.deployments.begin_create_or_update(OTHER_RG, "aiprodeus2", "t", deployment))
    assert refused.status_code == 403 and refused.error.code == "LinkedAuthorizationFailed"
    made = cs.deployments.begin_create_or_update(
        OTHER_RG, "aiprodeus2", "t", deployment, headers={"x-ms-authorization-auxiliary": "Bearer source-tenant"}
    ).result()
    assert made.properties.model.source_account == SOURCE
