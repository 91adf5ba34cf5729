"""Deployment quota through the real CLI against the emulator: `check --live`, `deploy`, `deployments`, `quota`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ftops.azure.arm import ArmClient
from ftops.azure.openai import OpenAIDataPlane
from ftops.errors import AzureRefusedError

SUB = "00000000-0000-0000-0000-000000000001"
FT_STANDARD = "OpenAI.Standard.gpt4.1-mini-finetune"  # fine-tuned hosting has its own quota, spelled as Azure does


def write_stack(tmp_path: Path, regions: list[dict], name: str = "capacity") -> Path:
    path = tmp_path / f"Pulumi.{name}.yaml"
    environment = {"name": "ftcap", "resource_group": {"location": "swedencentral"}, "regions": regions}
    path.write_text(yaml.safe_dump({"config": {"ftops:environment": environment}}))
    return path


def deployment(name: str, model: str, sku: str, capacity: int) -> dict:
    return {"name": name, "model": model, "sku": sku, "capacity": capacity}


OVER_QUOTA = [
    {
        "location": "swedencentral",
        "deployments": [
            deployment("mini-a", "gpt-4.1-mini", "GlobalStandard", 80),
            deployment("mini-b", "gpt-4.1-mini", "GlobalStandard", 40),
        ],
    },
    {"location": "eastus2", "deployments": [deployment("big", "gpt-4.1", "Standard", 30)]},
]


@pytest.fixture
def tight(emulator):
    """Limits that make OVER_QUOTA short in both regions, with one other region too small to help."""
    emulator.arm.set_usage_limit("swedencentral", "OpenAI.GlobalStandard.gpt-4.1-mini", 100)
    emulator.arm.set_usage_limit("eastus2", "OpenAI.Standard.gpt4.1", 20)
    emulator.arm.set_usage_limit("northcentralus", "OpenAI.GlobalStandard.gpt-4.1-mini", 50)
    return emulator


def test_check_live_lists_each_shortfall_with_regions_that_fit(tight, cli, tmp_path):
    code, out, _ = cli("check", "--stack", str(write_stack(tmp_path, OVER_QUOTA)), "--live", "--json")
    assert code == 3
    error = json.loads(out)
    assert error["code"] == "InsufficientQuota"
    first, second = error["problems"]  # one per (region, model, SKU), the two mini deployments summed
    assert first["path"] == "regions[0].deployments[0], regions[0].deployments[1]"
    assert first["message"].startswith(
        "swedencentral: gpt-4.1-mini GlobalStandard wants 120K TPM, 100K free (limit 100K); fits: "
    )
    fits = first["message"].split("fits: ")[1].split(", ")
    assert fits[0] == "eastus2 GlobalStandard (1000K free)"  # the stack's other region, same SKU, first
    assert not any(f.startswith("northcentralus GlobalStandard") for f in fits)  # 50K free is not enough
    assert not any("Developer" in f for f in fits)  # Developer serves fine-tuned models only
    assert second["path"] == "regions[1].deployments[0]"
    assert second["message"].startswith("eastus2: gpt-4.1 Standard wants 30K TPM, 20K free (limit 20K); fits: ")
    assert "eastus2 GlobalStandard (1000K free)" in second["message"]


def test_check_live_human_output_has_one_line_per_shortfall(tight, cli, tmp_path):
    code, out, err = cli("check", "--stack", str(write_stack(tmp_path, OVER_QUOTA)), "--live")
    assert code == 3 and out == ""
    lines = [line for line in err.splitlines() if line.startswith("  - ")]
    assert len(lines) == 2
    assert "swedencentral: gpt-4.1-mini GlobalStandard wants 120K TPM, 100K free" in lines[0]
    assert (
        "eastus2: gpt-4.1 Standard wants 30K TPM, 20K free" in lines[1]
        and "eastus2 GlobalStandard (1000K free)" in lines[1]
    )


def test_check_live_passes_when_the_stack_fits(tight, cli, tmp_path):
    fits = [{"location": "swedencentral", "deployments": [deployment("mini-a", "gpt-4.1-mini", "GlobalStandard", 100)]}]
    code, _, err = cli("check", "--stack", str(write_stack(tmp_path, fits)), "--live")
    assert code == 0, err


def test_check_live_names_a_deployment_type_the_region_does_not_offer(emulator, cli, tmp_path):
    stack = [{"location": "swedencentral", "deployments": [deployment("dev", "gpt-4.1-mini", "Developer", 5)]}]
    code, out, _ = cli("check", "--stack", str(write_stack(tmp_path, stack)), "--live", "--json")
    assert code == 3
    (problem,) = json.loads(out)["problems"]
    assert (
        "Developer wants 5K TPM, 0K free (no OpenAI.Developer.gpt-4.1-mini quota: not offered there)"
        in (problem["message"])
    )
    assert "swedencentral GlobalStandard (1000K free)" in problem["message"]


def finished_job(endpoint: str) -> str:
    line = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
    with OpenAIDataPlane(endpoint, sleep=lambda s: None) as plane:
        training = plane.files.upload(line * 12, filename="t.jsonl")
        plane.files.wait_processed(training["id"], poll_seconds=0)
        job = plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", training["id"])
        assert plane.fine_tuning.jobs.wait(job["id"], poll_seconds=0)["status"] == "succeeded"
    return job["id"]


@pytest.fixture
def outputs(tmp_path: Path, emulator) -> str:
    """Stack outputs with an account in swedencentral (aissc) and one in northcentralus (aisncus)."""
    account_id = f"/subscriptions/{SUB}/resourceGroups/rg-ftcap/providers/Microsoft.CognitiveServices/accounts/"
    places = (("swedencentral", "aissc"), ("northcentralus", "aisncus"))
    for location, name in places:
        emulator.arm.set_account_location(name, location)
    regions = [
        {
            "location": loc,
            "account_name": name,
            "account_id": account_id + name,
            "endpoint": f"https://{name}.openai.azure.com/",
            "projects": [],
        }
        for loc, name in places
    ]
    path = tmp_path / "outputs.json"
    stack = {"environment": "ftcap", "subscription_id": SUB, "resource_group": "rg-ftcap", "location": "swedencentral"}
    path.write_text(json.dumps({**stack, "network_mode": "public", "regions": regions}))
    return str(path)


def created_deployments(emulator) -> list[str]:
    return [name for names in emulator.state()["arm"]["deployments"].values() for name in names]


def test_deploy_refuses_before_creating_anything(emulator, cli, outputs):
    emulator.arm.set_usage_limit("swedencentral", FT_STANDARD, 5)  # the base model's quota keeps its 1000K
    emulator.arm.set_usage_limit("northcentralus", FT_STANDARD, 500)
    job = finished_job("https://aissc.openai.azure.com/")
    code, out, err = cli("deploy", job, "--outputs", outputs, "--capacity", "10", "--json")
    assert code == 3, err
    data = json.loads(out)
    assert data["code"] == "InsufficientQuota"
    (problem,) = data["problems"]
    message = problem["message"]
    assert message.startswith("swedencentral: gpt-4.1-mini fine-tuned Standard wants 10K TPM, 5K free (limit 5K)")
    fits = message.split("fits: ")[1].split(", ")
    assert fits[0] == "northcentralus Standard (500K free)"  # the stack's other region first
    assert "swedencentral GlobalStandard (1000K free)" in fits and "swedencentral Developer (1000K free)" in fits
    assert created_deployments(emulator) == []
    assert not any(key.startswith("deployment_") for key in emulator.state()["arm"]["counters"])  # no PUT at all

    code, out, err = cli("deploy", job, "--outputs", outputs, "--capacity", "5", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["hosting_per_day"] == pytest.approx(1.70 * 24)  # Standard: the hourly hosting fee
    assert "15 days" in result["note"]


def test_developer_deployment_has_no_hosting_fee_and_says_it_expires(emulator, cli, outputs):
    job = finished_job("https://aissc.openai.azure.com/")
    code, out, err = cli("deploy", job, "--outputs", outputs, "--sku", "Developer", "--capacity", "5", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["sku"], result["hosting_per_day"]) == ("Developer", 0.0)
    assert "24 hours" in result["note"]


def test_emulator_refuses_with_azures_insufficient_quota_shape(emulator, outputs):
    emulator.arm.set_usage_limit("swedencentral", "OpenAI.GlobalStandard.gpt-4.1-mini", 30)
    with ArmClient(SUB, sleep=lambda s: None) as arm:
        arm.deployments.begin_create(
            "rg-ftcap", "aissc", "a", model="gpt-4.1-mini", version="1", sku="GlobalStandard", capacity=20
        ).result(poll_seconds=0)
        with pytest.raises(AzureRefusedError) as refused:
            arm.deployments.begin_create(
                "rg-ftcap", "aissc", "b", model="gpt-4.1-mini", version="1", sku="GlobalStandard", capacity=20
            )
    assert refused.value.status == 400 and refused.value.code == "InsufficientQuota"
    assert "This operation require 20 new capacity in quota Tokens Per Minute (thousands)" in refused.value.message
    assert "current available capacity 10. The current quota usage is 20 and the quota limit is 30" in (
        refused.value.message
    )


def quota_in_use(cli, name: str) -> int:
    code, out, err = cli("quota", "--region", "swedencentral", "--json")
    assert code == 0, err
    return sum(u["used"] for u in json.loads(out)["deployment_quota"] if u["name"] == name)


def test_deleting_a_deployment_frees_its_capacity(emulator, cli, outputs):
    emulator.arm.set_usage_limit("swedencentral", FT_STANDARD, 10)
    first, second = finished_job("https://aissc.openai.azure.com/"), finished_job("https://aissc.openai.azure.com/")
    code, _, err = cli("deploy", first, "--outputs", outputs, "--name", "support-ft", "--capacity", "7", "--json")
    assert code == 0, err
    assert quota_in_use(cli, FT_STANDARD) == 7

    code, out, _ = cli("deployments", "list", "--outputs", outputs, "--json")
    (row,) = json.loads(out)["deployments"]
    assert (row["name"], row["fine_tuned"], row["sku"], row["capacity"], row["location"]) == (
        "support-ft",
        True,
        "Standard",
        7,
        "swedencentral",
    )
    assert row["hosting_per_day"] == pytest.approx(40.8) and row["created"] and row["last_used"] is None

    code, _, err = cli("deploy", second, "--outputs", outputs, "--name", "second-ft", "--capacity", "5", "--json")
    assert code == 3 and "wants 5K TPM, 3K free" in err  # only 3K left while support-ft exists

    code, _, err = cli("deployments", "delete", "support-ft", "--outputs", outputs)
    assert code == 2 and "--yes" in err  # no terminal to confirm on: refuse rather than guess
    assert created_deployments(emulator) == ["support-ft"]
    code, out, _ = cli("deployments", "delete", "support-ft", "--outputs", outputs, "--yes", "--json")
    assert code == 0 and json.loads(out)["deleted"] is True

    assert quota_in_use(cli, FT_STANDARD) == 0  # the next `ftops quota` shows the capacity back
    code, _, err = cli("deploy", second, "--outputs", outputs, "--name", "second-ft", "--capacity", "5", "--json")
    assert code == 0, err
    code, _, err = cli("deployments", "delete", "support-ft", "--outputs", outputs, "--yes")
    assert code == 1 and "no deployment 'support-ft'" in err


def test_deployments_list_tells_base_from_fine_tuned(emulator, cli, outputs):
    with ArmClient(SUB, sleep=lambda s: None) as arm:
        arm.deployments.begin_create(
            "rg-ftcap", "aisncus", "chat", model="gpt-4.1", version="2025-04-14", sku="GlobalStandard", capacity=3
        ).result(poll_seconds=0)
    code, out, err = cli("deployments", "list", "--outputs", outputs)
    assert code == 0, err
    assert "chat" in out and "base" in out
    code, out, _ = cli("deployments", "list", "--outputs", outputs, "--json")
    (row,) = json.loads(out)["deployments"]
    assert (row["fine_tuned"], row["hosting_per_day"], row["location"]) == (False, 0.0, "northcentralus")
