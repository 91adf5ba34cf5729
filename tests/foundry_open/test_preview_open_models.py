"""The preview open models on a Foundry resource: RFT (and SFT where offered) with Global or Developer training,
and the refusals that come before anything is uploaded or created, each naming what the model does offer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftops.catalog import load_catalog
from ftops.cli.app import run

EASTUS2 = [("eastus2", "aiseus2")]  # a region the Global training table offers every open model from


def _acted(emulator) -> dict[str, int]:
    """Every counter of the emulator that moved: uploads, job creations, grader runs, deployment PUTs."""
    moved = {f"{a}:{k}": v for a, account in emulator.dataplane.accounts.items() for k, v in account.counters.items()}
    moved.update(emulator.arm.counters)
    return {k: v for k, v in moved.items() if v}


@pytest.mark.parametrize(
    ("model", "kind", "wire"),
    [
        ("gpt-oss-120b", "developer", "Developer"),
        ("Qwen3.6-35B-A3B", "global", "GlobalStandard"),
        ("Qwen3.8-27B", "developer", "Developer"),
        ("Muse-Glimmer-30B", "global", "GlobalStandard"),
        ("MAI-Code-1.1-Flash", "developer", "Developer"),
    ],
)
def test_each_preview_model_runs_rft_with_its_training_type_sent(emulator, outputs_for, rft_files, model, kind, wire):
    assert kind in load_catalog().where(load_catalog().offered_model(model), "rft").training_types
    train, valid, grader = rft_files
    args = ["launch", "--outputs", str(outputs_for(EASTUS2)), "--model", model, "--method", "rft"]
    args += ["--train", str(train), "--validation", str(valid), "--grader", str(grader), "--training-type", kind]
    code, out, err = run([*args, "--json", "--wait"])
    assert code == 0, err
    assert json.loads(out)["final"]["status"] == "succeeded"
    [job] = emulator.dataplane.accounts["aiseus2"].jobs.values()
    assert job.body["trainingType"] == wire and job.body["method"]["type"] == "reinforcement"
    assert job.body["model"] == model


def test_a_preview_model_without_a_declaration_trains_globally(emulator, outputs_for, sft_file):
    """SFT on Qwen3.8-27B, no training type asked or declared: Global, the first it offers in the stack's region."""
    outputs = str(outputs_for(EASTUS2))
    args = ["launch", "--outputs", outputs, "--model", "Qwen3.8-27B", "--method", "sft", "--train", str(sft_file)]
    code, out, err = run([*args, "--json", "--wait"])
    assert code == 0, err
    assert json.loads(out)["target"]["training_type"] == "global"
    [job] = emulator.dataplane.accounts["aiseus2"].jobs.values()
    assert job.body["trainingType"] == "GlobalStandard"


@pytest.mark.parametrize(
    ("model", "method", "data", "said", "offered"),
    [
        ("Qwen3-32B", "rft", "rft", "Qwen3-32B cannot be fine-tuned with reinforcement (RFT)", "supervised (SFT)"),
        ("MAI-Code-1.1-Flash", "sft", "sft", "cannot be fine-tuned with supervised (SFT)", "reinforcement (RFT)"),
        (
            "gpt-oss-20b",
            "dpo",
            "sft",
            "gpt-oss-20b cannot be fine-tuned with direct preference (DPO)",
            "supervised (SFT)",
        ),
    ],
)
def test_a_method_the_model_lacks_is_refused_before_anything_naming_what_it_offers(
    emulator, outputs_for, sft_file, rft_files, model, method, data, said, offered
):
    train, valid, grader = rft_files
    args = ["launch", "--outputs", str(outputs_for(EASTUS2)), "--model", model, "--method", method, "--json"]
    args += ["--train", str(train if data == "rft" else sft_file)]
    args += ["--validation", str(valid), "--grader", str(grader)] if method == "rft" else []
    code, out, err = run(args)
    assert code == 1 and said in err
    assert f"{model} supports {offered}" in json.loads(out)["hint"]
    assert _acted(emulator) == {}  # no grader check, no upload, no job


