"""`ftops launch --from` refusals: each names the problem and its fix, before anything is uploaded or created.

Continuous fine-tuning is supported only for OpenAI models (fine-tuning-rest 2025, "Perform continuous
fine-tuning"); the method must be one the base supports (the catalog's supported-models table: gpt-4o-mini is SFT
only); the parent must have succeeded; and the job trains where the fine-tuned model lives.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from continue_args import continuing

from ftops.azure.settings import EMULATOR_ENV
from ftops.cli.app import run
from ftops.emulator.server import Emulator


def ok(*args: str) -> dict:
    code, out, err = run([*args, "--json"])
    assert code == 0, err
    return json.loads(out)


def refused(*args: str) -> tuple[int, dict]:
    code, out, _ = run([*args, "--json"])
    return code, json.loads(out)


def sft(outputs: Path, train: Path, model: str = "gpt-4.1-mini", *extra: str) -> dict:
    return ok("launch", "--outputs", str(outputs), "--model", model, "--method", "sft", "--train", str(train), *extra)


def sent(emulator) -> dict[str, tuple[int, int]]:
    """Uploads and job creates per account that had any: what a refusal must leave as it was."""
    counted = {
        name: (account.counters["uploads"], account.counters["job_creations"])
        for name, account in emulator.dataplane.accounts.items()
    }
    return {name: pair for name, pair in counted.items() if pair != (0, 0)}


def test_dpo_from_a_gpt_4o_mini_fine_tune_is_refused_naming_the_methods_it_has(
    emulator, outputs_file, sft_file, dpo_file
):
    first = sft(outputs_file, sft_file, "gpt-4o-mini", "--wait")
    before = sent(emulator)
    code, error = refused(*continuing(outputs_file, first["job_id"], dpo_file))
    assert code == 1 and "gpt-4o-mini does not support dpo fine-tuning" in error["message"]
    assert "gpt-4o-mini supports sft" in error["hint"] and "--method sft" in error["hint"]
    assert sent(emulator) == before == {"aisse": (1, 1)}


def test_an_open_model_fine_tune_is_refused_as_continuous_fine_tuning_is_openai_only(emulator, tmp_path, sft_file):
    outputs = tmp_path / "foundry-open-outputs.json"
    code, _, err = run(["plan", "--stack", "foundry-open", "--save-outputs", str(outputs)])
    assert code == 0, err
    first = sft(outputs, sft_file, "Qwen3-32B", "--wait")
    assert first["final"]["status"] == "succeeded"
    before = sent(emulator)
    for parent in (first["job_id"], first["final"]["fine_tuned_model"]):
        code, error = refused(*continuing(outputs, parent, sft_file, method="sft"))
        assert code == 1 and "supported only for OpenAI models" in error["message"] and "Qwen3-32B" in error["message"]
        assert "ftops launch --model Qwen3-32B" in error["hint"]  # the fix: train the base again with all the data
    assert sent(emulator) == before and sum(n for n, _ in before.values()) == 1


def test_a_running_job_cannot_be_continued_yet(emulator, outputs_file, sft_file, dpo_file):
    first = sft(outputs_file, sft_file)  # not followed: the job is still pending or running
    before = sent(emulator)
    code, error = refused(*continuing(outputs_file, first["job_id"], dpo_file))
    assert code == 1 and "only a succeeded fine-tune can be continued" in error["message"]
    assert f"ftops jobs wait {first['job_id']}" in error["hint"]
    assert sent(emulator) == before


def test_a_failed_job_cannot_be_continued(monkeypatch, outputs_file, sft_file, dpo_file):
    with Emulator(min_examples=50) as service:  # wants more examples than the 20 sent: the job fails
        monkeypatch.setenv(EMULATOR_ENV, service.url)
        first = sft(outputs_file, sft_file)
        code, _, _ = run(["jobs", "wait", first["job_id"], "--outputs", str(outputs_file)])
        assert code == 3
        before = sent(service)
        code, error = refused(
            *continuing(outputs_file, first["job_id"], dpo_file),
        )
        assert code == 1 and f"job {first['job_id']} is failed" in error["message"]
        assert "a job that succeeded" in error["hint"]
        assert sent(service) == before
        assert service.violations == []


@pytest.mark.parametrize("parent", ["gpt-4.1-mini-2025-04-14.ft-0123456789abcdef", "ftjob-0123456789abcdef01234567"])
def test_an_unknown_parent_is_refused(emulator, outputs_file, dpo_file, parent):
    code, error = refused(*continuing(outputs_file, parent, dpo_file))
    assert code == 1 and parent in error["message"] and "ftcont" in error["message"]
    assert "ftops jobs list" in error["hint"]
    assert sent(emulator) == {}


def test_a_contradicting_model_is_a_usage_error(emulator, outputs_file, sft_file, dpo_file):
    first = sft(outputs_file, sft_file, "gpt-4.1-mini", "--wait")
    code, error = refused(
        *continuing(outputs_file, first["job_id"], dpo_file, "--model", "gpt-4.1"),
    )
    assert code == 2 and "contradicts --from" in error["message"] and "gpt-4.1-mini" in error["message"]
    assert sent(emulator) == {"aisse": (1, 1)}


def test_a_region_other_than_the_holding_account_names_copy_checkpoint(emulator, outputs_file, sft_file, dpo_file):
    first = sft(outputs_file, sft_file, "gpt-4.1-mini", "--wait")
    code, error = refused(
        *continuing(outputs_file, first["job_id"], dpo_file, "--region", "eastus2"),
    )
    assert code == 1 and "held by account aisse (swedencentral" in error["message"]
    assert "ftops jobs copy-checkpoint" in error["hint"]
    assert sent(emulator) == {"aisse": (1, 1)}


def test_without_model_or_from_launch_is_a_usage_error(emulator, outputs_file, sft_file):
    code, error = refused("launch", "--outputs", str(outputs_file), "--method", "sft", "--train", str(sft_file))
    assert code == 2 and "--model is required" in error["message"] and "--from" in error["hint"]
    assert sent(emulator) == {}


def test_a_training_type_the_holding_account_does_not_offer_names_the_ones_it_does(
    emulator, outputs_file, sft_file, dpo_file
):
    first = sft(outputs_file, sft_file, "gpt-4.1-mini", "--wait")  # trained in swedencentral (aisse)
    code, error = refused(
        *continuing(outputs_file, first["job_id"], dpo_file, "--training-type", "data_zone"),
    )  # the US data zone only
    assert code == 1 and "continues on account aisse" in error["message"] and "data_zone" in error["message"]
    assert "standard, global, developer" in error["hint"] and "ftops jobs copy-checkpoint" in error["hint"]
    assert sent(emulator) == {"aisse": (1, 1)}
