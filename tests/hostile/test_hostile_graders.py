"""Hostile RFT grader files: each is one ftops error at validation, before anything is uploaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

GOOD = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}", "reference": "{{item.answer}}"}
BODY = json.dumps({**GOOD, "operation": "eq"})[:-1]  # an open object: each case appends one field

CASES = {
    "nan": (BODY + ', "x": NaN}', "NaN is not JSON"),
    "infinity": (BODY + ', "x": -Infinity}', "Infinity is not JSON"),
    "overflowing float": (BODY + ', "x": 1e400}', "past a double's range"),
    "lone surrogate": (BODY + ', "x": "\\udc00"}', "lone surrogate"),
    "lone surrogate key": (BODY + ', "\\ud800": 1}', "lone surrogate"),
    "deep nesting": (BODY + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    "moderate nesting": (BODY + ', "x": ' + "[" * 40 + "]" * 40 + "}", "nested too deeply"),
    "huge integer": (BODY + ', "x": ' + "7" * 100_000 + "}", "past 64 bits"),
    "duplicate key": (BODY + ', "operation": "ne"}', "appears twice"),
}


def rft_file(tmp_path: Path) -> Path:
    rows = [{"messages": [{"role": "user", "content": f"{i}*3?"}], "answer": str(3 * i)} for i in range(20)]
    path = tmp_path / "rft.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("case", CASES)
def test_hostile_grader_is_one_line_error(case, tmp_path, cli):
    text, expected = CASES[case]
    grader = tmp_path / "grader.json"
    grader.write_text(text)
    data = rft_file(tmp_path)
    code, _, err = cli("data", "validate", str(data), "--model", "o4-mini", "--method", "rft", "--grader", str(grader))
    assert code == 1, err
    flat = " ".join(err.split())  # the terminal renderer wraps long lines
    assert expected in flat and "Traceback" not in err
    assert flat.count("error:") == 1 and flat.count("hint:") == 1


def test_the_same_grader_without_the_hostile_field_passes(tmp_path, cli):
    """Control: the cases above fail for their field, not for the rest of the grader."""
    grader = tmp_path / "grader.json"
    grader.write_text(BODY + ', "x": [[1, 2.5, 9223372036854775807]]}')
    data = rft_file(tmp_path)
    code, _, err = cli("data", "validate", str(data), "--model", "o4-mini", "--method", "rft", "--grader", str(grader))
    assert code == 0 and "grader file" not in err, err


@pytest.mark.parametrize("where", ["folder", "/dev/zero", "fifo"])
def test_grader_that_is_not_a_regular_file_is_refused(where, tmp_path, cli):
    import os

    if where == "folder":
        path = tmp_path / "grader.json"
        path.mkdir()
    elif where == "fifo":
        path = tmp_path / "grader.json"
        os.mkfifo(path)
    else:
        path = Path(where)
    data = rft_file(tmp_path)
    code, _, err = cli("data", "validate", str(data), "--model", "o4-mini", "--method", "rft", "--grader", str(path))
    assert code in (1, 2) and "grader file" in err and "Traceback" not in err


def test_launch_with_a_nan_grader_uploads_nothing(emulator, tmp_path, cli, outputs_file):
    grader = tmp_path / "grader.json"
    grader.write_text(CASES["nan"][0])
    data = rft_file(tmp_path)
    code, _, err = cli(
        "launch", "--outputs", str(outputs_file), "--model", "o4-mini", "--method", "rft",
        "--train", str(data), "--validation", str(data), "--grader", str(grader),
    )  # fmt: skip
    assert code == 1 and "NaN is not JSON" in err
    assert emulator.counters("aisse").get("uploads", 0) == 0
