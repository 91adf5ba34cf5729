"""Fixtures for Foundry-resource fine-tunes: an outputs file with AI Services accounts, a chat dataset, fast polling."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-ftfoundry"


def account(location: str, name: str) -> dict:
    """One stack region as the outputs contract writes it: an AI Services account with a Foundry project."""
    account_id = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/{name}"
    return {
        "location": location,
        "account_name": name,
        "account_id": account_id,
        "endpoint": f"https://{name}.openai.azure.com/",
        "projects": [
            {
                "name": "fine-tuning",
                "id": f"{account_id}/projects/fine-tuning",
                "endpoint": f"https://{name}.services.ai.azure.com/api/projects/fine-tuning",
            }
        ],
    }


@pytest.fixture
def outputs_for(tmp_path: Path) -> Callable[..., Path]:
    """`outputs_for([(location, account), ...], fine_tunes=[...])`: an outputs file of a stack with those accounts."""

    def write(accounts: list[tuple[str, str]], fine_tunes: list[dict] | None = None) -> Path:
        document = {
            "schema_version": 2 if fine_tunes is not None else 1,
            "environment": "ftfoundry",
            "subscription_id": SUB,
            "resource_group": RG,
            "location": accounts[0][0],
            "network_mode": "public",
            "regions": [account(loc, name) for loc, name in accounts],
        }
        if fine_tunes is not None:
            document["fine_tunes"] = fine_tunes
        path = tmp_path / "outputs.json"
        path.write_text(json.dumps(document))
        return path

    return write


@pytest.fixture
def sft_file(tmp_path: Path) -> Path:
    rows = [
        {"messages": [{"role": "user", "content": f"Capital of {i}?"}, {"role": "assistant", "content": f"C{i}"}]}
        for i in range(20)
    ]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def rft_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """RFT training and held-out validation prompts with a reference `answer`, and a string_check grader on it."""

    def rows(start: int) -> str:
        prompts = [
            {"messages": [{"role": "user", "content": f"What is {i} * 3?"}], "answer": str(3 * i)}
            for i in range(start, start + 20)
        ]
        return "".join(json.dumps(prompt) + "\n" for prompt in prompts)

    train, valid, grader = tmp_path / "rft-train.jsonl", tmp_path / "rft-valid.jsonl", tmp_path / "grader.json"
    train.write_text(rows(0))
    valid.write_text(rows(100))
    grader.write_text(
        json.dumps(
            {
                "type": "string_check",
                "name": "exact",
                "input": "{{sample.output_text}}",
                "reference": "{{item.answer}}",
                "operation": "eq",
            }
        )
    )
    return train, valid, grader


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))