def test_a_training_type_the_model_lacks_is_refused_before_anything_naming_the_ones_it_has(
    emulator, outputs_for, sft_file
):
    outputs = str(outputs_for(EASTUS2))
    args = ["launch", "--outputs", outputs, "--model", "gpt-oss-20b", "--method", "sft", "--train", str(sft_file)]
    code, out, err = run([*args, "--training-type", "developer", "--json"])
    assert code == 1
    assert "gpt-oss-20b does not offer developer training with sft (it offers data_zone, global)" in err
    assert "--training-type data_zone or --training-type global" in json.loads(out)["hint"]
    assert _acted(emulator) == {}
    code, _, err = run([*args, "--training-type", "data_zone", "--json"])  # the fix the hint names works
    assert code == 0, err


def test_a_stack_declaring_a_training_type_the_model_lacks_fails_check(tmp_path: Path):
    """The same mistake in the stack file: `ftops check` refuses it, naming the training types offered."""
    stack = Path(__file__).resolve().parents[2] / "stacks" / "Pulumi.foundry-open.yaml"
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text(stack.read_text().replace("training_type: data_zone", "training_type: developer"))
    code, _, err = run(["check", "--stack", str(broken)])
    assert code == 1 and "gpt-oss-20b" in err and "data_zone, global" in err
    code, _, err = run(["check", "--stack", str(stack)])
    assert code == 0, err


def test_the_stacks_declared_developer_training_is_sent_for_mai_code(emulator, tmp_path, rft_files):
    """foundry-open declares MAI-Code-1.1-Flash RFT with Developer training: no flag needed, and it is sent."""
    outputs = tmp_path / "foundry-open.json"
    code, _, err = run(["plan", "--stack", "foundry-open", "--save-outputs", str(outputs)])
    assert code == 0, err
    train, valid, grader = rft_files
    args = ["launch", "--outputs", str(outputs), "--model", "MAI-Code-1.1-Flash", "--method", "rft"]
    args += ["--train", str(train), "--validation", str(valid), "--grader", str(grader), "--json"]
    code, out, err = run([*args, "--wait"])
    assert code == 0, err
    launched = json.loads(out)
    assert launched["target"]["training_type"] == "developer" and launched["final"]["status"] == "succeeded"
    [body] = [job.body for account in emulator.dataplane.accounts.values() for job in account.jobs.values()]
    assert body["trainingType"] == "Developer"
    code, out, _ = run(args)
    assert code == 0 and json.loads(out)["job_id"] == launched["job_id"]
    [account] = emulator.dataplane.accounts
    assert {k: v for k, v in _acted(emulator).items() if "grader" not in k} == {
        f"{account}:uploads": 2,
        f"{account}:job_creations": 1,
    }


@pytest.mark.parametrize(
    ("grader", "said"),
    [
        ({"type": "string_check", "name": "g", "input": "{{sample.output_text}}", "operation": "eq"}, "reference"),
        (
            {"type": "string_check", "name": "g", "input": "{{sample.output_text}}", "reference": "{{item.answer}}"}
            | {"operation": "contains"},
            "operation",
        ),
        (
            {"type": "text_similarity", "name": "g", "input": "{{sample.output_text}}", "reference": "{{item.answer}}"}
            | {"evaluation_metric": "cosine", "pass_threshold": 0.5},
            "unknown evaluation metric",
        ),
    ],
)
def test_a_broken_grader_for_a_preview_model_is_refused_before_anything(
    emulator, outputs_for, rft_files, tmp_path, grader, said
):
    """The strict grader checks of OpenAI RFT apply to gpt-oss-120b alike: nothing is sent to the account."""
    train, valid, _ = rft_files
    broken = tmp_path / "broken-grader.json"
    broken.write_text(json.dumps(grader))
    args = ["launch", "--outputs", str(outputs_for(EASTUS2)), "--model", "gpt-oss-120b", "--method", "rft"]
    code, _, err = run([*args, "--train", str(train), "--validation", str(valid), "--grader", str(broken), "--json"])
    assert code == 1 and said in err, err
    assert _acted(emulator) == {}


@pytest.mark.parametrize(("model", "method", "data"), [("Qwen3-32B", "sft", "sft"), ("gpt-oss-120b", "rft", "rft")])
def test_cost_of_an_open_model_names_the_pricing_page_and_claims_no_figure(sft_file, rft_files, model, method, data):
    """Microsoft publishes no fine-tuning or hosting figure for the open models: no estimate is made up."""
    train = rft_files[0] if data == "rft" else sft_file
    code, out, err = run(["cost", "--model", model, "--method", method, "--train", str(train), "--json"])
    assert code == 1 and f"no recorded price for {model}" in err
    assert "https://aka.ms/oai/pricing" in json.loads(out)["hint"]
