"""Held-out lines and graders: every accepted form becomes the same item, and bad ones are refused with a fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftops.errors import DataError, UsageError
from ftops.evals.data import item_schema, load_graders, read_held_out, to_item
from ftops.evals.report import TargetScores, paired, pick, score


def test_sft_rft_and_item_forms_become_input_and_reference() -> None:
    sft = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "4"},
        ]
    }
    assert to_item(sft, "f:1") == {"input": sft["messages"][:2], "reference": "4"}
    rft = {"messages": [{"role": "user", "content": "3*3?"}], "answer": "9"}
    assert to_item(rft, "f:2") == {"input": rft["messages"], "reference": "", "answer": "9"}
    plain = {"input": "capital of France?", "reference": "Paris", "topic": "geo"}
    expected = {"input": [{"role": "user", "content": "capital of France?"}], "reference": "Paris", "topic": "geo"}
    assert to_item(plain, "f:3") == expected
    assert to_item({"item": plain}, "f:4") == expected
    assert set(item_schema([expected])["properties"]) == {"input", "reference", "topic"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[1, 2]", "each line must be a JSON object"),
        ('{"prompt": "a", "completion": "b"}', "not an SFT, RFT or input/reference example"),
        ('{"input": "a"}', "needs a text 'reference'"),
        ('{"messages": [{"role": "system", "content": "x"}]}', "no user turn"),
        ("{oops", "not valid JSON"),
    ],
)
def test_bad_lines_name_their_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "held.jsonl"
    path.write_text(json.dumps({"input": "fine", "reference": "ok"}) + "\n" + line + "\n")
    with pytest.raises(DataError, match=message) as caught:
        read_held_out(path)
    assert "held.jsonl:2" in caught.value.message


def test_shorthands_and_files_pass_the_rft_checks(tmp_path: Path) -> None:
    label = tmp_path / "label.json"
    label.write_text(
        json.dumps(
            {
                "type": "label_model",
                "name": "judge",
                "model": "gpt-4o-2024-08-06",
                "input": [{"role": "user", "content": "Is {{sample.output_text}} like {{item.reference}}?"}],
                "labels": ["yes", "no"],
                "passing_labels": ["yes"],
            }
        )
    )
    python = tmp_path / "python.json"
    python.write_text(
        json.dumps({"type": "python", "name": "exact", "source": "def grade(sample, item):\n    return 1.0\n"})
    )
    graders = load_graders(["string_check:ilike", "text_similarity:bleu:0.7", str(label)])
    assert [g["type"] for g in graders] == ["string_check", "text_similarity", "label_model"]
    assert graders[1]["pass_threshold"] == 0.7 and graders[1]["evaluation_metric"] == "bleu"
    # a valid python grader passes the RFT checks, then is refused: this Evals api-version lists no python grader
    with pytest.raises(DataError, match="takes no python grader"):
        load_graders([str(python)])


@pytest.mark.parametrize(
    ("grader", "message"),
    [
        (
            {
                "type": "string_check",
                "name": "s",
                "input": "{{sample.output_text}}",
                "reference": "x",
                "operation": "is",
            },
            "operation 'is' is not valid",
        ),
        (
            {"type": "text_similarity", "name": "t", "input": "a", "reference": "b", "evaluation_metric": "bleu"},
            "needs pass_threshold",
        ),
        ({"type": "multi", "name": "m", "graders": {"a": {}}, "calculate_output": "a"}, "unknown grader type"),
        ({"type": "python", "name": "p", "source": "def grade(:"}, "does not parse"),
        (
            {"type": "string_check", "name": "s", "input": "{{sample.text}}", "reference": "x", "operation": "eq"},
            "sample.text",
        ),
    ],
)
def test_bad_graders_are_refused_with_a_fix(tmp_path: Path, grader: dict, message: str) -> None:
    path = tmp_path / "grader.json"
    path.write_text(json.dumps(grader))
    with pytest.raises(DataError) as caught:
        load_graders([str(path)])
    text = caught.value.message + " " + " ".join(str(p) for p in caught.value.problems)
    assert message in text and caught.value.hint


def test_two_graders_of_one_name_and_unknown_shorthands() -> None:
    with pytest.raises(DataError, match="two graders are named"):
        load_graders(["string_check", "string_check"])
    with pytest.raises(UsageError, match="neither a grader file nor a shorthand"):
        load_graders(["exact_match"])
    with pytest.raises(UsageError, match="at least one --grader"):
        load_graders([])


def item(index: int, passed: bool, answer: str, score_value: float) -> dict:
    return {
        "datasource_item_id": index,
        "results": [{"name": "g", "score": score_value, "passed": passed}],
        "sample": {"output": [{"role": "assistant", "content": answer}]},
    }


def test_scores_pairs_and_pick_from_output_items() -> None:
    base = score(
        TargetScores("base", "d1", "m", "deployment", "r1"), [item(0, False, "x", 0.0), item(1, True, "y", 1.0)], []
    )
    tuned = score(
        TargetScores("ft", "d2", "m.ft", "fine-tuned", "r2"),
        [item(0, True, "a", 1.0), item(1, False, "b", 0.5)],
        [{"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5, "invocation_count": 2}],
    )
    assert base.pass_rate == 0.5 and tuned.graders["g"] == {"mean": 0.75, "pass_rate": 0.5}
    assert tuned.tokens["total_tokens"] == 5
    compared = paired(
        base, tuned, [{"input": [{"role": "user", "content": "q0"}], "reference": "a"}, {"input": [], "reference": "b"}]
    )
    assert compared["improved"] == [0] and compared["regressed"] == [1]
    assert compared["examples"]["improved"][0]["prompt"] == "q0"
    assert pick([base, tuned], "g").label == "ft"
    assert pick([base, tuned], "pass_rate").label == "base"  # a tie: the first listed
    with pytest.raises(UsageError, match="unknown metric"):
        base.metric("bleu")
