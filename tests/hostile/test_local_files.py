"""The user's own files and tools gone wrong: ledger, state folder, outputs files, a fake `pulumi`.

Each case is one ftops error (a line and a hint) with exit code 1 or 2, never a Python traceback.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from ftops.jobs.ledger import Ledger, LedgerError, ledger_error


def assert_one_error(code: int, err: str, *expected: str) -> None:
    flat = " ".join(err.split())
    assert code in (1, 2), err
    assert "Traceback" not in err and sum(line.startswith("error:") for line in err.splitlines()) == 1, err
    for text in expected:
        assert text in flat, err


# ---- ledger and state folder


def test_a_corrupt_ledger_is_one_error_naming_the_fix(cli, tmp_path):
    state = Path(os.environ["FTOPS_STATE_DIR"])
    state.mkdir(parents=True)
    (state / "ledger.sqlite3").write_bytes(b"\x00garbage" * 4096)
    code, _, err = cli("jobs", "list")
    assert_one_error(code, err, "is corrupt", "move it aside")
    code, out, _ = cli("jobs", "list", "--json")
    assert code == 1 and json.loads(out)["error"] == "ledger_error"  # --json keeps its document


def test_a_truncated_ledger_is_one_error(cli, tmp_path):
    state = Path(os.environ["FTOPS_STATE_DIR"])
    with Ledger(state / "ledger.sqlite3"):
        pass
    path = state / "ledger.sqlite3"
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * 4000)  # a valid header, then garbage pages
    code, _, err = cli("jobs", "list")
    assert "Traceback" not in err
    assert code == 0 or "ledger" in err


def test_state_dir_that_is_a_file_is_one_error(cli, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("FTOPS_STATE_DIR", str(blocker))
    code, _, err = cli("jobs", "list")
    assert_one_error(code, err, "not a folder", "FTOPS_STATE_DIR")


def test_ledger_and_locks_are_private(tmp_path):
    state = tmp_path / "fresh-state"
    from ftops.jobs.lock import held

    with Ledger(state / "ledger.sqlite3") as ledger:
        ledger.record_upload("e", "s" * 64, "file-1", "f")
    with held(state, "launch", "k"):
        pass
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    for path in [state / "ledger.sqlite3", *state.glob("ledger.sqlite3-*"), *(state / "locks").iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_an_old_world_readable_ledger_is_made_private(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path):
        pass
    path.chmod(0o644)
    with Ledger(path):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (sqlite3.DatabaseError("file is not a database"), "is corrupt"),
        (sqlite3.DatabaseError("database disk image is malformed"), "is corrupt"),
        (sqlite3.OperationalError("database is locked"), "locked by another process"),
        (sqlite3.OperationalError("database or disk is full"), "no space left"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "cannot write"),
        (sqlite3.OperationalError("unable to open database file"), "cannot write"),
        (OSError(28, "No space left on device"), "no space left"),
    ],
)
def test_every_sqlite_failure_reads_as_a_ledger_error(raw, expected, tmp_path):
    error = ledger_error(tmp_path / "ledger.sqlite3", raw)
    assert isinstance(error, LedgerError) and expected in error.message and error.hint and error.exit_code == 1


def test_a_ledger_made_read_only_mid_run_is_a_ledger_error(tmp_path):
    """A writer whose ledger turns read-only gets a LedgerError from the next write (not a raw sqlite3 error)."""
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        ledger._db.execute("PRAGMA query_only=ON")  # what a read-only file or mount does to the next write
        with pytest.raises(LedgerError, match="cannot write"):
            ledger.record_upload("e", "s" * 64, "file-1", "f")


# ---- outputs files

OK_OUTPUTS = {
    "schema_version": 1,
    "environment": "ftdev",
    "subscription_id": "00000000-0000-0000-0000-000000000001",
    "resource_group": "rg-ftdev",
    "location": "swedencentral",
    "network_mode": "public",
    "regions": [],
}


def outputs_cases() -> dict[str, bytes]:
    good = json.dumps(OK_OUTPUTS)
    return {
        "invalid utf-8": b'{"environment": "\xff\xfe\xfd"}',
        "utf-16 without bom": good.encode("utf-16-le"),
        "deep nesting": ('{"regions": ' + "[" * 50_000 + "]" * 50_000 + "}").encode(),
        "moderate nesting": ('{"x": ' + "[" * 40 + "]" * 40 + "}").encode(),
        "huge integer": ('{"schema_version": ' + "1" * 100_000 + "}").encode(),
        "nan": good.replace('"schema_version": 1', '"schema_version": NaN').encode(),
        "duplicate key": good.replace('"location": "swedencentral"', '"location": "a", "location": "b"').encode(),
        "newline in a name": json.dumps({**OK_OUTPUTS, "resource_group": "rg\nftdev"}).encode(),
        "name with a slash": json.dumps({**OK_OUTPUTS, "location": "sweden/../central"}).encode(),
        "not an object": b"[1, 2, 3]",
        "truncated": good[:40].encode(),
        "binary": bytes(range(256)) * 8,
        "empty": b"",
    }


@pytest.mark.parametrize("case", outputs_cases())
def test_hostile_outputs_file_is_one_error(case, cli, tmp_path):
    path = tmp_path / "outputs.json"
    path.write_bytes(outputs_cases()[case])
    code, _, err = cli("jobs", "list", "--outputs", str(path))
    assert_one_error(code, err)


def test_utf16_with_bom_is_read(cli, tmp_path):
    """PowerShell's `>` writes UTF-16 with a BOM: that file is the same outputs (the control for the cases above)."""
    from ftops.stack.outputs import read_outputs_file

    path = tmp_path / "outputs.json"
    path.write_bytes(json.dumps(OK_OUTPUTS).encode("utf-16"))
    assert read_outputs_file(path).environment == "ftdev"


