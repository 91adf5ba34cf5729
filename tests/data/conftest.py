"""Data tests count tokens the documented estimate way, whatever tiktoken cache the machine has."""

from __future__ import annotations

import pytest

from ftops.data.tokens import counter_for


@pytest.fixture(autouse=True)
def _no_cached_encodings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path_factory.mktemp("tiktoken-cache")))
    counter_for.cache_clear()
    yield
    counter_for.cache_clear()
