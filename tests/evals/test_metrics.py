"""Training curves: results.csv parsed, overfitting flagged at its step, the chart within 100 columns, pictures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from eval_helpers import ftops, ok_json, sft_line, write_jsonl

from ftops.errors import UserError
from ftops.jobs.metrics import chart, overfitting, parse_results

HEADER = (
    "step,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy,"
    "full_valid_loss,full_valid_mean_token_accuracy\n"
)


def results(valid: list[float], train: list[float]) -> bytes:
    rows = [f"{i + 1},{t},{1 - t / 2},{v},{1 - v / 2},," for i, (t, v) in enumerate(zip(train, valid, strict=True))]
    return (HEADER + "\n".join(rows) + "\n").encode()


def falling(n: int) -> list[float]:
    return [round(2.0 / (1 + i / 10), 4) for i in range(n)]


def test_validation_loss_turning_up_is_flagged_at_its_lowest_step() -> None:
    # validation loss falls until step 30, then climbs with some batch noise; training loss falls throughout
    valid = [round(1.5 - 0.02 * i + (0.01 if i % 3 == 0 else 0.0), 4) for i in range(30)]
    valid += [round(valid[29] + 0.015 * (i + 1) - (0.01 if i % 2 else 0.0), 4) for i in range(30)]
    valid[29] = min(valid) - 0.001  # the lowest point is step 30
    flagged = overfitting(parse_results(results(valid, falling(60))))
    assert flagged is not None and flagged["step"] == 30


def test_no_flag_without_divergence() -> None:
    assert overfitting(parse_results(results(falling(40), falling(40)))) is None  # both fall
    rising = [1.0 + 0.01 * i for i in range(40)]
    assert overfitting(parse_results(results(rising[:], rising[:]))) is None  # both rise: not overfitting
    no_validation = (HEADER + "".join(f"{i},{t},0.5,,,,\n" for i, t in enumerate(falling(20), start=1))).encode()
    assert overfitting(parse_results(no_validation)) is None


def test_a_file_without_steps_is_refused() -> None:
    with pytest.raises(UserError, match="no step column"):
        parse_results(b"loss,accuracy\n1,2\n")


def test_chart_never_passes_100_columns() -> None:
    curves = parse_results(results([1.0 - 0.01 * i for i in range(50)], falling(50)))
    for columns in (60, 100, 240):
        text = chart(curves, [10, 20, 30], title="ftjob-x: loss by step", columns=columns)
        assert max(len(line) for line in text.splitlines()) <= min(100, columns)
        assert "◆ checkpoint" in text


@pytest.fixture
def overfit_job(emulator, outputs_file: Path, tmp_path: Path) -> str:
    """A job whose validation loss rises after step 20 (the emulator's rule: after epoch 2 of more than 2)."""
    train = write_jsonl(tmp_path / "train.jsonl", [sft_line(i) for i in range(20)])
    validation = write_jsonl(tmp_path / "valid.jsonl", [sft_line(i) for i in range(100, 110)])
    launched = ok_json(
        "launch", "--outputs", str(outputs_file), "--model", "gpt-4.1-mini", "--method", "sft", "--train", str(train),
        "--validation", str(validation), "--epochs", "5", "--wait",
    )  # fmt: skip
    return launched["job_id"]


def test_jobs_metrics_flags_the_step_and_draws_within_100_columns(overfit_job: str, outputs_file: Path) -> None:
    found = ok_json("jobs", "show", overfit_job, "--metrics", "--outputs", str(outputs_file))
    assert found["overfitting"]["step"] == 20
    assert found["steps"] == list(range(1, 51)) and found["checkpoints"] == [10, 20, 30, 40, 50]
    valid = found["series"]["valid_loss"]
    assert min(valid) == valid[19] and valid[-1] > valid[19]  # the series says what the flag says
    for columns in ("100", "300"):
        done = ftops(
            "jobs",
            "show",
            overfit_job,
            "--metrics",
            "--outputs",
            str(outputs_file),
            env={**os.environ, "COLUMNS": columns},
        )
        assert done.returncode == 0, done.stderr
        chart_lines = done.stdout.splitlines()
        assert max(len(line) for line in chart_lines) <= 100
        assert "▲ overfitting from step 20" in done.stdout
        assert "validation loss rises after step 20" in done.stdout


def test_pictures_are_written(overfit_job: str, outputs_file: Path, tmp_path: Path) -> None:
    png = tmp_path / "out" / "curves.png"
    found = ok_json("jobs", "show", overfit_job, "--metrics", "--outputs", str(outputs_file), "--output", str(png))
    assert found["output"] == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    page = tmp_path / "curves.html"
    ok_json("jobs", "show", overfit_job, "--metrics", "--outputs", str(outputs_file), "--output", str(page))
    assert "<svg" in page.read_text()
    wrong = ftops(
        "jobs", "show", overfit_job, "--metrics", "--outputs", str(outputs_file), "--output", str(tmp_path / "c.gif")
    )
    assert wrong.returncode == 2 and "write a .png or an .html file" in wrong.stderr
    assert json.loads(ftops("jobs", "show", overfit_job, "--metrics", "--outputs", str(outputs_file), "--json").stdout)[
        "job_id"
    ]


def test_show_without_metrics_is_unchanged(overfit_job: str, outputs_file: Path, tmp_path: Path) -> None:
    shown = ok_json("jobs", "show", overfit_job, "--outputs", str(outputs_file))
    assert shown["id"] == overfit_job and shown["status"] == "succeeded" and "series" not in shown
    alone = ftops("jobs", "show", overfit_job, "--outputs", str(outputs_file), "--output", str(tmp_path / "c.png"))
    assert alone.returncode == 2 and "--output goes with --metrics" in alone.stderr
