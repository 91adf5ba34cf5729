"""Eval tests: fast polling and a private state dir per test, and the stack outputs file (eval_helpers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_helpers import OUTPUTS


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return path
