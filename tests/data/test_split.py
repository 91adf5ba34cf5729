"""Big files are checked by two processes (one per core); the merged report equals a one-process pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftops.data import validate, validate_files

CORPUS = Path(__file__).parent / "corpus"


def _mixed_file(path: Path) -> None:
    """Valid lines with problems spread over both halves: bad JSON, bad roles, over-long, repeats, blanks."""
    good = (CORPUS / "sft-valid.jsonl").read_text().splitlines()
    with path.open("w") as out:
        for number in range(3000):
            seed = number % 2500  # lines 2500+ repeat earlier ones
            example = json.loads(good[seed % len(good)])
            example["messages"][-1]["content"] += f" ({seed})"
            if number % 97 == 0:
                out.write("{not json\n")
            elif number % 89 == 0:
                example["messages"][0]["role"] = "customer"
                out.write(json.dumps(example) + "\n")
            elif number % 353 == 0:
                out.write("\n")
            elif number % 401 == 0:
                example["messages"][1]["content"] = "word " * 70_000
                out.write(json.dumps(example) + "\n")
            else:
                out.write(json.dumps(example) + "\n")


def _summary(report) -> tuple:
    problems = sorted((p.code, p.line, p.path, p.message) for p in report.problems)
    return report.summary(), problems, dict(report.log.counts), report.log.omitted()


@pytest.mark.parametrize("exact", [True, False])
def test_two_processes_report_what_one_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exact: bool) -> None:
    train = tmp_path / "train.jsonl"
    _mixed_file(train)
    valid = tmp_path / "valid.jsonl"
    valid.write_text("".join(train.read_text().splitlines(keepends=True)[100:160]))
    monkeypatch.setattr(validate, "SPLIT_MIN_BYTES", 1)
    calls: list[int] = []
    original = validate._FilePass._parse_split
    monkeypatch.setattr(validate._FilePass, "_parse_split", lambda self, *a: calls.append(1) or original(self, *a))
    split = validate_files(train, "sft", "gpt-4.1-nano", valid, exact_tokens=exact)
    assert calls == [1, 1]  # both files went through two processes
    monkeypatch.setenv("FTOPS_VALIDATE_PROCESSES", "1")
    single = validate_files(train, "sft", "gpt-4.1-nano", valid, exact_tokens=exact)
    assert calls == [1, 1]
    assert _summary(split) == _summary(single)
    counts = split.log.counts
    assert counts["json"] == 31 and counts["role"] > 10 and counts["duplicate"] > 400 and counts["overlap"] > 40
    assert split.train.over_context == single.train.over_context > 0 and split.train.blank_lines > 0
