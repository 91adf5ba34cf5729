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


SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-ftdev"


def _region(location: str, account: str) -> dict:
    account_id = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/{account}"
    project = {"name": "fine-tuning", "id": f"{account_id}/projects/fine-tuning"}
    project["endpoint"] = f"https://{account}.services.ai.azure.com/api/projects/fine-tuning"
    return {
        "location": location,
        "account_name": account,
        "account_id": account_id,
        "endpoint": f"https://{account}.openai.azure.com/",
        "projects": [project],
    }


OUTPUTS = {
    "schema_version": 1,
    "environment": "ftdev",
    "subscription_id": SUB,
    "resource_group": RG,
    "location": "swedencentral",
    "network_mode": "public",
    "regions": [_region("swedencentral", "aisse")],
}


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
