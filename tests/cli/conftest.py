"""Fixtures for the CLI convention tests: the demo outputs file, a private ledger, fast polling."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    """The README demo's outputs (long account names: what folds first in a narrow table)."""
    return Path(shutil.copy(REPO / "examples" / "dev-outputs.json", tmp_path / "outputs.json"))


@pytest.fixture(autouse=True)
def _private_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no az profile of the machine's user is read
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
