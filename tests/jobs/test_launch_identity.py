"""Launches you can trust (issue 17, items 1-6): identity from the resources, declared placement, the
emulator isolated from Azure, --new always creates, ended launches say so, no ghost rows, one vocabulary.

Each test drives the CLI in-process (`ftops.cli.app.run`) against the emulator, as a user would.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from stack_outputs import SUB, region

from ftops.azure.settings import EMULATOR_ENV
from ftops.cli.app import run
from ftops.emulator.server import Emulator
from ftops.stack.outputs import declared_fine_tunes
from ftops.stack.schema import load_stack_file

OUTPUTS = {
    "schema_version": 1,
    "environment": "ftdev",
    "subscription_id": SUB,
    "resource_group": "rg-ftdev",
    "location": "swedencentral",
    "network_mode": "public",
}
GRADER = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "operation": "eq",
}


def rft_file(path: Path, n: int, offset: int = 0) -> Path:
    rows = [
        {"messages": [{"role": "user", "content": f"What is {i} * 3?"}], "answer": str(3 * i)}
        for i in range(offset, offset + n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def launch_json(*args: str) -> dict:
    code, out, err = run(["launch", *args, "--json"])
    assert code == 0, err
    return json.loads(out)


def sft_args(train: Path) -> list[str]:
    return ["--model", "gpt-4.1-mini", "--method", "sft", "--train", str(train)]


def fake_pulumi(tmp_path: Path, outputs: dict) -> Path:
    """A `pulumi` that answers `pulumi stack output --json` with these outputs."""
    (tmp_path / "stack-out.json").write_text(json.dumps(outputs))
    script = tmp_path / "pulumi"
    script.write_text(f"#!/bin/sh\ncat {tmp_path / 'stack-out.json'}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


# ---- 1: the same resources are the same launch, whatever named them


def test_outputs_file_then_stack_name_is_one_job(emulator, outputs_file, sft_file, tmp_path, monkeypatch):
    monkeypatch.setenv("FTOPS_PULUMI", str(fake_pulumi(tmp_path, json.loads(outputs_file.read_text()))))
    first = launch_json("--outputs", str(outputs_file), *sft_args(sft_file))
    second = launch_json("--stack", "dev", *sft_args(sft_file))  # label "dev", outputs' environment "ftdev"
    assert second["resumed"] and second["job_id"] == first["job_id"] and second["launch"] == first["launch"]
    assert emulator.counters("aisse")["job_creations"] == 1 and emulator.counters("aisse")["uploads"] == 1


def test_other_resources_are_another_launch(emulator, outputs_for, sft_file):
    """The identity is the resources: another subscription's account of the same name is not the same launch."""
    first = launch_json("--outputs", str(outputs_for([("swedencentral", "aisse")])), *sft_args(sft_file))
    moved = "00000000-0000-0000-0000-0000000000ff"
    other = outputs_for([]).with_name("moved.json")
    other.write_text(
        json.dumps({**OUTPUTS, "subscription_id": moved, "regions": [region("swedencentral", "aisse", sub=moved)]})
    )
    second = launch_json("--outputs", str(other), *sft_args(sft_file))
    assert not second["resumed"] and second["launch"] != first["launch"]


def test_stack_and_outputs_together_is_a_usage_error(emulator, outputs_file, sft_file):
    code, _, err = run(["launch", "--stack", "dev", "--outputs", str(outputs_file), *sft_args(sft_file), "--json"])
    assert code == 2 and "--stack or --outputs, not both" in err
    assert emulator.counters("aisse") == {}
    code, _, err = run(["jobs", "list", "--stack", "dev", "--outputs", str(outputs_file)])
    assert code == 2 and "not both" in err


def test_rows_recorded_under_the_old_identity_are_found_again(emulator, outputs_file, sft_file):
    """A ledger written before identities came from resources: its launch is resumed, not run twice."""
    import sqlite3

    from ftops.jobs.ledger import default_path, legacy_identity

    first = launch_json("--outputs", str(outputs_file), *sft_args(sft_file))
    with sqlite3.connect(default_path()) as db:  # make the row look as an older ftops wrote it
        row = db.execute("SELECT target, params, train_sha256 FROM launches").fetchone()
        old = legacy_identity(
            stack="ftdev",
            target=row[0],
            model="gpt-4.1-mini",
            method="sft",
            params=json.loads(row[1]),
            train_sha256=row[2],
            validation_sha256=None,
        )
        db.execute("UPDATE launches SET identity = ?, realm = NULL", (old,))
    again = launch_json("--outputs", str(outputs_file), *sft_args(sft_file))
    assert again["resumed"] and again["job_id"] == first["job_id"]
    assert emulator.counters("aisse")["job_creations"] == 1


