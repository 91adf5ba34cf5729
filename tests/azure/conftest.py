"""Fixtures for client tests against the emulator."""

from __future__ import annotations

import pytest

from ftops.azure.arm import ArmClient
from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.transport import RetryPolicy

ENDPOINT = "https://acct1.openai.azure.com/"
FAST = RetryPolicy(backoff_base=0.005, backoff_max=0.05, budget_seconds=10)
LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'


@pytest.fixture
def jsonl():
    """`jsonl(n)`: a valid chat JSONL file of n examples."""
    return lambda n: LINE * n


@pytest.fixture
def plane(emulator):
    """Data-plane client for account acct1 on the emulator; never sleeps between polls."""
    with OpenAIDataPlane(ENDPOINT, policy=FAST, sleep=lambda s: None) as client:
        yield client


@pytest.fixture
def arm(emulator):
    with ArmClient("00000000-0000-0000-0000-000000000001", policy=FAST, sleep=lambda s: None) as client:
        yield client
