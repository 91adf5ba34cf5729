"""End to end through the real `ftops` executable: outputs file -> launch -> follow -> deploy, on the emulator."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftops.emulator.server import Emulator

FTOPS = str(Path(sys.executable).with_name("ftops"))


def ftops(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([FTOPS, *args], capture_output=True, text=True, timeout=timeout, env=dict(os.environ))


def ok_json(*args: str) -> dict:
    done = ftops(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def sft_rows(n: int = 20) -> list[dict]:
    return [
        {
            "messages": [
                {"role": "system", "content": "You answer briefly."},
                {"role": "user", "content": f"What is {i} + {i}?"},
                {"role": "assistant", "content": str(2 * i)},
            ]
        }
        for i in range(n)
    ]


def dpo_rows(n: int = 20) -> list[dict]:
    return [
        {
            "input": {"messages": [{"role": "user", "content": f"Say hello number {i}"}]},
            "preferred_output": [{"role": "assistant", "content": f"Hello {i}!"}],
            "non_preferred_output": [{"role": "assistant", "content": "no"}],
        }
        for i in range(n)
    ]


def rft_rows(n: int = 20, offset: int = 0) -> list[dict]:
    return [
        {
            "messages": [{"role": "user", "content": f"What is {i} * 3? Answer with the number only."}],
            "answer": str(3 * i),
        }
        for i in range(offset, offset + n)
    ]


PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def vision_rows(n: int = 20) -> list[dict]:
    return [
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": f"What colour is picture {i}?"},
                        {"type": "image_url", "image_url": {"url": PIXEL}},
                    ],
                },
                {"role": "assistant", "content": "Red."},
            ]
        }
        for i in range(n)
    ]


GRADER = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "operation": "eq",
}


def sft_launch(outputs_file: Path, train: Path) -> list[str]:
    """`ftops launch` arguments for an SFT of gpt-4.1-mini on the outputs' stack."""
    return [
        "launch",
        "--outputs",
        str(outputs_file),
        "--model",
        "gpt-4.1-mini",
        "--method",
        "sft",
        "--train",
        str(train),
    ]


def launch_deploy(outputs_file: Path, *launch_args: str) -> tuple[dict, dict]:
    launched = ok_json("launch", "--outputs", str(outputs_file), *launch_args, "--wait")
    assert launched["final"]["status"] == "succeeded"
    assert launched["final"]["fine_tuned_model"]
    deployed = ok_json("deploy", launched["job_id"], "--outputs", str(outputs_file))
    assert deployed["provisioning_state"] == "Succeeded"
    assert deployed["model"] == launched["final"]["fine_tuned_model"]
    return launched, deployed


