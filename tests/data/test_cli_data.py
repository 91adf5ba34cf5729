"""`ftops data validate` and `ftops cost` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from ftops.cli.app import run as cli_run

CORPUS = Path(__file__).parent / "corpus"


def run(*args: str) -> tuple[int, str, str]:
    return cli_run(list(args))


def test_validate_valid_file_json() -> None:
    code, out, _ = run("data", "validate", str(CORPUS / "sft-valid.jsonl"), "--method", "sft", "--model",
                       "gpt-4.1-mini", "--json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["ok"] and data["training"]["examples"] == 14
    assert data["token_counting"].startswith("estimate")


def test_validate_broken_file_exits_1_with_line_and_fix() -> None:
    code, out, _ = run("data", "validate", str(CORPUS / "sft-bad-role.jsonl"), "--method", "sft", "--model",
                       "gpt-4.1-mini")  # fmt: skip
    assert code == 1
    assert "sft-bad-role.jsonl:2 messages[0].role" in out and "role 'customer' is not valid" in out
    assert "✗ 1 error(s)" in out


def test_validate_unknown_model_and_missing_file() -> None:
    code, _, err = run("data", "validate", str(CORPUS / "sft-valid.jsonl"), "--method", "sft", "--model", "gpt-4.1-mni")
    assert code == 1 and "did you mean gpt-4.1-mini" in err
    code, _, err = run("data", "validate", "nope.jsonl", "--method", "sft", "--model", "gpt-4.1-mini")
    assert code == 2 and "not found" in err


def test_validate_rft_with_grader_file() -> None:
    code, out, _ = run("data", "validate", str(CORPUS / "rft-valid.jsonl"), "--method", "rft", "--model", "o4-mini",
                       "--validation", str(CORPUS / "rft-valid-holdout.jsonl"), "--grader", str(CORPUS / "grader.json"),
                       "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["validation"]["examples"] == 10


def test_cost_estimate_scales_with_epochs_and_global_discount() -> None:
    base = ["cost", "--model", "gpt-4.1-mini", "--method", "sft", "--train", str(CORPUS / "sft-valid.jsonl"), "--json"]
    _, one, _ = run(*base, "--epochs", "1")
    _, two, _ = run(*base, "--epochs", "2")
    _, two_global, _ = run(*base, "--epochs", "2", "--training-type", "global")
    one, two, two_global = json.loads(one), json.loads(two), json.loads(two_global)
    assert two["billed_tokens"] == 2 * one["billed_tokens"] == 2 * one["training_tokens"]
    assert two_global["training_price_per_million"] == 0.9 * two["training_price_per_million"]
    assert two["hosting_per_day"] > 0 and "15 days" in two["hosting_note"] and two["prices_as_of"]


def test_cost_of_rft_is_per_hour_and_refuses_broken_data() -> None:
    code, out, _ = run("cost", "--model", "o4-mini", "--method", "rft", "--train", str(CORPUS / "rft-valid.jsonl"),
                       "--validation", str(CORPUS / "rft-valid-holdout.jsonl"), "--grader", str(CORPUS / "grader.json"),
                       "--json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["training_cost"] is None and data["training_price_per_hour"] > 0 and data["auto_pause_usd"] == 5000
    code, _, err = run(
        "cost", "--model", "gpt-4.1-mini", "--method", "sft", "--train", str(CORPUS / "sft-bad-json.jsonl")
    )
    assert code == 1 and "nothing was uploaded" in err
