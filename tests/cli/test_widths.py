"""Item 13 of issue 17: tables never fold an identifier, at 100 and 60 columns or piped, and COLUMNS wins."""

from __future__ import annotations

import json

import pytest
from cli_run import ftops, no_traceback, sft_rows, write_jsonl


def whole_tokens(text: str) -> set[str]:
    return {token for line in text.splitlines() for token in line.replace("│", " ").replace("┃", " ").split()}


@pytest.mark.parametrize("columns", ["100", "60"])
def test_jobs_list_shows_every_job_id_whole(emulator, outputs_file, tmp_path, columns):
    ids = []
    for suffix in ("alpha", "beta", "gamma"):
        train = write_jsonl(tmp_path / f"{suffix}.jsonl", sft_rows())
        args = ["--model", "gpt-4.1-mini", "--method", "sft", "--train", str(train), "--suffix", suffix]
        launched = ftops("launch", "--outputs", str(outputs_file), *args, "--json")
        assert launched.returncode == 0, launched.stderr
        ids.append(json.loads(launched.stdout)["job_id"])
    done = ftops("jobs", "list", "--outputs", str(outputs_file), env={"COLUMNS": columns})
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= int(columns)
    assert set(ids) <= whole_tokens(done.stdout)
    assert "gpt-4.1-mini" in whole_tokens(done.stdout)


@pytest.mark.parametrize("columns", ["100", "60"])
def test_models_never_fold_a_model_name(columns):
    from ftops.catalog import load_catalog

    done = ftops("models", env={"COLUMNS": columns})
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= int(columns)
    names = {m.name for m in load_catalog().offered_models()}
    assert names <= whole_tokens(done.stdout)
    if columns == "60":
        assert "not shown at 60 columns" in done.stderr  # the secondary columns it dropped are named


def test_piped_without_columns_is_not_folded_or_forced_to_160():
    wide = ftops("models")
    assert wide.returncode == 0
    assert "not shown" not in wide.stderr  # every column, at its natural width
    narrow = ftops("models", env={"COLUMNS": "80"})
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80


def test_the_renderer_drops_columns_from_the_right_and_keeps_the_first(capsys, monkeypatch):
    from ftops.cli import render

    monkeypatch.setenv("COLUMNS", "50")  # room for the id (38) and its borders, not for more
    long_id = "ftjob-" + "0123456789abcdef" * 2
    render.table(None, ["job", "model", "a note"], [[long_id, "gpt-4.1-mini-2025-04-14", "words that can wrap"]])
    out, err = capsys.readouterr()
    assert long_id in whole_tokens(out)
    assert "model" in err and "a note" in err
