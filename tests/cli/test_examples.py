"""Item 17 of issue 17: examples/ carries DPO and RFT data the docs name, valid for `ftops data validate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import ftops

REPO = Path(__file__).resolve().parents[2]  # not `from conftest import`: which conftest that finds depends on order

DATA = REPO / "examples" / "data"


@pytest.mark.parametrize(
    "args",
    [
        ["prefs.jsonl", "--method", "dpo", "--model", "gpt-4.1"],
        [
            "prompts.jsonl",
            "--method",
            "rft",
            "--model",
            "o4-mini",
            "--validation",
            str(DATA / "holdout.jsonl"),
            "--grader",
            str(DATA / "grader.json"),
        ],
    ],
)
def test_examples_validate(args):
    done = ftops("data", "validate", str(DATA / args[0]), *args[1:], "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