def test_an_old_ledger_gains_the_workspace_column_and_keeps_its_rows(tmp_path):
    import sqlite3

    from ftops.jobs.ledger import SCHEMA, Ledger

    path = tmp_path / "old.sqlite3"
    old_schema = SCHEMA.replace(",\n    workspace TEXT,\n    realm TEXT\n", "\n")
    assert "workspace" not in old_schema
    with sqlite3.connect(path) as db:
        db.executescript(old_schema)
        db.execute(
            "INSERT INTO launches (key, run, identity, stack, target, kind, location, endpoint, resource_id, model,"
            " method, params, train_sha256, suffix, state, job_id, created_at, updated_at) VALUES"
            " ('k-1', 1, 'i', 'dev', 't', 'hub', 'eastus2', '/subscriptions/s/ws', '/subscriptions/s/ws', 'Phi-4',"
            " 'sft', '{}', 'h', 'ft-x', 'created', 'ftops-k-1', 1, 1)"
        )
    with Ledger(path) as ledger:
        found = ledger.find("ftops-k-1")
    assert found is not None and found.workspace == "/subscriptions/s/ws" and found.endpoint is None
    from ftops.jobs.refs import job_ref_of

    assert job_ref_of(found).kind == "hub" and job_ref_of(found).where == "/subscriptions/s/ws"


# ---- 2: launch honours the stack's declared placement


@pytest.fixture
def multi_region_outputs(tmp_path: Path) -> Path:
    """Outputs of the multi-region stack (schema 2): its three accounts and its declared fine_tunes."""
    environment = load_stack_file("multi-region")
    data = {
        **OUTPUTS,
        "schema_version": 2,
        "environment": environment.name,
        "regions": [region(r.location, f"ais{r.location[:6]}") for r in environment.regions],
        "fine_tunes": declared_fine_tunes(environment),
    }
    path = tmp_path / "multi-outputs.json"
    path.write_text(json.dumps(data))
    return path


def test_multi_region_launches_land_where_the_stack_declares(emulator, multi_region_outputs, sft_file, tmp_path):
    mini = launch_json("--outputs", str(multi_region_outputs), *sft_args(sft_file))
    assert (mini["target"]["location"], mini["target"]["training_type"]) == ("francecentral", "global")
    train, valid = rft_file(tmp_path / "rft.jsonl", 20), rft_file(tmp_path / "rft-valid.jsonl", 10, offset=100)
    (tmp_path / "grader.json").write_text(json.dumps(GRADER))
    rft = ["--model", "o4-mini", "--method", "rft", "--train", str(train), "--validation", str(valid)]
    o4 = launch_json("--outputs", str(multi_region_outputs), *rft, "--grader", str(tmp_path / "grader.json"))
    assert (o4["target"]["location"], o4["target"]["training_type"]) == ("eastus2", "standard")
    assert emulator.counters("aisfrance")["job_creations"] == 1 and emulator.counters("aiseastus")["job_creations"] == 1
    assert emulator.counters("aisswede") == {}  # nothing trained in swedencentral


def test_the_user_overrides_the_declared_placement(emulator, multi_region_outputs, sft_file):
    chosen = launch_json("--outputs", str(multi_region_outputs), *sft_args(sft_file), "--region", "swedencentral")
    assert (chosen["target"]["location"], chosen["target"]["training_type"]) == ("swedencentral", "standard")


def test_version_1_outputs_are_still_read(emulator, outputs_file, sft_file):
    assert json.loads(outputs_file.read_text())["schema_version"] == 1
    assert launch_json("--outputs", str(outputs_file), *sft_args(sft_file))["target"]["location"] == "swedencentral"


def test_the_program_exports_the_declared_fine_tunes():
    """infra/__main__.py exports `fine_tunes` from the same helper, in the outputs contract's shape."""
    from ftops.stack.outputs import SCHEMA_VERSION, FineTuneOutput

    source = (Path(__file__).resolve().parents[2] / "infra" / "__main__.py").read_text()
    assert 'pulumi.export("fine_tunes", declared_fine_tunes(' in source
    exported = declared_fine_tunes(load_stack_file("multi-region"))
    assert SCHEMA_VERSION == 2 and [FineTuneOutput(**f).region for f in exported][-2:] == ["eastus2", "francecentral"]


# ---- 3: the ledger is keyed by the service realm; an emulator restart is a new service


def test_after_an_emulator_restart_a_launch_starts_afresh(outputs_file, sft_file, monkeypatch):
    with Emulator() as old:
        monkeypatch.setenv(EMULATOR_ENV, old.url)
        first = launch_json("--outputs", str(outputs_file), *sft_args(sft_file))
        port = old.port
    with Emulator(port=port) as restarted:  # same URL, empty state
        monkeypatch.setenv(EMULATOR_ENV, restarted.url)
        code, out, err = run(["launch", "--outputs", str(outputs_file), *sft_args(sft_file)])
        assert code == 0, err
        assert "launched" in out and "resumed" not in out
        assert restarted.counters("aisse")["job_creations"] == 1
        listed = {
            j["job_id"]: j
            for j in json.loads(run(["jobs", "list", "--outputs", str(outputs_file), "--json"])[1])["jobs"]
        }
        assert listed[first["job_id"]]["status"] == "unknown"  # the old emulator's job, marked, not resumed
        [fresh] = [j for k, j in listed.items() if k != first["job_id"]]
        assert fresh["in_ledger"] and fresh["status"] not in ("unknown", None)
        assert restarted.violations == []


