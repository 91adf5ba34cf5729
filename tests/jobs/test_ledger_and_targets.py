"""The launch ledger's exactly-once bookkeeping, and target resolution from stack outputs."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from ftops.catalog import load_catalog
from ftops.errors import NotAvailableError
from ftops.jobs.ledger import Launch, Ledger, launch_identity
from ftops.stack.outputs import parse_outputs
from ftops.stack.placement import resolve_target

catalog = load_catalog()


def make_launch(identity: str = "a" * 64) -> Launch:
    return Launch(
        key="",
        run=0,
        identity=identity,
        stack="dev",
        target="openai:acct",
        kind="openai",
        location="swedencentral",
        endpoint="https://x.openai.azure.com/",
        resource_id="/subscriptions/s/acct",
        model="gpt-4.1-mini",
        method="sft",
        params="{}",
        train_sha256="t" * 64,
        validation_sha256=None,
        suffix="ft-aaaa",
        state="planned",
    )


def test_identity_depends_on_every_input() -> None:
    base = dict(
        realm="azure",
        target="t",
        model="m",
        method="sft",
        params={"n_epochs": 2},
        train_sha256="x",
        validation_sha256=None,
    )
    first = launch_identity(**base)
    assert launch_identity(**base) == first
    for name, value in [
        ("realm", "emulator http://127.0.0.1:1"),
        ("target", "u"),
        ("model", "n"),
        ("method", "dpo"),
        ("params", {"n_epochs": 3}),
        ("train_sha256", "y"),
        ("validation_sha256", "z"),
    ]:
        assert launch_identity(**{**base, name: value}) != first, name


def test_same_identity_resumes_and_new_run_makes_a_second(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        first = ledger.start(make_launch(), new_run=False)
        ledger.update(first.key, state="uploaded", train_file_id="file-1")
        again = ledger.start(make_launch(), new_run=False)
        assert again.key == first.key and again.train_file_id == "file-1"
        second = ledger.start(make_launch(), new_run=True)
        assert second.run == 2 and second.key != first.key
        assert ledger.latest(first.identity).key == second.key


def test_uploads_are_content_addressed_per_endpoint(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        ledger.record_upload("https://a/", "h1", "file-a", "ftops-h1.jsonl")
        assert ledger.upload_for("https://a/", "h1") == "file-a"
        assert ledger.upload_for("https://b/", "h1") is None
        ledger.forget_upload("https://a/", "h1")
        assert ledger.upload_for("https://a/", "h1") is None


def test_unknown_state_is_refused(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        launch = ledger.start(make_launch(), new_run=False)
        with pytest.raises(ValueError):
            ledger.update(launch.key, state="exploded")


def _write_then_die(path: str) -> None:
    ledger = Ledger(Path(path))
    launch = ledger.start(make_launch(), new_run=False)
    ledger.update(launch.key, state="creating", train_file_id="file-9")
    os.kill(os.getpid(), signal.SIGKILL)


def test_committed_steps_survive_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    process = multiprocessing.get_context("spawn").Process(target=_write_then_die, args=(str(path),))
    process.start()
    process.join(60)
    assert process.exitcode == -signal.SIGKILL
    with Ledger(path) as ledger:
        found = ledger.latest("a" * 64)
        assert found is not None and found.state == "creating" and found.train_file_id == "file-9"


OUTPUTS = {
    "environment": "ftmulti",
    "subscription_id": "00000000-0000-0000-0000-0000000000a7",
    "resource_group": "rg",
    "location": "swedencentral",
    "network_mode": "public",
    "regions": [
        {
            "location": "francecentral",
            "account_name": "ais-fr",
            "account_id": "/acct/fr",
            "endpoint": "https://fr.openai.azure.com/",
            "projects": [{"name": "g", "id": "/p/g", "endpoint": "https://e/g"}],
        },
        {
            "location": "swedencentral",
            "account_name": "ais-se",
            "account_id": "/acct/se",
            "endpoint": "https://se.openai.azure.com/",
            "projects": [
                {"name": "a", "id": "/p/a", "endpoint": "https://e/a"},
                {"name": "b", "id": "/p/b", "endpoint": "https://e/b"},
            ],
        },
    ],
}


def test_standard_training_preferred_then_global() -> None:
    outputs = parse_outputs(OUTPUTS, source="test")
    target = resolve_target(outputs, catalog, catalog.model("gpt-4.1-mini"), "sft")
    assert (target.location, target.training_type, target.project) == ("swedencentral", "standard", "a")
    target = resolve_target(outputs, catalog, catalog.model("gpt-4.1-mini"), "sft", region="francecentral")
    assert target.training_type == "global" and target.endpoint == "https://fr.openai.azure.com/"
    target = resolve_target(outputs, catalog, catalog.model("gpt-4.1"), "dpo", project="b")
    assert target.project == "b" and target.location == "swedencentral"


def test_no_suitable_region_names_regions_and_the_stack_change() -> None:
    # westus2: no training type of o4-mini is offered from there (francecentral now has Global training)
    only_west = {**OUTPUTS, "regions": [{**OUTPUTS["regions"][0], "location": "westus2"}]}
    outputs = parse_outputs(only_west, source="test")
    with pytest.raises(NotAvailableError) as caught:
        resolve_target(outputs, catalog, catalog.model("o4-mini"), "rft", stack="multi")
    assert "stack regions: westus2" in caught.value.message
    # no stacks/Pulumi.multi.yaml exists: the hint names the pattern, never a made-up file
    assert "eastus2, swedencentral" in caught.value.hint and "stacks/Pulumi.<stack>.yaml" in caught.value.hint
    with pytest.raises(NotAvailableError) as named:
        resolve_target(outputs, catalog, catalog.model("o4-mini"), "rft", stack="multi-region")
    assert "stacks/Pulumi.multi-region.yaml" in named.value.hint  # the stack the user named, whose file exists


def test_hub_model_without_hub_says_what_to_add() -> None:
    outputs = parse_outputs(OUTPUTS, source="test")
    with pytest.raises(NotAvailableError, match="has no hub") as caught:
        resolve_target(outputs, catalog, catalog.model("Phi-4"), "sft", stack="multi")
    assert "eastus2" in caught.value.hint


def test_launch_suffixes_differ_between_runs_and_keep_the_users_part() -> None:
    from ftops.jobs.launch import launch_suffix

    first, second = launch_suffix(None, "0123456789abcdef-1"), launch_suffix(None, "0123456789abcdef-2")
    assert first != second and first.startswith("ft-")
    mine = launch_suffix("support-bot", "0123456789abcdef-1")
    assert mine.startswith("support-bot-") and len(mine) <= 40


def test_a_new_ledger_appears_with_its_schema_and_never_replaces_one(tmp_path: Path) -> None:
    """The file a reader can see always has its tables (the SIGKILL test polls for it), and creating it
    again, as a racing process would, keeps the ledger that is there."""
    import sqlite3

    from ftops.jobs.ledger import _create_atomically

    path = tmp_path / "state" / "ledger.sqlite3"
    with Ledger(path) as ledger:
        ledger.start(make_launch(), new_run=False)
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.startswith("ledger.sqlite3")) == []
    _create_atomically(path)  # a second creator loses the race
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM launches").fetchone() == (1,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
