"""Hostile-input tests: names, admin surface, replies and files that try to make ftops do harm."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftops.cli.app import run


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def cli():
    """`cli(*args)`: run ftops in-process; (exit code, stdout, stderr)."""
    return lambda *args: run(list(args))


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    """An outputs file of one public Azure OpenAI account `aisse` in swedencentral (the emulator knows it)."""
    import json

    sub, rg = "00000000-0000-0000-0000-000000000001", "rg-ftdev"
    account_id = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/aisse"
    region = {
        "location": "swedencentral",
        "account_name": "aisse",
        "account_id": account_id,
        "endpoint": "https://aisse.openai.azure.com/",
        "projects": [],
    }
    outputs = {
        "schema_version": 1,
        "environment": "ftdev",
        "subscription_id": sub,
        "resource_group": rg,
        "location": "swedencentral",
        "network_mode": "public",
        "regions": [region],
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    return path
