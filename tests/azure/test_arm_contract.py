"""Every ArmClient operation against the spec-checked emulator."""

from __future__ import annotations

import pytest

from ftops.azure.errors import AzureConflictError
from ftops.errors import AzureRefusedError


def test_location_models_follow_next_link_and_report_fine_tune_capability(arm, emulator):
    models = list(arm.location_models("swedencentral"))
    assert len(models) > 5  # more than one emulator page, so nextLink was followed
    offers = {o.name: o for o in arm.fine_tunable_models("swedencentral")}
    assert "text-embedding-3-small" not in offers  # listed, but without the fine-tune capability
    # ARM lists no training types (finetuneCapabilities is a free-form capability map): none are invented.
    assert offers["gpt-4.1"].version == "2025-04-14" and offers["gpt-4.1"].training_types == ()
    emulator.arm.set_location_models("swedencentral", [emulator.arm.model_entry("gpt-4o", "1", fine_tune=True)])
    assert [o.name for o in arm.fine_tunable_models("swedencentral")] == ["gpt-4o"]


def test_usages(arm):
    cognitive = arm.cognitive_usages("swedencentral")
    assert all({"name", "currentValue", "limit"} <= set(u) for u in cognitive)
    ml = {u["name"]["value"]: u for u in arm.ml_usages("eastus2")}
    assert ml["standardNCSv3Family"]["limit"] == 24


def test_deployment_create_polls_to_succeeded_and_serializes_per_account(arm):
    poller = arm.deployments.begin_create("rg", "acct1", "chat", model="gpt-4.1-mini", version="2025-04-14")
    assert not poller.done()
    with pytest.raises(AzureConflictError) as caught:
        arm.deployments.begin_create("rg", "acct1", "other", model="gpt-4o")
    assert caught.value.exit_code == 3 and "wait" in (caught.value.hint or "")
    deployment = poller.result(poll_seconds=0)
    assert deployment["properties"]["provisioningState"] == "Succeeded"
    assert arm.deployments.begin_create("rg", "acct1", "other", model="gpt-4o").result(poll_seconds=0)
    assert sorted(d["name"] for d in arm.deployments.list("rg", "acct1")) == ["chat", "other"]
    assert arm.deployments.delete("rg", "acct1", "chat") is True
    assert arm.deployments.delete("rg", "acct1", "chat") is False
    assert arm.deployments.get("rg", "acct1", "chat") is None


def test_deploying_an_unknown_fine_tuned_model_is_refused(arm):
    with pytest.raises(AzureRefusedError, match="DeploymentModelNotFound"):
        arm.deployments.begin_create("rg", "acct1", "ft", model="gpt-4o-2024-08-06.ft-0000")


def test_deploying_a_fine_tuned_model_from_a_finished_job(arm, plane, jsonl):
    training = plane.files.upload(jsonl(12), filename="t.jsonl")
    plane.files.wait_processed(training["id"], poll_seconds=0)
    job = plane.fine_tuning.jobs.create("gpt-4o", training["id"])
    model = plane.fine_tuning.jobs.wait(job["id"], poll_seconds=0)["fine_tuned_model"]
    deployment = arm.deployments.begin_create("rg", "acct1", "ft", model=model).result(poll_seconds=0)
    assert deployment["properties"]["model"]["name"] == model


def test_quota_read_request_success_and_escalation(arm):
    assert arm.quota.limit("eastus2", "standardNCSv3Family") == 24
    done = arm.quota.begin_request("eastus2", "standardNCSv3Family", 48).result(poll_seconds=0)
    assert done["properties"]["limit"]["value"] == 48  # the Location monitor's final answer: the quota itself
    assert arm.quota.limit("eastus2", "standardNCSv3Family") == 48
    with pytest.raises(AzureRefusedError, match="support request") as caught:
        arm.quota.begin_request("eastus2", "standardNCADSA100v4Family", 960).result(poll_seconds=0)
    assert "support request" in (caught.value.hint or "")
    assert arm.quota.limit("eastus2", "standardNCADSA100v4Family") == 0
