"""Item 15 of issue 17: a --family typo is a did-you-mean, and --method reads like --model, any case."""

from __future__ import annotations

import json

from cli_run import ftops, no_traceback


def test_quota_family_typo_is_a_did_you_mean(emulator):
    done = ftops("quota", "--region", "swedencentral", "--family", "standardNCADSA100v4Famly", "--json")
    no_traceback(done)
    assert done.returncode == 1, done.stderr
    assert "did you mean standardNCADSA100v4Family" in json.loads(done.stdout)["hint"]
    right = ftops("quota", "--region", "swedencentral", "--family", "standardncadsa100v4family", "--json")
    assert right.returncode == 0, right.stderr
    assert any(r["family"] == "standardNCADSA100v4Family" for r in json.loads(right.stdout)["vm_quota"])


def test_method_in_capitals_is_accepted_like_the_model(tmp_path):
    train = tmp_path / "train.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": f"{i}?"}, {"role": "assistant", "content": f"{i}"}]}
        for i in range(12)
    ]
    train.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for args in (
        ["data", "validate", str(train), "--method", "SFT", "--model", "GPT-4.1-mini"],
        ["cost", "--train", str(train), "--method", "Sft", "--model", "gpt-4.1-MINI"],
        ["models", "--method", "DPO"],
    ):
        done = ftops(*args, "--json")
        assert done.returncode == 0, (args, done.stderr)


def test_launch_shows_the_data_warnings_validate_shows(emulator, outputs_file, tmp_path):
    train = tmp_path / "train.jsonl"
    turns = [[{"role": "user", "content": f"{i}?"}, {"role": "assistant", "content": f"{i}"}] for i in range(12)]
    train.write_text("".join(json.dumps({"messages": m}) + "\n" for m in turns))
    validated = ftops("data", "validate", str(train), "--method", "sft", "--model", "gpt-4.1-mini", "--json")
    warned = [p["message"] for p in json.loads(validated.stdout)["problems"] if p["severity"] == "warning"]
    assert warned
    args = ["--model", "gpt-4.1-mini", "--method", "sft", "--train", str(train)]
    launched = ftops("launch", "--outputs", str(outputs_file), *args)
    assert launched.returncode == 0, launched.stderr
    for message in warned:
        assert message in launched.stderr