@pytest.mark.parametrize("kind", ["folder", "fifo", "/dev/zero"])
def test_outputs_that_is_not_a_regular_file_is_refused_at_once(kind, cli, tmp_path):
    path = tmp_path / "outputs.json"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path(kind)
    code, _, err = cli("jobs", "list", "--outputs", str(path))
    assert_one_error(code, err)


# ---- a fake pulumi


def fake_pulumi(tmp_path: Path, body: str, status: int = 0) -> Path:
    script = tmp_path / "pulumi"
    script.write_text(f"#!/bin/sh\n{body}\nexit {status}\n")
    script.chmod(0o755)
    return script


PULUMI_CASES = {
    "binary stdout": "head -c 3000 /dev/urandom",
    "non-json": "echo 'Welcome to Pulumi!'",
    "invalid utf-8 json": r"printf '{\"environment\": \"\377\"}'",
    "deep json": "python3 -c \"print('[' * 20000 + ']' * 20000)\"",
    "empty": "true",
    "fails with escapes and a token": r"printf 'no: \033[31mBearer eyJabcdefgh.eyJabcdefgh.sig\033[0m\n' >&2; exit 9",
    "fails with binary stderr": "head -c 3000 /dev/urandom >&2; exit 1",
}


@pytest.mark.parametrize("case", PULUMI_CASES)
def test_hostile_pulumi_output_is_one_error(case, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("FTOPS_PULUMI", str(fake_pulumi(tmp_path, PULUMI_CASES[case])))
    code, _, err = cli("jobs", "list", "--stack", "dev")
    assert_one_error(code, err)
    assert "\x1b" not in err and "eyJabcdefgh" not in err


def test_a_fake_pulumi_with_good_outputs_works(cli, tmp_path, monkeypatch):
    """Control: the same fake pulumi printing the contract is read (so the cases above fail for their output)."""
    from ftops.stack.outputs import read_stack_outputs

    body = "cat <<'EOF'\n" + json.dumps(OK_OUTPUTS) + "\nEOF"
    monkeypatch.setenv("FTOPS_PULUMI", str(fake_pulumi(tmp_path, body)))
    assert read_stack_outputs("dev", cwd=tmp_path).environment == "ftdev"
