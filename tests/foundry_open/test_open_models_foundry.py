"""Open models through the fine-tuning API of a Foundry resource, end to end on the emulator.

From the `foundry-open` example stack: Qwen3-32B (Global) trained and deployed as Global Standard with its
provider's format, gpt-oss-20b (Data zone), and the preview gpt-oss-120b with RFT and a grader (Global). The
training type is always sent, each job succeeds, and a rerun of the same commands creates nothing: the
emulator's counters (uploads, job creations, deployment PUTs) stay at one. Deployment types the catalog does
not offer are refused before anything is created.
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


def _created(emulator) -> dict[str, int]:
    """Everything the emulator acted on, summed over its accounts: uploads, job_creations, deployment_puts."""
    totals: dict[str, int] = {}
    for account in emulator.dataplane.accounts.values():
        for name, count in account.counters.items():
            totals[name] = totals.get(name, 0) + count
    for name, count in emulator.arm.counters.items():
        kind = name.split(":")[0]
        totals[kind] = totals.get(kind, 0) + count
    return {name: count for name, count in totals.items() if count}


def _launch(outputs: Path, *args: str) -> dict:
    code, out, err = run(["launch", "--outputs", str(outputs), *args, "--json", "--wait"])
    assert code == 0, err
    return json.loads(out)


def test_qwen3_32b_trains_globally_and_deploys_as_global_standard_exactly_once(emulator, foundry_outputs, sft_file):
    """Launch --wait then deploy, twice: one upload, one job, one deployment PUT; format Alibaba, sku GlobalStandard."""
    launch = ["--model", "Qwen3-32B", "--method", "sft", "--train", str(sft_file)]
    results = []
    for _ in range(2):
        launched = _launch(foundry_outputs, *launch)
        deploy = ["deploy", launched["job_id"], "--outputs", str(foundry_outputs)]
        code, out, err = run([*deploy, "--sku", "GlobalStandard"])
        assert code == 0, err
        text = out + err  # the result on stdout, the notes (capacity, hosting) on stderr
        code, out, err = run([*deploy, "--json"])
        assert code == 0, err
        results.append((launched, text, json.loads(out)))
    (first, first_text, first_json), (again, again_text, again_json) = results
    assert first["final"]["status"] == "succeeded" and first["target"]["training_type"] == "global"
    assert again["job_id"] == first["job_id"] and "already deployed" in again_text
    assert first_json["created"] is False and again_json["deployment"] == first_json["deployment"]
    assert _created(emulator) == {"uploads": 1, "job_creations": 1, "deployment_puts": 1}
    [body] = _jobs(emulator)
    assert body["trainingType"] == "GlobalStandard" and body["model"] == "Qwen3-32B"
    [deployment] = _deployments(emulator)
    assert deployment["properties"]["model"]["format"] == "Alibaba" and deployment["sku"]["name"] == "GlobalStandard"
    assert deployment["properties"]["model"]["name"] == first["final"]["fine_tuned_model"]
    # The hosting line: billed hourly as a fine-tuned Global Standard deployment; the catalog has no published
    # hourly price for Qwen3-32B (prices.yaml), so no figure is claimed.
    hosting = "fine-tuned deployments bill for hosting every hour they exist, used or not"
    assert hosting in first_text and hosting in again_text and hosting in first_json["note"]
    assert first_json["hosting_per_day"] is None and "USD/day" not in first_text
    assert "no hosting price recorded for Qwen3-32B: see https://aka.ms/oai/pricing" in first_json["note"]


def test_gpt_oss_20b_trains_in_the_us_data_zone_and_a_rerun_creates_nothing(emulator, foundry_outputs, sft_file):
    args = ["--model", "gpt-oss-20b", "--method", "sft", "--train", str(sft_file)]
    launched = _launch(foundry_outputs, *args)
    assert launched["final"]["status"] == "succeeded" and launched["target"]["location"] == "eastus2"
    assert launched["target"]["training_type"] == "data_zone"  # the stack's declaration, not the Global default
    again = _launch(foundry_outputs, *args)
    assert again["job_id"] == launched["job_id"]
    assert _created(emulator) == {"uploads": 1, "job_creations": 1}
    [body] = _jobs(emulator)
    assert body["trainingType"] == "DataZoneStandard" and body["model"] == "gpt-oss-20b"


def test_gpt_oss_120b_rft_with_a_grader_trains_globally_and_a_rerun_creates_nothing(
    emulator, foundry_outputs, rft_files
):
    train, valid, grader = rft_files
    args = ["--model", "gpt-oss-120b", "--method", "rft", "--train", str(train), "--validation", str(valid)]
    args += ["--grader", str(grader)]
    launched = _launch(foundry_outputs, *args)
    assert launched["final"]["status"] == "succeeded" and launched["target"]["training_type"] == "global"
    assert launched["validation_file"]
    checked = _created(emulator)
    assert checked == {"grader_validations": 1, "grader_runs": 1, "uploads": 2, "job_creations": 1}
    again = _launch(foundry_outputs, *args)
    assert again["job_id"] == launched["job_id"]
    created = {k: v for k, v in _created(emulator).items() if not k.startswith("grader_")}
    assert created == {"uploads": 2, "job_creations": 1}  # the training and validation files, once each
    [body] = _jobs(emulator)
    assert body["trainingType"] == "GlobalStandard" and body["model"] == "gpt-oss-120b"
    assert body["method"]["type"] == "reinforcement"
    assert body["method"]["reinforcement"]["grader"] == json.loads(grader.read_text())


def test_a_standard_deployment_of_an_open_model_is_refused_before_any_put(emulator, foundry_outputs, sft_file):
    job = _launch(foundry_outputs, "--model", "Qwen3-32B", "--method", "sft", "--train", str(sft_file))["job_id"]
    code, _, err = run(["deploy", job, "--outputs", str(foundry_outputs), "--sku", "Standard", "--json"])
    assert code == 1 and "cannot be deployed as Standard" in err and "GlobalStandard" in err
    assert _deployments(emulator) == [] and "deployment_puts" not in _created(emulator)
    assert "deployment_refusals" not in _created(emulator)  # refused by ftops, not by the service


def test_a_developer_deployment_of_gpt_4o_is_refused_naming_the_types_that_serve_it(emulator, outputs_for, sft_file):
    outputs = outputs_for([("swedencentral", "aisse"), ("eastus2", "aiseus2")])
    job = _launch(outputs, "--model", "gpt-4o", "--method", "sft", "--train", str(sft_file))["job_id"]
    code, out, err = run(["deploy", job, "--outputs", str(outputs), "--sku", "Developer", "--json"])
    assert code == 1 and "gpt-4o models cannot be deployed as Developer" in err
    assert "GlobalStandard" in json.loads(out)["hint"] and "Standard" in json.loads(out)["hint"]
    assert _deployments(emulator) == [] and "deployment_puts" not in _created(emulator)
    assert "deployment_refusals" not in _created(emulator)


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

    tuned = _launch(foundry_outputs, "--model", "Qwen3-32B", "--method", "sft", "--train", str(sft_file))
    outputs = json.loads(foundry_outputs.read_text())
    with ArmClient(outputs["subscription_id"], sleep=lambda s: None) as arm:
        account = outputs["regions"][0]["account_name"]
        model = tuned["final"]["fine_tuned_model"]
        with pytest.raises(AzureRefusedError, match="has format Alibaba, not OpenAI"):
            arm.deployments.begin_create(outputs["resource_group"], account, "d1", model=model, sku="GlobalStandard")
    assert _deployments(emulator) == []
