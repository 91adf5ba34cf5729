"""Graders checked by the service before an RFT launch, and `ftops data grader-run`, on the emulator.

The emulator never runs grader code: a python grader whose source contains `raise` is reported as raising
(docs/emulator.md). The openai SDK's `fine_tuning.alpha.graders` (what Microsoft's RFT docs call) is the
oracle for the answers' shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai import AzureOpenAI
from test_limits_e2e import ftops

RAISES = {
    "type": "python",
    "name": "strict",
    "source": "def grade(sample, item) -> float:\n    raise ValueError('no answer field')\n",
}
FINE = {"type": "python", "name": "half", "source": "def grade(sample, item) -> float:\n    return 0.5\n"}
EXACT = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "operation": "eq",
}


def rft_files(tmp_path: Path, grader: dict) -> tuple[Path, Path, Path]:
    def rows(start: int, n: int) -> str:
        made = [
            {"messages": [{"role": "user", "content": f"What is {i} * 3? Number only."}], "answer": str(3 * i)}
            for i in range(start, start + n)
        ]
        return "".join(json.dumps(r) + "\n" for r in made)

    train, valid, grader_file = tmp_path / "rft.jsonl", tmp_path / "rft-valid.jsonl", tmp_path / "grader.json"
    train.write_text(rows(0, 20))
    valid.write_text(rows(100, 10))
    grader_file.write_text(json.dumps(grader))
    return train, valid, grader_file


def rft_launch(outputs_file: Path, files: tuple[Path, Path, Path], *extra: str):
    train, valid, grader = files
    args = ("launch", "--outputs", str(outputs_file), "--model", "o4-mini", "--method", "rft", "--train", str(train))
    return ftops(*args, "--validation", str(valid), "--grader", str(grader), *extra, "--json")


def test_a_python_grader_that_raises_is_refused_by_the_service_before_any_upload(emulator, outputs_file, tmp_path):
    done = rft_launch(outputs_file, rft_files(tmp_path, RAISES))
    assert done.returncode == 1, done.stderr
    error = json.loads(done.stdout or done.stderr)
    assert "grader run failed on the first row of rft.jsonl: python_grader_runtime_error" in error["message"]
    assert "the grader raised" in error["message"]  # the service's own details are shown
    assert "--no-service-check" in error["hint"] and "ftops data grader-run" in error["hint"]
    counters = emulator.counters("aisse")
    assert counters.get("uploads", 0) == 0 and counters["grader_validations"] == 1 and counters["grader_runs"] == 1


def test_a_grader_that_passes_the_service_check_launches(emulator, outputs_file, tmp_path):
    done = rft_launch(outputs_file, rft_files(tmp_path, FINE))
    assert done.returncode == 0, done.stderr
    assert emulator.counters("aisse")["grader_runs"] == 1 and emulator.counters("aisse")["job_creations"] == 1


def test_no_service_check_skips_it(emulator, outputs_file, tmp_path):
    done = rft_launch(outputs_file, rft_files(tmp_path, RAISES), "--no-service-check")
    assert done.returncode == 0, done.stderr
    assert emulator.counters("aisse").get("grader_runs", 0) == 0


def test_data_grader_run_tries_a_few_rows_through_the_service(emulator, outputs_file, tmp_path):
    *_, grader = rft_files(tmp_path, EXACT)
    sample = tmp_path / "sample.jsonl"
    sample.write_text(
        json.dumps({"model_sample": "0", "answer": "0"})
        + "\n"
        + json.dumps({"model_sample": "4", "answer": "3"})
        + "\n"
    )
    done = ftops("data", "grader-run", str(grader), str(sample), "--outputs", str(outputs_file), "--json")
    assert done.returncode == 0, done.stderr
    assert [(r["reward"], r["errors"]) for r in json.loads(done.stdout)["results"]] == [(1.0, []), (0.0, [])]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**EXACT, "operation": None}))
    refused = ftops("data", "grader-run", str(bad), str(sample), "--outputs", str(outputs_file), "--json")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr


@pytest.fixture
def sdk(emulator) -> AzureOpenAI:
    return AzureOpenAI(
        azure_endpoint=f"{emulator.url}/accounts/sdkacct", api_key="k", api_version="2025-04-01-preview", max_retries=0
    )


def test_the_openai_sdk_reads_the_emulators_grader_answers(sdk, emulator):
    assert sdk.fine_tuning.alpha.graders.validate(grader=EXACT).grader is not None
    ran = sdk.fine_tuning.alpha.graders.run(grader=RAISES, model_sample="12", item={"answer": "12"})
    assert ran.metadata.errors.python_grader_runtime_error is True and ran.reward == 0.0
    exact = sdk.fine_tuning.alpha.graders.run(grader=EXACT, model_sample="12", item={"answer": "12"})
    assert exact.reward == 1.0 and exact.metadata.errors.python_grader_runtime_error is False
