"""Fixtures for launch/follow/deploy tests: an emulator, a stack outputs file, fast polling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stack_outputs

from ftops.stack.outputs import parse_outputs

OUTPUTS = stack_outputs.outputs([("swedencentral", "aisse"), ("eastus2", "aiseus2")])


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return path


@pytest.fixture
def outputs():
    return parse_outputs(OUTPUTS, source="test")


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))


def chat_line(i: int) -> str:
    return json.dumps(
        {"messages": [{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": f"answer {i}"}]}
    )


@pytest.fixture
def sft_file(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(chat_line(i) for i in range(20)) + "\n")
    return path


@pytest.fixture
def outputs_for(tmp_path: Path):
    """`outputs_for([(location, account), ...])`: an outputs file whose stack has those accounts."""

    def write(accounts: list[tuple[str, str]]) -> Path:
        path = tmp_path / "outputs-custom.json"
        path.write_text(json.dumps(stack_outputs.outputs(accounts)))
        return path

    return write
