"""Shared test set-up: every test runs with a private user state/cache dir and no real Azure."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ftops.azure.settings import EMULATOR_ENV, OPENAI_KEY_ENV, TOKEN_ENV
from ftops.emulator.server import Emulator

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))  # test helpers shared with benchmarks/


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep ledgers and caches out of the real home directory, and pin the project folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("FTOPS_PROJECT_DIR", str(REPO))


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A fresh, strict emulator on a free loopback port; every Azure call of the code under test goes to it.

    The test fails if any request or response broke the Azure specs.
    """
    with Emulator() as running:
        monkeypatch.setenv(EMULATOR_ENV, running.url)
        monkeypatch.delenv(TOKEN_ENV, raising=False)
        monkeypatch.delenv(OPENAI_KEY_ENV, raising=False)
        yield running
        assert running.violations == [], "the emulator saw requests or responses that break the Azure specs"
