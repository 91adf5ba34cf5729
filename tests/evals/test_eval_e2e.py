"""`ftops eval` end to end through the real executable on the emulator: launch SFT -> deploy -> eval.

The expected numbers are computed here from the emulator's documented answer rule (a fine-tuned model
answers the prompts it was trained on with the trained answer; a checkpoint at step S of F knows the first
N*S//F training examples; anything else echoes the prompt), never from ftops' code.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from eval_helpers import ACCOUNT, FTOPS, answer, ftops, ok_json, prompt, sft_line, unigram_f1, write_jsonl
from stack_outputs import RG, SUB

TRAIN = 20
EPOCHS = 4  # checkpoints at steps 10, 20, 30, 40
HELD_OUT = [0, 1, 2, 3, 4, 5, 6, 7, 15, 16, 50, 51]  # 10 trained prompts (some only late steps know), 2 unseen
BASE = "base-41-mini"


def known_at(step: int | None) -> set[int]:
    """Training examples a model knows: all for the final model, the first N*S//F for a checkpoint."""
    return set(range(TRAIN if step is None else TRAIN * step // (EPOCHS * 10)))


def expected(step: int | None, base: bool = False) -> tuple[float, float]:
    """(string_check pass rate, rouge_1 mean) over the held-out set for one target."""
    known = set() if base else known_at(step)
    outputs = [answer(i) if i in known else prompt(i) for i in HELD_OUT]
    exact = sum(o == answer(i) for o, i in zip(outputs, HELD_OUT, strict=True)) / len(HELD_OUT)
    rouge = sum(unigram_f1(o, answer(i)) for o, i in zip(outputs, HELD_OUT, strict=True)) / len(HELD_OUT)
    return exact, rouge


@pytest.fixture
def trained(emulator, outputs_file: Path, tmp_path: Path) -> dict:
    """A succeeded SFT job deployed on the account, a base-model deployment beside it, a held-out file."""
    from ftops.azure.arm import ArmClient

    train = write_jsonl(tmp_path / "train.jsonl", [sft_line(i) for i in range(TRAIN)])
    launched = ok_json(
        "launch", "--outputs", str(outputs_file), "--model", "gpt-4.1-mini", "--method", "sft",
        "--train", str(train), "--epochs", str(EPOCHS), "--wait",
    )  # fmt: skip
    assert launched["final"]["status"] == "succeeded"
    deployed = ok_json("deploy", launched["job_id"], "--outputs", str(outputs_file))
    with ArmClient(SUB) as arm:
        arm.deployments.begin_create(RG, ACCOUNT, BASE, model="gpt-4.1-mini", version="2025-04-14").result(
            poll_seconds=0
        )
    held_out = write_jsonl(tmp_path / "heldout.jsonl", [sft_line(i) for i in HELD_OUT])
    return {"job": launched["job_id"], "deployment": deployed["deployment"], "held_out": held_out}


def eval_args(outputs_file: Path, trained: dict, *extra: str) -> list[str]:
    return [
        "eval", "--outputs", str(outputs_file), "--data", str(trained["held_out"]),
        "--target", f"base={BASE}", "--job", trained["job"], "--checkpoint", "10", "--checkpoint", "20",
        "--deploy-checkpoints", "--grader", "string_check", "--grader", "text_similarity:rouge_1:0.9", *extra,
    ]  # fmt: skip


def test_base_vs_fine_tuned_vs_checkpoints(emulator, outputs_file: Path, trained: dict) -> None:
    result = ok_json(*eval_args(outputs_file, trained, "--pick"))
    rows = {t["label"]: t for t in result["targets"]}
    assert list(rows) == ["base", "fine-tuned", "step-10", "step-20"]
    for label, step, base in (
        ("base", None, True),
        ("fine-tuned", None, False),
        ("step-10", 10, False),
        ("step-20", 20, False),
    ):
        exact, rouge = expected(step, base)
        assert rows[label]["graders"]["string_check_eq"]["pass_rate"] == pytest.approx(exact), label
        assert rows[label]["graders"]["rouge_1"]["mean"] == pytest.approx(rouge, abs=1e-5), label
        assert rows[label]["items"] == len(HELD_OUT)
        # token usage: whitespace words of the prompt and the answer (the emulator's documented count)
        known = set() if base else known_at(step)
        out_words = sum(len((answer(i) if i in known else prompt(i)).split()) for i in HELD_OUT)
        assert rows[label]["tokens"]["completion_tokens"] == out_words
    assert expected(None)[0] > expected(20)[0] > expected(10)[0] > expected(None, base=True)[0]  # the data is telling
    # paired comparison against the base: every example the fine-tuned model knows improved, none regressed
    versus_ft = next(c for c in result["comparisons"] if c["target"] == "fine-tuned")
    assert versus_ft["improved"] == [HELD_OUT.index(i) for i in HELD_OUT if i in known_at(None)]
    assert versus_ft["regressed"] == []
    assert result["pick"]["label"] == "fine-tuned"
    assert result["pick"]["deploy"] == f"ftops deploy {trained['job']} --outputs {outputs_file}"
    # the checkpoints were deployed for the evaluation and removed after it
    deployments = [n for names in emulator.state()["arm"]["deployments"].values() for n in names]
    assert sorted(deployments) == sorted([BASE, trained["deployment"]])
    assert emulator.counters(ACCOUNT)["eval_creations"] == 1
    assert emulator.counters(ACCOUNT)["eval_run_creations"] == 4
    made = result["deployed_for_eval"]
    assert [d["model"] for d in made] == [rows["step-10"]["model"], rows["step-20"]["model"]]
    assert all(d["hosting_per_hour"] and d["hosting_per_hour"] > 0 and d["deleted"] for d in made)


def test_table_and_pick_on_a_terminal_width(emulator, outputs_file: Path, trained: dict) -> None:
    done = ftops(*eval_args(outputs_file, trained, "--pick"))
    assert done.returncode == 0, done.stderr
    exact, _ = expected(None)
    assert f"{exact:.1%} ({round(exact * len(HELD_OUT))}/{len(HELD_OUT)})" in done.stdout
    assert "pick: fine-tuned" in done.stdout
    # the hourly hosting cost of each checkpoint deployed for the evaluation is said, off a terminal too
    assert done.stderr.count("per hour until deleted") == 2 and "deploying checkpoint step 10" in done.stderr
    assert f"ftops deploy {trained['job']} --outputs {outputs_file}" in done.stdout


def test_fail_under_gates_ci(emulator, outputs_file: Path, trained: dict) -> None:
    margin = expected(None)[0] - expected(None, base=True)[0]  # fine-tuned over base on string_check pass rate
    metric = ["--metric", "string_check_eq.pass_rate"]
    failed = ftops(*eval_args(outputs_file, trained, *metric, "--fail-under", str(round(margin + 0.01, 4))))
    assert failed.returncode == 1
    assert "under --fail-under" in failed.stderr and "Traceback" not in failed.stderr
    passed = ftops(*eval_args(outputs_file, trained, *metric, "--fail-under", str(round(margin - 0.01, 4))))
    assert passed.returncode == 0, passed.stderr
    assert "gate passed: fine-tuned" in passed.stdout
    # the reruns reused the eval and the four runs: same inputs, same evaluation
    assert emulator.counters(ACCOUNT)["eval_creations"] == 1
    assert emulator.counters(ACCOUNT)["eval_run_creations"] == 4


@pytest.mark.parametrize("kill_at", [1, 4])
def test_sigkill_during_the_runs_then_rerun_creates_nothing_twice(
    emulator, outputs_file: Path, trained: dict, kill_at: int
) -> None:
    """Killed once the first run exists (the second create is on its way) or while waiting on all four."""
    import time

    # Run creates and reads are slowed, so the process is surely mid-way when it is killed.
    emulator.set_faults("latency on=POST:/openai/evals/*/runs ms=300\nlatency on=GET:/openai/evals/*/runs/* ms=300")
    process = subprocess.Popen([FTOPS, *eval_args(outputs_file, trained), "--json"], env=dict(os.environ),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while emulator.counters(ACCOUNT).get("eval_run_creations", 0) < kill_at and time.monotonic() < deadline:
        assert process.poll() is None, "ftops eval ended before it was killed"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    emulator.set_faults("")
    result = ok_json(*eval_args(outputs_file, trained))
    assert emulator.counters(ACCOUNT)["eval_creations"] == 1
    assert emulator.counters(ACCOUNT)["eval_run_creations"] == 4
    assert [t["label"] for t in result["targets"]] == ["base", "fine-tuned", "step-10", "step-20"]
    assert result["targets"][1]["pass_rate"] == pytest.approx(expected(None)[0])
    # the checkpoint deployments the killed process made were reused, then removed by the rerun
    deployments = [n for names in emulator.state()["arm"]["deployments"].values() for n in names]
    assert sorted(deployments) == sorted([BASE, trained["deployment"]])


def test_lost_create_reply_is_found_by_its_key(emulator, outputs_file: Path, trained: dict) -> None:
    # The service creates the eval, then the connection drops before ftops reads the reply.
    emulator.set_faults("drop-after on=POST:/openai/evals nth=1")
    lost = ftops(*eval_args(outputs_file, trained))
    assert lost.returncode == 4, lost.stderr
    assert emulator.counters(ACCOUNT)["eval_creations"] == 1
    emulator.set_faults("")
    ok_json(*eval_args(outputs_file, trained))
    assert emulator.counters(ACCOUNT)["eval_creations"] == 1


def test_bad_inputs_are_one_line_errors(emulator, outputs_file: Path, trained: dict, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n')
    done = ftops("eval", "--outputs", str(outputs_file), "--data", str(broken), "--target", f"base={BASE}",
                 "--grader", "string_check")  # fmt: skip
    assert done.returncode == 1 and "broken.jsonl:2: not valid JSON" in done.stderr and "Traceback" not in done.stderr
    grader = tmp_path / "grader.json"
    grader.write_text(json.dumps({"type": "text_similarity", "name": "sim", "input": "{{sample.output_text}}",
                                  "reference": "{{item.reference}}", "evaluation_metric": "rouge_9"}))  # fmt: skip
    done = ftops("eval", "--outputs", str(outputs_file), "--data", str(trained["held_out"]), "--target", f"base={BASE}",
                 "--grader", str(grader))  # fmt: skip
    assert done.returncode == 1 and "unknown evaluation metric" in done.stderr
    done = ftops("eval", "--outputs", str(outputs_file), "--data", str(trained["held_out"]), "--target", "base=nope",
                 "--grader", "string_check")  # fmt: skip
    assert done.returncode == 1 and "no deployment nope" in done.stderr
    done = ftops("eval", "--outputs", str(outputs_file), "--data", str(trained["held_out"]), "--job", trained["job"],
                 "--checkpoint", "10", "--grader", "string_check")  # fmt: skip
    assert done.returncode == 1 and "--deploy-checkpoints" in done.stderr
    assert emulator.counters(ACCOUNT).get("eval_creations", 0) == 0


def test_an_eval_deleted_on_the_service_is_created_again(emulator, outputs_file: Path, trained: dict) -> None:
    import httpx

    first = ok_json(*eval_args(outputs_file, trained))
    url = f"{emulator.url}/accounts/{ACCOUNT}/openai/evals/{first['eval_id']}"
    deleted = httpx.delete(url, params={"api-version": "2025-04-01-preview"}, headers={"authorization": "Bearer t"})
    assert deleted.status_code == 200
    again = ok_json(*eval_args(outputs_file, trained))
    assert again["eval_id"] != first["eval_id"] and again["targets"] == [
        {**t, "run_id": r["run_id"]} for t, r in zip(first["targets"], again["targets"], strict=True)
    ]
    assert emulator.counters(ACCOUNT)["eval_creations"] == 2
    assert emulator.counters(ACCOUNT)["eval_run_creations"] == 8
