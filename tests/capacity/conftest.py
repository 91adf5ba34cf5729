"""Capacity tests drive the real CLI against the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftops.cli.app import run


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def cli():
    """`cli(*args)`: run ftops in-process; (exit code, stdout, stderr)."""
    return lambda *args: run(list(args))
