"""Fixtures of the checkpoint-copy tests (the world they arrange is in tests/support/copy_world.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from copy_world import (
    AI_USER,
    DEST,
    DEST_ID,
    DEST_RG,
    DEST_SUB,
    IDENTITY,
    SOURCE,
    SOURCE_EUS2,
    SOURCE_RG,
    SOURCE_SUB,
    TENANT,
    Setup,
    launch,
    region_output,
    train_file,
)

from ftops.cli.app import run


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def arrange(emulator, tmp_path: Path):
    """`arrange(public_network_access=..., destination_job=..., identity=..., role=..., tenant=...)`."""

    def build(
        *,
        public_network_access: str = "Enabled",
        destination_job: bool = True,
        identity: bool = True,
        role: bool = True,
        dest_tenant: str = TENANT,
    ) -> Setup:
        source_identity = {"type": "UserAssigned", "tenantId": TENANT, "userAssignedIdentities": {IDENTITY: {}}}
        source = emulator.arm.add_account(
            SOURCE_SUB,
            SOURCE_RG,
            SOURCE,
            "swedencentral",
            identity=source_identity if identity else {"type": "None"},
        )
        emulator.arm.add_account(SOURCE_SUB, SOURCE_RG, SOURCE_EUS2, "eastus2", identity=source_identity)
        emulator.arm.add_account(
            DEST_SUB,
            DEST_RG,
            DEST,
            "eastus2",
            public_network_access=public_network_access,
            identity={"type": "SystemAssigned", "tenantId": dest_tenant},
        )
        if role and identity:
            principal = source["identity"]["userAssignedIdentities"][IDENTITY]["principalId"]
            emulator.copies.add_role_assignment(DEST_ID, principal, AI_USER)
        document = {
            "schema_version": 1,
            "environment": "ftsource",
            "subscription_id": SOURCE_SUB,
            "resource_group": SOURCE_RG,
            "location": "swedencentral",
            "network_mode": "public",
            "regions": [region_output("swedencentral", SOURCE), region_output("eastus2", SOURCE_EUS2)],
        }
        outputs = tmp_path / "source-outputs.json"
        outputs.write_text(json.dumps(document))
        train = train_file(tmp_path)
        job = launch(outputs, train, "swedencentral")
        if destination_job:  # the destination's own stack ran a fine-tune there before
            dest_doc = {**document, "environment": "ftdest", "subscription_id": DEST_SUB, "resource_group": DEST_RG}
            destregion_output = region_output("eastus2", DEST) | {"account_id": DEST_ID}
            dest_doc |= {"location": "eastus2", "regions": [destregion_output]}
            dest_outputs = tmp_path / "dest-outputs.json"
            dest_outputs.write_text(json.dumps(dest_doc))
            launch(dest_outputs, train, "eastus2")
        code, out, err = run(["jobs", "checkpoints", job, "--outputs", str(outputs), "--json"])
        assert code == 0, err
        checkpoints = sorted(json.loads(out)["checkpoints"], key=lambda c: c["step_number"])
        return Setup(emulator, outputs, job, checkpoints)

    return build
