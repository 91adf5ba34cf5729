"""Reading stack outputs: through `pulumi stack output --json` (a fake pulumi here) or from a file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ftops.cli.app import run
from ftops.errors import OutputsError
from ftops.stack.outputs import load_outputs, read_stack_outputs

REPO = Path(__file__).resolve().parents[2]
DEV_OUTPUTS = json.loads((REPO / "examples" / "dev-outputs.json").read_text())


def fake_pulumi(tmp_path: Path, body: str) -> Path:
    """A `pulumi` executable that records its arguments and answers like `pulumi stack output --json`."""
    script = tmp_path / "pulumi"
    script.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "args"}\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_outputs_come_from_pulumi_stack_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "out.json").write_text(json.dumps(DEV_OUTPUTS))
    monkeypatch.setenv("FTOPS_PULUMI", str(fake_pulumi(tmp_path, f"cat {tmp_path / 'out.json'}")))
    outputs = read_stack_outputs("dev", cwd=tmp_path)
    assert outputs.regions[0].account_name == DEV_OUTPUTS["regions"][0]["account_name"]
    assert (tmp_path / "args").read_text().split() == ["stack", "output", "--json", "--show-secrets", "--stack", "dev"]


def test_pulumi_failure_is_reported_with_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = "echo 'error: no stack named dev found' >&2; exit 255"
    monkeypatch.setenv("FTOPS_PULUMI", str(fake_pulumi(tmp_path, body)))
    with pytest.raises(OutputsError) as caught:
        read_stack_outputs("dev", cwd=tmp_path)
    assert "no stack named dev found" in caught.value.message and "pulumi login" in caught.value.hint


def test_empty_or_mismatched_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTOPS_PULUMI", str(fake_pulumi(tmp_path, "echo '{}'")))
    with pytest.raises(OutputsError, match="has no outputs"):
        read_stack_outputs("dev", cwd=tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**DEV_OUTPUTS, "regions": [{"location": "x"}]}))
    with pytest.raises(OutputsError) as caught:
        load_outputs(None, broken)
    assert any(p.path == "regions[0].account_name" for p in caught.value.problems)


def test_missing_pulumi_and_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FTOPS_PULUMI", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OutputsError, match="pulumi CLI is not installed") as caught:
        read_stack_outputs("dev")
    assert "--outputs FILE" in caught.value.hint
    with pytest.raises(OutputsError, match="not found"):
        load_outputs(None, tmp_path / "nope.json")


def test_stack_flag_reads_outputs_through_pulumi(emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--stack dev` end to end: the fake pulumi answers, and ftops lists the jobs on the stack's account."""
    (tmp_path / "out.json").write_text(json.dumps(DEV_OUTPUTS))
    monkeypatch.setenv("FTOPS_PULUMI", str(fake_pulumi(tmp_path, f"cat {tmp_path / 'out.json'}")))
    code, out, err = run(["jobs", "list", "--stack", "dev", "--json"])
    assert code == 0, err
    assert json.loads(out) == {"jobs": []}
    assert "--stack dev" in (tmp_path / "args").read_text()
