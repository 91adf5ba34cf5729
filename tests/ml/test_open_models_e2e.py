"""Open models end to end through the CLI on the emulator: Phi-4 and Ministral-3B serverless, managed compute."""

from __future__ import annotations

import json

from ftops.azure.arm import ArmClient
from ftops.azure.ml import AzureML
from ftops.catalog import load_catalog
from ftops.cli.app import run as cli_run
from ftops.stack.naming import marketplace_subscription_name

PROJECT = "prj-open"


def ml_counter(emulator, name: str) -> int:
    return emulator.ml.counters.get(f"{name}:{PROJECT}", 0)


def run(*args: str) -> tuple[int, str, str]:
    return cli_run(list(args))


def subscribe_like_pulumi_up(project_id: str, model: str) -> None:
    """The subscription the stack's hub project creates: same name rule, the model's registry id."""
    catalog = load_catalog()
    with AzureML(sleep=lambda s: None) as ml:
        model_id = catalog.registry_model_id(catalog.model(model))
        ml.begin_marketplace_subscription(project_id, marketplace_subscription_name(model), model_id).result(
            poll_seconds=0
        )


def test_phi4_serverless_to_endpoint_exactly_once(emulator, hub_outputs, sft_file):
    outputs = str(hub_outputs())
    args = [
        "launch",
        "--outputs",
        outputs,
        "--model",
        "Phi-4",
        "--method",
        "sft",
        "--train",
        str(sft_file),
        "--epochs",
        "2",
        "--json",
    ]
    code, out, err = run(*args, "--wait")
    assert code == 0, err
    launched = json.loads(out)
    assert launched["target"]["kind"] == "hub" and launched["target"]["project"] == "open-models"
    assert launched["final"]["status"] == "succeeded" and launched["final"]["fine_tuned_model"]
    job = emulator.ml.jobs[(PROJECT, launched["job_id"])]["properties"]
    assert job["fineTuningDetails"]["model"]["uri"] == "azureml://registries/azureml/models/Phi-4"
    assert job["fineTuningDetails"]["hyperParameters"] == {"num_train_epochs": "2"}
    code, out, _ = run(*args)
    again = json.loads(out)
    assert code == 0 and again["resumed"] and again["job_id"] == launched["job_id"]
    assert (ml_counter(emulator, "job_creations"), ml_counter(emulator, "data_registrations")) == (1, 1)
    assert sum(v for k, v in emulator.ml.counters.items() if k.startswith("blob_uploads")) == 1
    code, out, err = run("deploy", launched["job_id"], "--outputs", outputs, "--json")
    assert code == 0, err
    deployed = json.loads(out)
    assert deployed["provisioning_state"] == "Succeeded" and deployed["model"] == launched["final"]["fine_tuned_model"]
    code, out, _ = run("deploy", launched["job_id"], "--outputs", outputs, "--json")
    assert code == 0 and json.loads(out)["created"] is False
    assert ml_counter(emulator, "endpoint_creations") == 1
    assert emulator.violations == []


def test_ministral_3b_needs_its_marketplace_subscription(emulator, hub_outputs, sft_file, project_id):
    base = ["launch", "--model", "Ministral-3B", "--method", "sft", "--train", str(sft_file), "--json"]
    code, _, err = run(*base, "--outputs", str(hub_outputs()))
    assert code == 1
    assert "needs an Azure Marketplace subscription" in err and "marketplace_subscriptions" in err
    assert ml_counter(emulator, "job_creations") == 0 and not emulator.ml.blobs
    declared = str(hub_outputs(marketplace=("Ministral-3B",)))
    code, _, err = run(*base, "--outputs", declared)
    assert code == 1 and "run `pulumi up`" in err  # declared in the stack, but not created in Azure yet
    subscribe_like_pulumi_up(project_id, "Ministral-3B")
    code, out, err = run(*base, "--outputs", declared, "--wait")
    assert code == 0, err
    launched = json.loads(out)
    assert launched["final"]["status"] == "succeeded"
    job = emulator.ml.jobs[(PROJECT, launched["job_id"])]["properties"]
    assert job["fineTuningDetails"]["model"]["uri"] == "azureml://registries/azureml-mistral/models/Ministral-3B"
    code, out, _ = run(*base, "--outputs", declared)
    again = json.loads(out)
    assert code == 0 and again["resumed"] and again["job_id"] == launched["job_id"]
    assert (ml_counter(emulator, "job_creations"), ml_counter(emulator, "data_registrations")) == (1, 1)
    for created in (True, False):  # deploying twice finds the first endpoint
        code, out, err = run("deploy", launched["job_id"], "--outputs", declared, "--json")
        assert code == 0, err
        deployed = json.loads(out)
        assert deployed["created"] is created and deployed["provisioning_state"] == "Succeeded"
        assert deployed["model"] == launched["final"]["fine_tuned_model"] and deployed["endpoint"].startswith(
            "https://"
        )
    assert ml_counter(emulator, "endpoint_creations") == 1


