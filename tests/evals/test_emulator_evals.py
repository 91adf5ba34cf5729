"""The emulator's Evals plane: routed by the spec's operationIds, strict about shapes, faults as elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from eval_helpers import ACCOUNT, ftops, ok_json, unigram_f1, write_jsonl
from stack_outputs import RG, SUB

from ftops.emulator.evals import HANDLERS, SPEC_FILE, EvalPlane, schema_problems
from ftops.emulator.server import Emulator
from ftops.emulator.specs import spec_book

BASE = "base-41-mini"


def test_every_handler_names_an_operation_of_the_carried_spec() -> None:
    operations = {op.operation_id for op in spec_book().operations if op.spec == SPEC_FILE and "/evals" in op.template}
    assert set(HANDLERS) == operations
    assert all(callable(getattr(EvalPlane, method, None)) for method in HANDLERS.values())


def test_reply_schemas_catch_a_broken_reply() -> None:
    run = {"object": "eval.run", "id": "r", "eval_id": "e", "status": "completed"}
    problems = schema_problems("EvalRun", run)
    assert problems and any("result_counts" in p for p in problems)


def test_strict_emulator_refuses_a_run_without_its_data_source() -> None:
    with Emulator() as emulator:
        base = f"{emulator.url}/accounts/{ACCOUNT}/openai"
        params = {"api-version": "2025-04-01-preview"}
        headers = {"authorization": "Bearer test"}
        body = {
            "name": "x",
            "data_source_config": {"type": "custom", "item_schema": {"type": "object"}},
            "testing_criteria": [
                {"type": "string_check", "name": "s", "input": "a", "reference": "a", "operation": "eq"}
            ],
        }
        created = httpx.post(f"{base}/evals", params=params, headers=headers, json=body)
        assert created.status_code == 201, created.text
        eval_id = created.json()["id"]
        refused = httpx.post(f"{base}/evals/{eval_id}/runs", params=params, headers=headers, json={"name": "r"})
        assert refused.status_code == 400 and "data_source" in refused.text
        assert any("Evaluation_CreateRun" in v for v in emulator.violations)
        wrong_version = httpx.get(f"{base}/evals", params={"api-version": "2024-10-21"}, headers=headers)
        assert wrong_version.status_code == 400
        assert emulator.counters(ACCOUNT) == {"eval_creations": 1}


@pytest.fixture
def base_only(emulator, tmp_path: Path) -> Path:
    from ftops.azure.arm import ArmClient

    with ArmClient(SUB) as arm:
        arm.deployments.begin_create(RG, ACCOUNT, BASE, model="gpt-4.1-mini", version="2025-04-14").result(
            poll_seconds=0
        )
    # input/reference lines: the base model echoes each prompt, so it matches the reference only on some
    rows = [
        {"input": "red apple", "reference": "red apple"},
        {"input": "green pear", "reference": "a green pear"},
        {"input": "blue sky", "reference": "grey sea"},
    ]
    return write_jsonl(tmp_path / "items.jsonl", rows)


def test_model_graders_and_faults_on_reads(emulator, base_only: Path, outputs_file: Path, tmp_path: Path) -> None:
    judge = tmp_path / "judge.json"
    judge.write_text(
        json.dumps(
            {
                "type": "label_model",
                "name": "judge",
                "model": "gpt-4o-2024-08-06",
                "input": [{"role": "user", "content": "Answer {{sample.output_text}}; expected {{item.reference}}"}],
                "labels": ["good", "bad"],
                "passing_labels": ["good"],
            }
        )
    )
    scorer = tmp_path / "scorer.json"
    scorer.write_text(
        json.dumps(
            {
                "type": "score_model",
                "name": "score",
                "model": "gpt-4o-2024-08-06",
                "input": [{"role": "user", "content": "Grade against {{item.reference}}"}],
                "range": [0, 10],
                "pass_threshold": 5,
            }
        )
    )
    emulator.set_faults("503 on=GET:/openai/evals/*/runs/* times=2")  # paths as the service sees them
    result = ok_json(
        "eval", "--outputs", str(outputs_file), "--data", str(base_only), "--target", f"base={BASE}",
        "--grader", str(judge), "--grader", str(scorer),
    )  # fmt: skip
    assert sum(rule.fired for rule in emulator.faults.rules) == 2  # two reads of the run answered 503, then retried
    graders = result["targets"][0]["graders"]
    overlaps = [
        unigram_f1(a, b)
        for a, b in (("red apple", "red apple"), ("green pear", "a green pear"), ("blue sky", "grey sea"))
    ]
    # the emulator's documented model graders: label good when ROUGE-1 F1 >= 0.5; score = F1 over the range
    assert graders["judge"]["pass_rate"] == pytest.approx(sum(o >= 0.5 for o in overlaps) / 3)
    assert graders["score"]["mean"] == pytest.approx(sum(10 * o for o in overlaps) / 3, abs=1e-5)
    assert graders["score"]["pass_rate"] == pytest.approx(sum(10 * o >= 5 for o in overlaps) / 3)


def test_a_python_grader_is_refused_before_anything_is_created(
    emulator, base_only: Path, outputs_file: Path, tmp_path: Path
) -> None:
    grader = tmp_path / "python.json"
    grader.write_text(
        json.dumps({"type": "python", "name": "py", "source": "def grade(sample, item):\n    return 1\n"})
    )
    args = ["--data", str(base_only), "--target", f"base={BASE}", "--grader", str(grader)]
    done = ftops("eval", "--outputs", str(outputs_file), *args)
    assert done.returncode == 1, done.stderr
    assert "takes no python grader" in done.stderr and "Traceback" not in done.stderr
    assert emulator.counters(ACCOUNT).get("eval_creations", 0) == 0
