"""Fixtures for the service-limits tests: the emulator's accounts, a stack outputs file, a training file."""

from __future__ import annotations

import pytest
from limits_support import ENDPOINT, FAST, OUTPUTS

from ftops.azure.openai import OpenAIDataPlane


@pytest.fixture
def plane(emulator):
    with OpenAIDataPlane(ENDPOINT, policy=FAST, sleep=lambda s: None) as client:
        yield client


@pytest.fixture
def outputs_file(tmp_path):
    import json

    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return path


@pytest.fixture(autouse=True)
def _state(monkeypatch, tmp_path):
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def train_file(tmp_path):
    import json

    rows = [
        {"messages": [{"role": "user", "content": f"What is {i} + {i}?"}, {"role": "assistant", "content": str(2 * i)}]}
        for i in range(20)
    ]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def aisse(emulator):
    """The data plane of the stack's account `aisse`."""
    with OpenAIDataPlane("https://aisse.openai.azure.com/", policy=FAST, sleep=lambda s: None) as client:
        yield client
