"""Deployment quota: preflight in `check --live` and `deploy`, listing and deleting deployments."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ftops.azure.arm import ArmClient
from ftops.azure.openai import OpenAIDataPlane
from ftops.capacity.preflight import usages

SUB = "00000000-0000-0000-0000-000000000001"


def write_stack(tmp_path: Path, regions: list[dict]) -> Path:
    path = tmp_path / "Pulumi.capacity.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "config": {
                    "ftops:environment": {
                        "name": "ftcap",
                        "resource_group": {"location": "swedencentral"},
                        "regions": regions,
                    }
                }
            }
        )
    )
    return path


def test_check_live_lists_each_shortfall_and_regions_that_fit(emulator, cli, tmp_path):
    emulator.arm.set_usage_limit("swedencentral", "OpenAI.GlobalStandard.gpt-4.1-mini", 100)
    emulator.arm.set_usage_limit("eastus2", "OpenAI.Standard.gpt-4.1", 20)
    emulator.arm.set_usage_limit("northcentralus", "OpenAI.GlobalStandard.gpt-4.1-mini", 50)
    stack = write_stack(
        tmp_path,
        [
            {
                "location": "swedencentral",
                "deployments": [
                    {"name": "mini-a", "model": "gpt-4.1-mini", "sku": "GlobalStandard", "capacity": 80},
                    {"name": "mini-b", "model": "gpt-4.1-mini", "sku": "GlobalStandard", "capacity": 40},
                ],
            },
            {
                "location": "eastus2",
                "deployments": [{"name": "big", "model": "gpt-4.1", "sku": "Standard", "capacity": 30}],
            },
        ],
    )
    code, out, _err = cli("check", "--stack", str(stack), "--live", "--json")
    assert code == 3
    problems = json.loads(out)["problems"]
    assert len(problems) == 2
    first, second = problems
    assert first["path"] == "regions[0].deployments[0], regions[0].deployments[1]"
    assert "swedencentral: gpt-4.1-mini GlobalStandard wants 120K TPM, 100K free (limit 100K)" in first["message"]
    assert "northcentralus GlobalStandard" not in first["message"]  # 50K free there is not enough
    assert "eastus2 GlobalStandard (1000K free)" in first["message"]
    assert second["path"] == "regions[1].deployments[0]" and "wants 30K TPM, 20K free" in second["message"]
    assert "eastus2 GlobalStandard" in second["message"]
    code, _, _ = cli(
        "check",
        "--stack",
        str(
            write_stack(
                tmp_path,
                [
                    {
                        "location": "swedencentral",
                        "deployments": [
                            {"name": "mini-a", "model": "gpt-4.1-mini", "sku": "GlobalStandard", "capacity": 80}
                        ],
                    }
                ],
            )
        ),
        "--live",
    )
    assert code == 0


def finished_job(endpoint: str) -> str:
    line = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
    with OpenAIDataPlane(endpoint, sleep=lambda s: None) as plane:
        training = plane.files.upload(line * 12, filename="t.jsonl")
        plane.files.wait_processed(training["id"], poll_seconds=0)
        job = plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", training["id"])
        assert plane.fine_tuning.jobs.wait(job["id"], poll_seconds=0)["status"] == "succeeded"
    return job["id"]


def outputs_file(tmp_path: Path) -> Path:
    account_id = f"/subscriptions/{SUB}/resourceGroups/rg-ftcap/providers/Microsoft.CognitiveServices/accounts/"
    regions = [
        {
            "location": loc,
            "account_name": name,
            "account_id": account_id + name,
            "endpoint": f"https://{name}.openai.azure.com/",
            "projects": [],
        }
        for loc, name in (("swedencentral", "aissc"), ("northcentralus", "aisncus"))
    ]
    path = tmp_path / "outputs.json"
    path.write_text(
        json.dumps(
            {
                "environment": "ftcap",
                "subscription_id": SUB,
                "resource_group": "rg-ftcap",
                "location": "swedencentral",
                "network_mode": "public",
                "regions": regions,
            }
        )
    )
    return path


def test_deploy_refuses_before_creating_anything(emulator, cli, tmp_path):
    emulator.arm.set_account_location("aissc", "swedencentral")
    emulator.arm.set_usage_limit("swedencentral", "OpenAI.Standard.gpt-4.1-mini", 5)
    emulator.arm.set_usage_limit("northcentralus", "OpenAI.Standard.gpt-4.1-mini", 500)
    job = finished_job("https://aissc.openai.azure.com/")
    code, out, _err = cli("deploy", job, "--outputs", str(outputs_file(tmp_path)), "--capacity", "10", "--json")
    assert code == 3
    data = json.loads(out)
    assert data["code"] == "InsufficientQuota"
    message = data["problems"][0]["message"]
    assert "swedencentral: gpt-4.1-mini Standard wants 10K TPM, 5K free (limit 5K)" in message
    assert "northcentralus Standard (500K free)" in message and "swedencentral GlobalStandard" in message
    assert emulator.state()["arm"]["deployments"] == {} or not any(emulator.state()["arm"]["deployments"].values())
    assert not any(k.startswith("deployment_puts") for k in emulator.state()["arm"]["counters"])
    code, out, _ = cli("deploy", job, "--outputs", str(outputs_file(tmp_path)), "--capacity", "5", "--json")
    assert code == 0 and json.loads(out)["hosting_per_day"] > 0


def test_list_then_delete_frees_the_capacity(emulator, cli, tmp_path):
    emulator.arm.set_account_location("aissc", "swedencentral")
    job = finished_job("https://aissc.openai.azure.com/")
    outputs = str(outputs_file(tmp_path))
    code, out, _ = cli("deploy", job, "--outputs", outputs, "--name", "support-ft", "--capacity", "7", "--json")
    assert code == 0
    with ArmClient(SUB, sleep=lambda s: None) as arm:
        assert usages(arm, "swedencentral")["OpenAI.Standard.gpt-4.1-mini"].used == 7
    code, out, _ = cli("deployments", "list", "--outputs", outputs, "--json")
    (row,) = json.loads(out)["deployments"]
    assert (row["name"], row["fine_tuned"], row["capacity"], row["location"]) == (
        "support-ft",
        True,
        7,
        "swedencentral",
    )
    assert row["hosting_per_day"] > 0 and row["created"]
    code, _, err = cli("deployments", "delete", "support-ft", "--outputs", outputs)
    assert code == 2 and "--yes" in err  # no terminal to confirm on: refuse rather than guess
    code, out, _ = cli("deployments", "delete", "support-ft", "--outputs", outputs, "--yes", "--json")
    assert code == 0 and json.loads(out)["deleted"] is True
    with ArmClient(SUB, sleep=lambda s: None) as arm:
        assert usages(arm, "swedencentral")["OpenAI.Standard.gpt-4.1-mini"].used == 0
    code, _, err = cli("deployments", "delete", "support-ft", "--outputs", outputs, "--yes")
    assert code == 1 and "no deployment 'support-ft'" in err
