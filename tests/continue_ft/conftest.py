"""Fixtures for continued fine-tunes (`ftops launch --from`): a two-account stack, SFT and DPO data, fast polling."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import stack_outputs

RG = "rg-ftcont"


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    """A stack with accounts in swedencentral (aisse) and eastus2 (aiseus2); outputs schema version 1."""
    document = stack_outputs.outputs([("swedencentral", "aisse"), ("eastus2", "aiseus2")], environment="ftcont", rg=RG)
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(document))
    return path


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def sft_file(tmp_path: Path) -> Path:
    rows = [
        {"messages": [{"role": "user", "content": f"What is {i} + {i}?"}, {"role": "assistant", "content": str(2 * i)}]}
        for i in range(20)
    ]
    return _jsonl(tmp_path / "sft.jsonl", rows)


@pytest.fixture
def dpo_file(tmp_path: Path) -> Path:
    rows = [
        {
            "input": {"messages": [{"role": "user", "content": f"Say hello number {i}"}]},
            "preferred_output": [{"role": "assistant", "content": f"Hello {i}!"}],
            "non_preferred_output": [{"role": "assistant", "content": "no"}],
        }
        for i in range(20)
    ]
    return _jsonl(tmp_path / "dpo.jsonl", rows)


@pytest.fixture
def jsonl(tmp_path: Path) -> Callable[[str, list[dict]], Path]:
    return lambda name, rows: _jsonl(tmp_path / name, rows)


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))
