"""Fixtures for Foundry-resource fine-tunes: an outputs file with AI Services accounts, a chat dataset, fast polling."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import stack_outputs

RG = "rg-ftfoundry"


@pytest.fixture
def outputs_for(tmp_path: Path) -> Callable[..., Path]:
    """`outputs_for([(location, account), ...], fine_tunes=[...])`: an outputs file of a stack with those accounts."""

    def write(accounts: list[tuple[str, str]], fine_tunes: list[dict] | None = None) -> Path:
        document = stack_outputs.outputs(accounts, environment="ftfoundry", rg=RG, fine_tunes=fine_tunes)
        path = tmp_path / "outputs.json"
        path.write_text(json.dumps(document))
        return path

    return write


@pytest.fixture
def sft_file(tmp_path: Path) -> Path:
    rows = [
        {"messages": [{"role": "user", "content": f"Capital of {i}?"}, {"role": "assistant", "content": f"C{i}"}]}
        for i in range(20)
    ]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def rft_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """RFT training and held-out validation prompts with a reference `answer`, and a string_check grader on it."""

    def rows(start: int) -> str:
        prompts = [
            {"messages": [{"role": "user", "content": f"What is {i} * 3?"}], "answer": str(3 * i)}
            for i in range(start, start + 20)
        ]
        return "".join(json.dumps(prompt) + "\n" for prompt in prompts)

    train, valid, grader = tmp_path / "rft-train.jsonl", tmp_path / "rft-valid.jsonl", tmp_path / "grader.json"
    train.write_text(rows(0))
    valid.write_text(rows(100))
    grader.write_text(
        json.dumps(
            {
                "type": "string_check",
                "name": "exact",
                "input": "{{sample.output_text}}",
                "reference": "{{item.answer}}",
                "operation": "eq",
            }
        )
    )
    return train, valid, grader


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))
