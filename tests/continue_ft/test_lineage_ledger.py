"""The ledger's lineage columns: an additive migration keeps older ledgers readable, and the identity of a launch
from a base model is what it was before lineage existed (so those launches are still found and resumed)."""

from __future__ import annotations

import json
import sqlite3

from continue_args import continuing

from ftops.cli.app import run
from ftops.jobs.ledger import SCHEMA, Ledger, launch_identity

OLD_ROW = (
    "INSERT INTO launches (key, run, identity, stack, target, kind, location, endpoint, resource_id, model, method,"
    " params, train_sha256, suffix, state, job_id, created_at, updated_at) VALUES ('k-1', 1, 'i', 'dev', 't', 'openai',"
    " 'swedencentral', 'https://aisse.openai.azure.com/', '/subscriptions/s/a', 'gpt-4.1-mini', 'sft', '{}', 'h',"
    " 'ft-x', 'created', 'ftjob-old', 1, 1)"
)


def columns(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[1] for row in db.execute("PRAGMA table_info(launches)")}


def test_a_ledger_from_before_lineage_gains_the_columns_and_keeps_its_rows(tmp_path):
    path = tmp_path / "before-lineage.sqlite3"
    with sqlite3.connect(path) as db:  # the schema every ledger had before lineage (workspace and realm included)
        db.executescript(SCHEMA)
        db.execute(OLD_ROW)
    assert not {"parent_job_id", "parent_model"} & columns(path)
    with Ledger(path) as ledger:
        found = ledger.find("ftjob-old")
    assert found is not None and found.model == "gpt-4.1-mini" and found.endpoint == "https://aisse.openai.azure.com/"
    assert (found.parent_job_id, found.parent_model) == (None, None)
    assert {"parent_job_id", "parent_model"} <= columns(path)
    with Ledger(path) as ledger:  # opening again migrates nothing twice
        assert ledger.find("ftjob-old") == found


def test_a_ledger_from_before_workspaces_gains_every_column(tmp_path):
    path = tmp_path / "oldest.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA.replace(",\n    workspace TEXT,\n    realm TEXT\n", "\n"))
        db.execute(OLD_ROW)
    with Ledger(path) as ledger:
        found = ledger.find("ftjob-old")
    assert found is not None and found.realm is None and found.parent_model is None
    assert {"workspace", "realm", "parent_job_id", "parent_model"} <= columns(path)


def test_the_parent_is_part_of_the_identity_only_when_there_is_one():
    same = {
        "realm": "azure",
        "target": "openai:/subscriptions/s/a::standard",
        "model": "gpt-4.1-mini@2025-04-14",
        "method": "dpo",
        "params": {"hyperparameters": {}, "seed": None, "suffix": None},
        "train_sha256": "h",
        "validation_sha256": None,
    }
    base = launch_identity(**same)
    assert launch_identity(**same, parent=None) == base
    continued = launch_identity(**same, parent="gpt-4.1-mini-2025-04-14.ft-abc")
    assert continued != base and continued != launch_identity(**same, parent="gpt-4.1-mini-2025-04-14.ft-def")


def test_a_continued_launch_records_its_parent(emulator, outputs_file, sft_file, dpo_file):
    code, out, err = run(
        [
            "launch",
            "--outputs",
            str(outputs_file),
            "--model",
            "gpt-4.1-mini",
            "--method",
            "sft",
            "--train",
            str(sft_file),
            "--wait",
            "--json",
        ]
    )
    assert code == 0, err
    first = json.loads(out)
    code, out, err = run(
        [
            *continuing(outputs_file, first["job_id"], dpo_file, "--json"),
        ]
    )
    assert code == 0, err
    with Ledger() as ledger:
        row = ledger.find(json.loads(out)["job_id"])
        parent = ledger.find(first["job_id"])
    assert row is not None and parent is not None
    assert (row.parent_job_id, row.parent_model) == (first["job_id"], first["final"]["fine_tuned_model"])
    assert (parent.parent_job_id, parent.parent_model) == (None, None)
    assert parent.fine_tuned_model == first["final"]["fine_tuned_model"]


def test_a_hub_job_cannot_be_continued(emulator, outputs_file, dpo_file):
    """An AzureML job in a hub project (an open model) is refused from its ledger row, before anything is sent."""
    from ftops.jobs.ledger import default_path

    with Ledger():  # the machine's ledger, with its schema
        pass
    with sqlite3.connect(default_path()) as db:
        db.execute(OLD_ROW.replace("'openai'", "'hub'").replace("gpt-4.1-mini", "Phi-4"))
    code, out, _ = run(
        [
            *continuing(outputs_file, "ftjob-old", dpo_file, "--json", method="sft"),
        ]
    )
    error = json.loads(out)
    assert code == 1 and "AzureML job of Phi-4" in error["message"] and "only for OpenAI models" in error["message"]
    assert all(not account.counters for account in emulator.dataplane.accounts.values())
