"""Fixtures for the service-limits tests: a data-plane client on the emulator's account `acct1`."""

from __future__ import annotations

import pytest

from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.transport import RetryPolicy

ENDPOINT = "https://acct1.openai.azure.com/"
FAST = RetryPolicy(backoff_base=0.005, backoff_max=0.05, budget_seconds=10)
LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'


@pytest.fixture
def plane(emulator):
    with OpenAIDataPlane(ENDPOINT, policy=FAST, sleep=lambda s: None) as client:
        yield client
