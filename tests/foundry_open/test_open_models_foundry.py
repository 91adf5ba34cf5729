"""Open models through the fine-tuning API of a Foundry resource, end to end on the emulator.

Qwen3-32B (Global) and gpt-oss-20b (Data zone) from the `foundry-open` example stack: the training type is always
sent, the job succeeds, a rerun creates nothing, and the fine-tuned model deploys as Global Standard with its
provider's format. Deployment types the catalog does not offer are refused before anything is created.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftops.azure.openai import OpenAIDataPlane
from ftops.cli.app import run


@pytest.fixture
def foundry_outputs(tmp_path: Path) -> Path:
    """The example stack's outputs, as `ftops plan --save-outputs` writes them (no Azure, no pulumi up)."""
    path = tmp_path / "foundry-open-outputs.json"
    code, _, err = run(["plan", "--stack", "foundry-open", "--save-outputs", str(path)])
    assert code == 0, err
    return path


def _jobs(emulator) -> list[dict]:
    return [job.body for account in emulator.dataplane.accounts.values() for job in account.jobs.values()]


def _deployments(emulator) -> list[dict]:
    return [d for per_account in emulator.arm.deployments.values() for d in per_account.values()]


@pytest.mark.parametrize(("model", "wire"), [("Qwen3-32B", "GlobalStandard"), ("gpt-oss-20b", "DataZoneStandard")])
def test_an_open_model_trains_with_its_declared_training_type_once(emulator, foundry_outputs, sft_file, model, wire):
    args = ["launch", "--outputs", str(foundry_outputs), "--model", model, "--method", "sft", "--train", str(sft_file)]
    code, out, err = run([*args, "--json", "--wait"])
    assert code == 0, err
    launched = json.loads(out)
    assert launched["final"]["status"] == "succeeded" and launched["target"]["location"] == "eastus2"
    [body] = _jobs(emulator)
    assert body["trainingType"] == wire and body["model"] == model
    code, out, _ = run([*args, "--json"])
    assert code == 0 and json.loads(out)["job_id"] == launched["job_id"] and len(_jobs(emulator)) == 1


def test_qwen3_32b_deploys_as_global_standard_with_its_provider_format(emulator, foundry_outputs, sft_file):
    args = ["launch", "--outputs", str(foundry_outputs), "--model", "Qwen3-32B", "--method", "sft"]
    code, out, err = run([*args, "--train", str(sft_file), "--json", "--wait"])
    assert code == 0, err
    job = json.loads(out)["job_id"]
    deploy = ["deploy", job, "--outputs", str(foundry_outputs), "--json"]
    code, _, err = run([*deploy, "--sku", "Standard"])  # an open model's fine-tunes are served Global Standard only
    assert code == 1 and "cannot be deployed as Standard" in err and "GlobalStandard" in err
    assert _deployments(emulator) == []
    for created in (True, False):  # the rerun finds the deployment
        code, out, err = run([*deploy, "--sku", "GlobalStandard"])
        assert code == 0, err
        assert json.loads(out)["created"] is created and json.loads(out)["sku"] == "GlobalStandard"
    [deployment] = _deployments(emulator)
    assert deployment["properties"]["model"]["format"] == "Alibaba" and deployment["sku"]["name"] == "GlobalStandard"


def test_a_developer_deployment_of_gpt_4o_is_refused_naming_the_types_that_serve_it(emulator, outputs_for, sft_file):
    outputs = str(outputs_for([("swedencentral", "aisse"), ("eastus2", "aiseus2")]))
    args = ["launch", "--outputs", outputs, "--model", "gpt-4o", "--method", "sft", "--train", str(sft_file)]
    code, out, err = run([*args, "--json", "--wait"])
    assert code == 0, err
    job = json.loads(out)["job_id"]
    code, out, err = run(["deploy", job, "--outputs", outputs, "--sku", "Developer", "--json"])
    assert code == 1 and "gpt-4o models cannot be deployed as Developer" in err
    assert "GlobalStandard" in json.loads(out)["hint"] and "Standard" in json.loads(out)["hint"]
    assert _deployments(emulator) == []


def test_the_emulator_fails_an_open_model_job_sent_without_a_training_type(emulator, sft_file):
    """Azure's misleading answer, reproduced: without `trainingType` an open model 'does not support fine-tuning'."""
    from ftops.errors import AzureRefusedError

    with OpenAIDataPlane("https://aiseus2.openai.azure.com/", sleep=lambda s: None) as plane:
        uploaded = plane.files.upload(sft_file)
        plane.files.wait_processed(uploaded.id, poll_seconds=0)
        with pytest.raises(AzureRefusedError) as refused:
            plane.fine_tuning.jobs.create("Qwen3-32B", uploaded.id)
        assert "does not support fine-tuning" in str(refused.value)
        job = plane.fine_tuning.jobs.create("Qwen3-32B", uploaded.id, training_type="global")
        assert job.id


def test_the_emulator_refuses_an_open_model_deployment_with_the_openai_format(emulator, foundry_outputs, sft_file):
    """The format check that makes the deploy test above able to fail: `OpenAI` is not Qwen3-32B's format."""
    from ftops.azure.arm import ArmClient
    from ftops.errors import AzureRefusedError

    args = ["launch", "--outputs", str(foundry_outputs), "--model", "Qwen3-32B", "--method", "sft"]
    code, out, err = run([*args, "--train", str(sft_file), "--json", "--wait"])
    assert code == 0, err
    tuned = json.loads(out)["final"]["fine_tuned_model"]
    outputs = json.loads(foundry_outputs.read_text())
    with ArmClient(outputs["subscription_id"], sleep=lambda s: None) as arm:
        account = outputs["regions"][0]["account_name"]
        with pytest.raises(AzureRefusedError, match="has format Alibaba, not OpenAI"):
            arm.deployments.begin_create(outputs["resource_group"], account, "d1", model=tuned, sku="GlobalStandard")
    assert _deployments(emulator) == []
