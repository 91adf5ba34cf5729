"""Data tests start from a fresh token-counter cache, so an environment variable set by one test is not kept."""

from __future__ import annotations

import pytest

from ftops.data.tokens import exact_counter


@pytest.fixture(autouse=True)
def _fresh_counters():
    exact_counter.cache_clear()
    yield
    exact_counter.cache_clear()
