"""Pytest fixtures for tests that drive ftops against the emulator.

Use from any test package's conftest.py:  `from ftops.emulator.testing import emulator  # noqa: F401`
The fixture starts a fresh, strict emulator on a free loopback port, points FTOPS_AZURE_EMULATOR at it,
and fails the test if any request or response broke the specs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ftops.azure.settings import EMULATOR_ENV, OPENAI_KEY_ENV, TOKEN_ENV
from ftops.emulator.server import Emulator


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A running emulator; every Azure call of the code under test goes to it."""
    with Emulator() as running:
        monkeypatch.setenv(EMULATOR_ENV, running.url)
        monkeypatch.delenv(TOKEN_ENV, raising=False)
        monkeypatch.delenv(OPENAI_KEY_ENV, raising=False)
        yield running
        assert running.violations == [], "the emulator saw requests or responses that break the Azure specs"