def test_emulator_launches_never_match_azure_rows(emulator, outputs_file, sft_file):
    """A row recorded on the emulator is not a launch on Azure: the realm is part of the identity."""
    from ftops.jobs.ledger import Ledger
    from ftops.jobs.refs import AZURE

    launch_json("--outputs", str(outputs_file), *sft_args(sft_file))
    with Ledger() as ledger:
        [row] = ledger.all()
        assert row.realm == f"emulator {emulator.url}"
        assert ledger.all(realm=AZURE) == []


# ---- 4: --new always creates


def test_new_on_a_fresh_ledger_creates_a_second_job(emulator, outputs_file, sft_file, tmp_path, monkeypatch):
    first = launch_json("--outputs", str(outputs_file), *sft_args(sft_file))
    monkeypatch.setenv("FTOPS_STATE_DIR", str(tmp_path / "another-machine"))
    code, out, err = run(["launch", "--outputs", str(outputs_file), *sft_args(sft_file), "--new"])
    assert code == 0, err
    assert "launched" in out and "resumed" not in out
    second = launch_json("--outputs", str(outputs_file), *sft_args(sft_file))  # resumes the --new run
    assert second["job_id"] != first["job_id"] and not second["recovered_job"]
    assert emulator.counters("aisse")["job_creations"] == 2 and emulator.counters("aisse")["uploads"] == 1


# ---- 5: relaunching an ended launch says so, and how to start again


def test_relaunching_a_cancelled_launch_says_so(emulator, outputs_file, sft_file):
    first = launch_json("--outputs", str(outputs_file), *sft_args(sft_file))
    assert run(["jobs", "cancel", first["job_id"], "--json"])[0] == 0
    code, out, err = run(["launch", "--outputs", str(outputs_file), *sft_args(sft_file)])
    assert code == 0, err
    assert "✓" not in out and "already ran" in out and "cancelled" in out and "--new" in out
    assert emulator.counters("aisse")["job_creations"] == 1


def test_a_failed_job_says_start_again_with_new(outputs_file, sft_file, monkeypatch):
    with Emulator(min_examples=100) as strict_service:
        monkeypatch.setenv(EMULATOR_ENV, strict_service.url)
        code, _, err = run(["launch", "--outputs", str(outputs_file), *sft_args(sft_file), "--wait"])
        assert code == 3 and "--new" in err
        code, out, _ = run(["launch", "--outputs", str(outputs_file), *sft_args(sft_file)])
        assert code == 0 and "already ran" in out and "failed" in out and "✓" not in out


# ---- 6: no ghost rows, one vocabulary, created time and duration


def test_a_launch_refused_before_any_upload_leaves_no_row(emulator, outputs_file, sft_file, tmp_path):
    from ftops.jobs.ledger import Ledger

    hub = json.loads(outputs_file.read_text())
    group = f"/subscriptions/{hub['subscription_id']}/resourceGroups/rg"
    ws = f"{group}/providers/Microsoft.MachineLearningServices/workspaces/"
    hub["hub"] = {
        "name": "hub",
        "id": ws + "hub",
        "location": "eastus2",
        "storage_account_id": "/s",
        "key_vault_id": "/k",
        "projects": [{"name": "p", "id": ws + "p", "location": "eastus2", "marketplace_subscriptions": []}],
    }
    path = tmp_path / "hub-outputs.json"
    path.write_text(json.dumps(hub))
    code, _, err = run(
        ["launch", "--outputs", str(path), "--model", "Ministral-3B", "--method", "sft", "--train", str(sft_file)]
    )
    assert code == 1 and "Marketplace subscription" in err
    assert not emulator.ml.blobs
    with Ledger() as ledger:
        assert ledger.all() == []
    assert json.loads(run(["jobs", "list", "--json"])[1]) == {"jobs": []}


def test_merged_rows_speak_one_vocabulary_with_times(emulator, outputs_file, sft_file):
    from ftops.azure.openai import OpenAIDataPlane

    launch_json("--outputs", str(outputs_file), *sft_args(sft_file))
    with OpenAIDataPlane("https://aisse.openai.azure.com/") as plane:  # a job started elsewhere (the portal)
        file_id = plane.files.upload(sft_file, filename="portal.jsonl")["id"]
        plane.files.wait_processed(file_id, poll_seconds=0)
        plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", file_id, method="sft")
    rows = json.loads(run(["jobs", "list", "--outputs", str(outputs_file), "--json"])[1])["jobs"]
    assert len(rows) == 2 and {r["in_ledger"] for r in rows} == {True, False}
    assert {(r["model"], r["method"]) for r in rows} == {("gpt-4.1-mini", "sft")}
    assert all(r["created"] for r in rows)
    code, out, _ = run(["jobs", "list", "--outputs", str(outputs_file)])
    assert code == 0 and "created" in out and "duration" in out
