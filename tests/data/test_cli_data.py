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
    assert data["token_counting"] == "exact (o200k_base, quicktok)"


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


def test_cost_assumes_the_epochs_the_service_would_pick() -> None:
    from ftops.catalog.prices import load_prices

    code, out, _ = run("cost", "--model", "gpt-4.1-mini", "--method", "sft", "--train", str(CORPUS / "sft-valid.jsonl"),
                       "--json")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["epochs_assumed"] and data["epochs"] == 7  # 14 examples: about 100 seen in all
    assert data["billed_tokens"] == 7 * data["training_tokens"]
    prices = load_prices()
    assert [prices.default_epochs(n) for n in (10, 50, 8_334, 100_000)] == [10, 3, 2, 1]


def test_cost_refuses_global_training_for_a_regional_only_model() -> None:
    from ftops.catalog import load_catalog

    regional = next(m.name for m in load_catalog().models if m.is_openai and "sft" in m.methods
                    and not m.global_training and m.tokenizer)  # fmt: skip
    code, _, err = run("cost", "--model", regional, "--method", "sft", "--train", str(CORPUS / "sft-valid.jsonl"),
                       "--training-type", "global")  # fmt: skip
    assert code == 1 and "cannot be fine-tuned with global training" in err


def test_cost_of_rft_with_a_model_grader_notes_grading_tokens() -> None:
    code, out, _ = run("cost", "--model", "o4-mini", "--method", "rft", "--train", str(CORPUS / "rft-valid.jsonl"),
                       "--validation", str(CORPUS / "rft-valid-holdout.jsonl"), "--grader",
                       str(CORPUS / "grader-score-model.json"), "--json")  # fmt: skip
    assert code == 0 and "billed separately" in json.loads(out)["grader_note"]


def test_cost_without_a_recorded_price_says_so() -> None:
    code, _, err = run("cost", "--model", "Phi-4", "--method", "sft", "--train", str(CORPUS / "sft-valid.jsonl"))
    assert code == 1 and "no recorded price for Phi-4" in err


def test_validate_human_output_lists_problems_and_counts() -> None:
    code, out, _ = run("data", "validate", str(CORPUS / "vision-bad-detail.jsonl"), "--method", "sft", "--model",
                       "gpt-4.1")  # fmt: skip
    assert code == 1
    assert "vision-bad-detail.jsonl:5" in out and "image_url.detail" in out  # the table may wrap the path
    assert "detail 'medium' is not valid" in out and "✗ 1 error(s)" in out
    assert "tokens: exact (o200k_base, quicktok)" in out
