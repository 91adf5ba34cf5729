"""Fixtures for launch/follow/deploy tests: an emulator, a stack outputs file, fast polling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftops.stack.outputs import parse_outputs

SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-ftdev"


def region(location: str, account: str) -> dict:
    account_id = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/{account}"
    return {
        "location": location,
        "account_name": account,
        "account_id": account_id,
        "endpoint": f"https://{account}.openai.azure.com/",
        "projects": [
            {
                "name": "fine-tuning",
                "id": f"{account_id}/projects/fine-tuning",
                "endpoint": f"https://{account}.services.ai.azure.com/api/projects/fine-tuning",
            }
        ],
    }


OUTPUTS = {
    "schema_version": 1,
    "environment": "ftdev",
    "subscription_id": SUB,
    "resource_group": RG,
    "location": "swedencentral",
    "network_mode": "public",
    "regions": [region("swedencentral", "aisse"), region("eastus2", "aiseus2")],
}


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return path


@pytest.fixture
def outputs():
    return parse_outputs(OUTPUTS, source="test")


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))


def chat_line(i: int) -> str:
    return json.dumps(
        {"messages": [{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": f"answer {i}"}]}
    )


@pytest.fixture
def sft_file(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(chat_line(i) for i in range(20)) + "\n")
    return path


@pytest.fixture
def outputs_for(tmp_path: Path):
    """`outputs_for([(location, account), ...])`: an outputs file whose stack has those accounts."""

    def write(accounts: list[tuple[str, str]]) -> Path:
        path = tmp_path / "outputs-custom.json"
        path.write_text(json.dumps({**OUTPUTS, "regions": [region(loc, name) for loc, name in accounts]}))
        return path

    return write
