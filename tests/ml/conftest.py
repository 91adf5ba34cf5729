"""Open-model tests: an emulator, fast polling, and a stack outputs file with a hub and a project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-ftopen"
GROUP = f"/subscriptions/{SUB}/resourceGroups/{RG}"
WS = f"{GROUP}/providers/Microsoft.MachineLearningServices/workspaces/"


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def project_id() -> str:
    """The ARM id of the hub project in `hub_outputs`."""
    return WS + "prj-open"


@pytest.fixture
def hub_outputs(tmp_path: Path):
    """`hub_outputs(marketplace=[...], compute=True)`: an outputs file for a hub in the given region."""

    def write(marketplace: tuple[str, ...] = (), compute: bool = False, location: str = "eastus2") -> Path:
        hub = {
            "name": "hub-ftopen",
            "id": WS + "hub-ftopen",
            "location": location,
            "storage_account_id": f"{GROUP}/providers/Microsoft.Storage/storageAccounts/st1",
            "key_vault_id": f"{GROUP}/providers/Microsoft.KeyVault/vaults/kv1",
            "projects": [
                {
                    "name": "open-models",
                    "id": WS + "prj-open",  # the `project_id` fixture
                    "location": location,
                    "marketplace_subscriptions": list(marketplace),
                }
            ],
        }
        if compute:
            hub["compute"] = {
                "name": "ft-train",
                "id": WS + "hub-ftopen/computes/ft-train",
                "location": location,
                "vm_size": "Standard_NC24ads_A100_v4",
                "vm_family": "standardNCADSA100v4Family",
            }
        path = tmp_path / "outputs.json"
        path.write_text(
            json.dumps(
                {
                    "environment": "ftopen",
                    "subscription_id": SUB,
                    "resource_group": RG,
                    "location": location,
                    "network_mode": "public",
                    "regions": [],
                    "hub": hub,
                }
            )
        )
        return path

    return write


@pytest.fixture
def sft_file(tmp_path: Path) -> Path:
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Translate 'bike {i}' to French."},
                {"role": "assistant", "content": f"vélo {i}"},
            ]
        }
        for i in range(20)
    ]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
