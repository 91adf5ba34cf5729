"""Fixtures for checkpoint and cross-account deploys: a two-region stack, its ARM accounts, and a trained job."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_run import ftops, no_traceback, sft_rows, write_jsonl
from deploy_stack import OUTPUTS, RG, SUB


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FTOPS_POLL_SECONDS", "0")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def stack(emulator, tmp_path: Path) -> Path:
    """The outputs file of a stack with accounts in swedencentral and eastus2, both existing in emulated ARM."""
    for entry in OUTPUTS["regions"]:
        emulator.arm.add_account(SUB, RG, entry["account_name"], entry["location"])
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return path


@pytest.fixture
def run() -> Callable[..., dict]:
    """`run(*args)`: the real `ftops ... --json`, which must succeed; its JSON document."""

    def call(*args: str) -> dict:
        done = ftops(*args, "--json")
        no_traceback(done)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return call


@pytest.fixture
def trained(stack: Path, run, tmp_path: Path) -> Callable[..., dict]:
    """`trained(model="gpt-4.1-mini", epochs=3)`: a fine-tune launched on the stack and followed to success."""

    def launch(model: str = "gpt-4.1-mini", epochs: int = 3, *extra: str) -> dict:
        train = write_jsonl(tmp_path / f"train-{model}.jsonl", sft_rows())
        args = ["--model", model, "--method", "sft", "--train", str(train), "--epochs", str(epochs), *extra]
        launched = run("launch", "--outputs", str(stack), *args, "--wait")
        assert launched["final"]["status"] == "succeeded"
        return launched

    return launch
