"""`ftops launch --from`: DPO after SFT on the account that holds the SFT model, exactly once, with its lineage.

Microsoft's REST how-to ("Perform continuous fine-tuning", tests/fixtures/microsoft/azure-ai-docs/articles/foundry/
openai/includes/fine-tuning-rest.021e88f4….md): the job's `model` is the fine-tuned model's id. Each test drives the
CLI in-process (`ftops.cli.app.run`) against the strict emulator and asserts what the emulator counted.
"""

from __future__ import annotations

import json
from pathlib import Path

from continue_args import continuing

from ftops.cli.app import run

MINI = "gpt-4.1-mini-2025-04-14"


def ok(*args: str) -> dict:
    code, out, err = run([*args, "--json"])
    assert code == 0, err
    return json.loads(out)


def sft(outputs: Path, train: Path, model: str = "gpt-4.1-mini") -> dict:
    done = ok("launch", "--outputs", str(outputs), "--model", model, "--method", "sft", "--train", str(train), "--wait")
    assert done["final"]["status"] == "succeeded"
    return done


def bodies(emulator, name: str) -> list[dict]:
    return [job.body for job in emulator.dataplane.account(name).jobs.values()]


def test_dpo_continues_the_sft_model_once_and_shows_its_lineage(emulator, outputs_file, sft_file, dpo_file):
    first = sft(outputs_file, sft_file)
    tuned = first["final"]["fine_tuned_model"]
    assert tuned.startswith(f"{MINI}.ft-")
    args = ["launch", "--outputs", str(outputs_file), "--from", first["job_id"], "--method", "dpo"]
    dpo = ok(*args, "--train", str(dpo_file), "--wait")
    assert dpo["final"]["status"] == "succeeded" and dpo["model"] == "gpt-4.1-mini" and dpo["method"] == "dpo"
    assert dpo["parent"] == {"job_id": first["job_id"], "fine_tuned_model": tuned}
    assert dpo["target"]["account"] == "aisse"  # where the SFT model lives
    created = bodies(emulator, "aisse")[-1]
    assert created["model"] == tuned and created["method"]["type"] == "dpo"
    # Named after the base, as Microsoft's example `gpt-4.1-2025-04-14.ft-5fd1...`: never `.ft-` twice.
    second = dpo["final"]["fine_tuned_model"]
    assert second.startswith(f"{MINI}.ft-") and second.count(".ft-") == 1 and second != tuned
    counted = emulator.counters("aisse")
    assert (counted["uploads"], counted["job_creations"]) == (2, 2)

    code, out, err = run(["jobs", "show", dpo["job_id"]])
    assert code == 0, err
    assert f"{MINI} → {first['job_id']} (sft) → {dpo['job_id']} (dpo)" in " ".join(out.split())
    shown = ok("jobs", "show", dpo["job_id"])
    assert shown["lineage"] == [
        {"job_id": first["job_id"], "method": "sft", "model": MINI, "fine_tuned_model": tuned},
        {"job_id": dpo["job_id"], "method": "dpo", "model": tuned, "fine_tuned_model": second},
    ]

    # The same continuation again, by job id, launch key or fine-tuned model id: resumed, nothing sent.
    for parent in (first["job_id"], first["launch"], tuned):
        again = ok(*args[:4], parent, "--method", "dpo", "--train", str(dpo_file))
        assert again["resumed"] and again["job_id"] == dpo["job_id"] and again["launch"] == dpo["launch"]
    assert emulator.counters("aisse") == counted and emulator.counters("aiseus2") == {}

    # Training the base with the same data is another launch: a new job on the base model (the upload is reused).
    base = ok(
        "launch", "--outputs", str(outputs_file), "--model", "gpt-4.1-mini", "--method", "dpo", "--train", str(dpo_file)
    )
    assert not base["resumed"] and base["launch"] != dpo["launch"] and base["parent"] is None
    assert bodies(emulator, "aisse")[-1]["model"] == MINI
    assert (emulator.counters("aisse")["uploads"], emulator.counters("aisse")["job_creations"]) == (2, 3)


def test_a_continuation_trains_on_the_account_that_holds_the_model(emulator, outputs_file, sft_file, dpo_file):
    first = sft(outputs_file, sft_file)
    moved = ["launch", "--outputs", str(outputs_file), "--method", "dpo", "--train", str(dpo_file)]
    dpo = ok(*moved, "--from", first["job_id"], "--model", "gpt-4.1-mini")  # a --model that agrees is fine
    assert dpo["target"]["account"] == "aisse" and emulator.counters("aiseus2") == {}


def test_the_lineage_of_a_job_not_in_the_ledger_comes_from_its_model(
    emulator, outputs_file, sft_file, dpo_file, monkeypatch, tmp_path
):
    first = sft(outputs_file, sft_file)
    dpo = ok(
        *continuing(outputs_file, first["job_id"], dpo_file, "--wait"),
    )
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "another-machine"))  # no ledger knows these jobs
    shown = ok("jobs", "show", dpo["job_id"], "--outputs", str(outputs_file))
    assert [(link["job_id"], link["method"]) for link in shown["lineage"]] == [
        (first["job_id"], "sft"),
        (dpo["job_id"], "dpo"),
    ]
    assert shown["lineage"][0]["model"] == MINI


def test_the_training_type_is_what_the_stack_declares_on_the_holding_account(
    emulator, outputs_file, sft_file, dpo_file
):
    declared = json.loads(outputs_file.read_text())
    declared.update(
        schema_version=2, fine_tunes=[{"model": "gpt-4.1-mini", "method": "dpo", "training_type": "global"}]
    )
    outputs_file.write_text(json.dumps(declared))
    first = sft(outputs_file, sft_file)
    dpo = ok(*continuing(outputs_file, first["job_id"], dpo_file))
    assert (dpo["target"]["account"], dpo["target"]["training_type"]) == ("aisse", "global")
    assert bodies(emulator, "aisse")[-1]["trainingType"] == "GlobalStandard"


def test_a_continuation_of_a_continuation_shows_the_whole_chain(
    emulator, outputs_file, sft_file, dpo_file, monkeypatch, tmp_path
):
    first = sft(outputs_file, sft_file)
    start = ["launch", "--outputs", str(outputs_file), "--from"]
    dpo = ok(*start, first["job_id"], "--method", "dpo", "--train", str(dpo_file), "--wait")
    again = ok(*start, dpo["final"]["fine_tuned_model"], "--method", "sft", "--train", str(sft_file), "--wait")
    assert bodies(emulator, "aisse")[-1]["model"] == dpo["final"]["fine_tuned_model"]
    assert again["final"]["fine_tuned_model"].count(".ft-") == 1
    chain = [(first["job_id"], "sft"), (dpo["job_id"], "dpo"), (again["job_id"], "sft")]
    for state in ("state", "another-machine"):  # from the ledger's lineage, then from the account's jobs alone
        monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / state))
        shown = ok("jobs", "show", again["job_id"], "--outputs", str(outputs_file))["lineage"]
        assert [(link["job_id"], link["method"]) for link in shown] == chain and shown[0]["model"] == MINI
    assert emulator.counters("aisse")["job_creations"] == 3