def test_managed_compute_needs_quota_then_runs_on_the_cluster(emulator, hub_outputs, sft_file):
    outputs = str(hub_outputs(compute=True, location="westus3"))
    args = [
        "launch",
        "--outputs",
        outputs,
        "--model",
        "Phi-4-mini-instruct",
        "--method",
        "sft",
        "--train",
        str(sft_file),
        "--compute",
        "managed",
        "--json",
    ]
    code, _, err = run(*args)
    assert code == 3
    assert "standardNCADSA100v4Family in westus3 has 0 vCPUs free" in err and "ftops quota" in err
    assert "managed_compute.training_vcpus" in err
    assert ml_counter(emulator, "job_creations") == 0 and not emulator.ml.blobs and not emulator.ml.data
    with ArmClient("00000000-0000-0000-0000-000000000001", sleep=lambda s: None) as arm:
        arm.quota.begin_request("westus3", "standardNCADSA100v4Family", 48).result(poll_seconds=0)
    code, out, err = run(*args, "--wait")
    assert code == 0, err
    launched = json.loads(out)
    assert launched["target"]["kind"] == "managed" and launched["final"]["status"] == "succeeded"
    job = emulator.ml.jobs[(PROJECT, launched["job_id"])]["properties"]
    assert job["computeId"].endswith("/computes/ft-train")
    code, out, _ = run(*args)
    again = json.loads(out)
    assert code == 0 and again["resumed"] and again["job_id"] == launched["job_id"]
    assert ml_counter(emulator, "job_creations") == 1
    code, out, err = run("deploy", launched["job_id"], "--outputs", outputs, "--json")
    assert code == 0, err
    deployed = json.loads(out)
    assert deployed["instance_type"] == "Standard_NC24ads_A100_v4" and deployed["provisioning_state"] == "Succeeded"
    code, out, _ = run("deploy", launched["job_id"], "--outputs", outputs, "--json")
    assert code == 0 and json.loads(out)["created"] is False
    assert emulator.ml.counters[f"online_endpoint_creations:{PROJECT}"] == 1


def test_a_marketplace_job_the_service_fails_exits_3(emulator, hub_outputs, sft_file, project_id):
    """The stack says subscribed and Azure had it at launch, but the service then fails the job."""
    declared = str(hub_outputs(marketplace=("Ministral-3B",)))
    subscribe_like_pulumi_up(project_id, "Ministral-3B")
    code, out, _ = run(
        "launch",
        "--outputs",
        declared,
        "--model",
        "Ministral-3B",
        "--method",
        "sft",
        "--train",
        str(sft_file),
        "--json",
    )
    assert code == 0
    job = json.loads(out)["job_id"]
    del emulator.ml.subscriptions[(PROJECT, "ministral-3b")]
    code, _, err = run("jobs", "wait", job)
    assert code == 3 and "no Azure Marketplace subscription" in err


def test_jobs_commands_on_a_hub_job(emulator, hub_outputs, sft_file):
    outputs = str(hub_outputs())
    code, out, _ = run(
        "launch", "--outputs", outputs, "--model", "Phi-4", "--method", "sft", "--train", str(sft_file), "--json"
    )
    job = json.loads(out)["job_id"]
    code, out, _ = run("jobs", "show", job, "--json")
    assert code == 0 and json.loads(out)["id"] == job
    code, _, err = run("jobs", "events", job)
    assert code == 2 and "Azure OpenAI jobs only" in err
    code, out, _ = run("jobs", "cancel", job, "--json")
    assert code == 0 and json.loads(out)["status"] == "cancelled"
    listed = json.loads(run("jobs", "list", "--json")[1])["jobs"]
    assert [j["job_id"] for j in listed] == [job]