def test_sft_to_deployed_model_and_idempotent_reruns(emulator, outputs_file, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", sft_rows())
    args = ["--model", "gpt-4.1-mini", "--method", "sft", "--train", str(train), "--epochs", "2", "--suffix", "support"]
    launched, deployed = launch_deploy(outputs_file, *args)
    assert launched["target"]["location"] == "swedencentral"
    assert deployed["endpoint"] == "https://aisse.openai.azure.com/"
    again = ok_json("launch", "--outputs", str(outputs_file), *args)
    assert again["resumed"] and again["job_id"] == launched["job_id"]
    assert ok_json("deploy", launched["job_id"], "--outputs", str(outputs_file))["created"] is False
    counters = emulator.counters("aisse")
    assert counters["uploads"] == 1 and counters["job_creations"] == 1
    assert len(emulator.state()["arm"]["deployments"]) == 1
    listed = ok_json("jobs", "list", "--outputs", str(outputs_file))["jobs"]
    assert [j["job_id"] for j in listed if j["in_ledger"]] == [launched["job_id"]]


def test_dpo_to_deployed_model(emulator, outputs_file, tmp_path):
    train = write_jsonl(tmp_path / "dpo.jsonl", dpo_rows())
    launched, _ = launch_deploy(
        outputs_file, "--model", "gpt-4.1", "--method", "dpo", "--train", str(train), "--beta", "0.1"
    )
    assert launched["method"] == "dpo"


def test_rft_to_deployed_model(emulator, outputs_file, tmp_path):
    train = write_jsonl(tmp_path / "rft.jsonl", rft_rows())
    valid = write_jsonl(tmp_path / "rft-valid.jsonl", rft_rows(10, offset=100))
    grader = tmp_path / "grader.json"
    grader.write_text(json.dumps(GRADER))
    launched, _ = launch_deploy(
        outputs_file,
        "--model",
        "o4-mini",
        "--method",
        "rft",
        "--train",
        str(train),
        "--validation",
        str(valid),
        "--grader",
        str(grader),
    )
    assert launched["validation_file"]


def test_vision_sft_to_deployed_model(emulator, outputs_file, tmp_path):
    train = write_jsonl(tmp_path / "vision.jsonl", vision_rows())
    launched, _ = launch_deploy(outputs_file, "--model", "gpt-4.1", "--method", "sft", "--train", str(train))
    assert launched["dataset"]


def test_invalid_data_is_refused_before_any_upload(emulator, outputs_file, tmp_path):
    train = write_jsonl(tmp_path / "bad.jsonl", [{"messages": [{"role": "user", "content": "no answer"}]}] * 20)
    done = ftops(*sft_launch(outputs_file, train))
    assert done.returncode == 1
    assert emulator.counters("aisse").get("uploads", 0) == 0


def test_stack_without_a_suitable_region_names_regions_and_the_change(emulator, outputs_for, tmp_path):
    path = outputs_for([("westus2", "aiswu2")])  # no training type of o4-mini is offered from westus2
    train = write_jsonl(tmp_path / "rft.jsonl", rft_rows())
    grader = tmp_path / "grader.json"
    grader.write_text(json.dumps(GRADER))
    done = ftops(
        "launch",
        "--outputs",
        str(path),
        "--model",
        "o4-mini",
        "--method",
        "rft",
        "--train",
        str(train),
        "--validation",
        str(train),
        "--grader",
        str(grader),
    )
    assert done.returncode == 1
    assert "eastus2, swedencentral" in done.stderr and "Add a regions entry" in done.stderr


def test_a_job_the_service_fails_exits_3_with_the_reason(monkeypatch, outputs_file, tmp_path):
    with Emulator(min_examples=100) as strict_service:  # a service that wants more examples than we send
        monkeypatch.setenv("FTOPS_AZURE_EMULATOR", strict_service.url)
        train = write_jsonl(tmp_path / "train.jsonl", sft_rows(20))
        done = ftops(
            *sft_launch(outputs_file, train),
            "--wait",
        )
        assert strict_service.violations == []
    assert done.returncode == 3
    assert "failed" in done.stderr and "at least 100 are required" in done.stderr


def test_sigkill_between_steps_loses_nothing(emulator, outputs_file, tmp_path):
    """Kill the process while the job create is in flight; the rerun finds the job and creates no second one."""
    # The service acts on the create at once, then trickles its answer out: the kill lands mid-answer.
    emulator.set_faults("slow-body on=POST:/openai/fine_tuning/jobs ms=4000")
    train = write_jsonl(tmp_path / "train.jsonl", sft_rows())
    args = [*sft_launch(outputs_file, train), "--json"]
    process = subprocess.Popen([FTOPS, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    ledger = Path(os.environ["FTOPS_STATE_DIR"]) / "ledger.sqlite3"
    try:  # whatever happens below, the launch process does not outlive the test
        deadline = time.monotonic() + 60
        state = None
        while time.monotonic() < deadline and state != "creating" and process.poll() is None:
            if ledger.exists():  # the ledger appears with its schema (ftops.jobs.ledger links it into place)
                with contextlib.closing(sqlite3.connect(ledger)) as db:
                    row = db.execute("SELECT state FROM launches").fetchone()
                    state = row[0] if row else None
            time.sleep(0.05)
        assert state == "creating", process.stderr.read().decode() if process.poll() is not None else state
    finally:
        process.kill()
        process.wait(30)
        process.stdout.close()
        process.stderr.close()
    emulator.set_faults("")
    resumed = ok_json(*args[:-1])
    assert resumed["resumed"] and resumed["job_id"]
    assert emulator.counters("aisse")["uploads"] == 1
    assert emulator.counters("aisse")["job_creations"] == 1


@pytest.mark.parametrize("action", ["pause", "resume", "cancel"])
def test_job_controls(emulator, outputs_file, tmp_path, action):
    train = write_jsonl(tmp_path / "train.jsonl", sft_rows())
    launched = ok_json(*sft_launch(outputs_file, train))
    job = launched["job_id"]
    if action in ("pause", "resume"):  # only a running job pauses: each read moves the emulated job on
        from ftops.azure.openai import OpenAIDataPlane

        with OpenAIDataPlane("https://aisse.openai.azure.com/") as plane:
            statuses = [plane.fine_tuning.jobs.get(job)["status"] for _ in range(3)]
        assert statuses[-1] == "running"
    if action == "resume":
        assert ok_json("jobs", "pause", job)["status"] == "pausing"
        assert ok_json("jobs", "show", job)["status"] == "paused"
    answer = ok_json("jobs", action, job)
    expected = {"pause": ("pausing", "paused"), "resume": ("resuming", "running"), "cancel": ("cancelled",)}
    assert answer["status"] in expected[action]
    events = ok_json("jobs", "events", job)["events"]
    assert events and events[0]["message"]
