"""Checkpoint-copy tests' world: a source stack with a swedencentral account whose job has checkpoints, and a
destination account in eastus2 of another subscription, registered on the emulator's ARM plane as `pulumi up`
(and the docs' permission steps) would leave them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import stack_outputs

from ftops.cli.app import run

SOURCE_SUB = "00000000-0000-0000-0000-0000000000a1"
DEST_SUB = "00000000-0000-0000-0000-0000000000b2"
SOURCE_RG, DEST_RG = "rg-ftsource", "rg-ftdest"
SOURCE, DEST, SOURCE_EUS2 = "aiswcsrc", "aieus2dst", "aieus2src"
IDENTITY = (
    f"/subscriptions/{SOURCE_SUB}/resourceGroups/{SOURCE_RG}/providers/Microsoft.ManagedIdentity"
    "/userAssignedIdentities/ftcopy"
)
AI_USER = "53ca6127-db72-4b80-b1b0-d745d6d5456d"  # Azure AI User (docs: add-users-cli.md)
TENANT = "72f988bf-0000-0000-0000-000000000001"


def account_id(sub: str, rg: str, name: str) -> str:
    return stack_outputs.account_id(name, sub=sub, rg=rg)


DEST_ID = account_id(DEST_SUB, DEST_RG, DEST)


def region_output(location: str, name: str) -> dict:
    return stack_outputs.region(location, name, sub=SOURCE_SUB, rg=SOURCE_RG)


@dataclass
class Setup:
    """What a test arranges and reads: the outputs file, the job, and its checkpoints in training order."""

    emulator: object
    outputs: Path
    job: str
    checkpoints: list[dict]

    def copy(self, *args: str) -> tuple[int, str, str]:
        return run(["jobs", "copy-checkpoint", self.job, *args, "--outputs", str(self.outputs)])

    def posts(self) -> int:
        """Copy POSTs that reached the emulator from the source account (refused ones too)."""
        return self.emulator.counters(SOURCE).get("checkpoint_copy_requests", 0)  # type: ignore[attr-defined]


def train_file(tmp_path: Path) -> Path:
    rows = [
        {"messages": [{"role": "user", "content": f"Capital of {i}?"}, {"role": "assistant", "content": f"C{i}"}]}
        for i in range(20)
    ]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def launch(outputs: Path, train: Path, region: str) -> str:
    args = ["launch", "--outputs", str(outputs), "--model", "gpt-4.1-mini", "--method", "sft", "--train", str(train)]
    code, out, err = run([*args, "--region", region, "--wait", "--json"])
    assert code == 0, err
    assert json.loads(out)["final"]["status"] == "succeeded"
    return str(json.loads(out)["job_id"])
