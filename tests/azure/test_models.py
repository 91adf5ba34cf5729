"""Typed wire models: extra keys kept, service enums extensible, one vocabulary for terminal states."""

from __future__ import annotations

import json

import pytest

from ftops.azure.models import (
    Deployment,
    FineTuningJob,
    JobStatus,
    MlJob,
    Outcome,
    ProvisioningState,
    Usage,
    outcome_of,
    parse,
)
from ftops.errors import AzureFailureError

JOB = {
    "id": "ftjob-1",
    "object": "fine_tuning.job",
    "status": "succeeded",
    "model": "gpt-4.1-mini-2025-04-14",
    "fine_tuned_model": "gpt-4.1-mini-2025-04-14.ft-abc",
    "hyperparameters": {"n_epochs": 3},
    "error": None,
    "trainingType": "Standard",
}


def test_a_job_reads_as_attributes_and_prints_back_exactly_as_sent():
    job = parse(FineTuningJob, JOB, what="GET job")
    assert job.status is JobStatus.SUCCEEDED and job.outcome is Outcome.SUCCEEDED
    assert job.wire() == JOB  # extra keys kept, nothing added, nulls kept
    assert json.loads(json.dumps(job.wire())) == JOB
    assert job["trainingType"] == "Standard" and job.get("missing", 1) == 1 and {**job} == JOB


def test_a_status_azure_adds_later_is_kept_not_refused():
    job = parse(FineTuningJob, {**JOB, "status": "queued_for_gpu"}, what="GET job")
    assert job.status == "queued_for_gpu" and not job.status.known and job.outcome is None
    assert job.wire()["status"] == "queued_for_gpu"
    assert JobStatus("running").known and ProvisioningState("Creating") is ProvisioningState.CREATING


def test_one_vocabulary_for_the_end_of_every_wait():
    ends = {
        "Succeeded": Outcome.SUCCEEDED,
        "Completed": Outcome.SUCCEEDED,
        "processed": Outcome.SUCCEEDED,
        "Failed": Outcome.FAILED,
        "error": Outcome.FAILED,
        "Invalid": Outcome.FAILED,
        "NotResponding": Outcome.FAILED,
        "Canceled": Outcome.CANCELLED,
        "cancelled": Outcome.CANCELLED,
    }
    assert {s: outcome_of(s) for s in ends} == ends
    for still in ("InProgress", "Accepted", "Creating", "running", "Running", "pending", None, ""):
        assert outcome_of(still) is None
    assert outcome_of("paused") is None and outcome_of("paused", stop_on_pause=True) is Outcome.PAUSED


def test_deployments_usages_and_ml_jobs():
    deployment = parse(
        Deployment,
        {"name": "d", "sku": {"name": "Standard", "capacity": 5}, "properties": {"provisioningState": "Moving2"}},
        what="GET deployment",
    )
    assert deployment.state == "Moving2" and deployment.model_name == "" and deployment.sku.capacity == 5
    usage = parse(Usage, {"name": {"value": "OpenAI.Standard.gpt-4.1"}, "currentValue": 3, "limit": 10}, what="u")
    assert (usage.key, usage.current_value, usage.limit) == ("OpenAI.Standard.gpt-4.1", 3, 10)
    ml = parse(MlJob, {"name": "j", "properties": {"status": "Completed", "jobType": "FineTuning"}}, what="j")
    assert ml.outcome is Outcome.SUCCEEDED


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"status": "running"}, "id: Field required"),
        ({**JOB, "error": "boom"}, "error:"),
        ([JOB], "the body"),
        ({**JOB, "created_at": "yesterday"}, "created_at:"),
    ],
)
def test_a_reply_of_the_wrong_shape_is_exit_4_naming_the_field(data, where):
    with pytest.raises(AzureFailureError) as caught:
        parse(FineTuningJob, data, what="GET job")
    assert where in caught.value.message and caught.value.exit_code == 4 and caught.value.hint
