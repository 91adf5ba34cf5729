"""The exactly-once launcher against the emulator, with faults at the risky moments."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.transport import RetryPolicy
from ftops.catalog import load_catalog
from ftops.errors import AzureFailureError
from ftops.jobs.launch import DatasetFacts, Launcher, LaunchOutcome, LaunchRequest, plan_launch
from ftops.jobs.ledger import Ledger

catalog = load_catalog()
FAST = RetryPolicy(backoff_base=0.001, backoff_max=0.01, budget_seconds=10)


def facts(path: Path) -> DatasetFacts:
    return DatasetFacts(hashlib.sha256(path.read_bytes()).hexdigest(), None, False, {})


def launch_once(outputs, request: LaunchRequest, ledger: Ledger) -> LaunchOutcome:
    target, planned, resumed = plan_launch(request, outputs, catalog, facts(request.train), ledger)
    with OpenAIDataPlane(target.endpoint, policy=FAST, sleep=lambda s: None) as plane:
        launcher = Launcher(plane, ledger, catalog, poll_seconds=0)
        return launcher.run(planned, request, target, LaunchOutcome(planned, resumed))


def request_for(path: Path, **extra) -> LaunchRequest:
    return LaunchRequest(stack="dev", model="gpt-4.1-mini", method="sft", train=path, **extra)


def test_a_rerun_resumes_and_pays_once(emulator, outputs, sft_file, tmp_path):
    with Ledger(tmp_path / "l.db") as ledger:
        first = launch_once(outputs, request_for(sft_file), ledger)
        second = launch_once(outputs, request_for(sft_file), ledger)
    assert first.job["id"] == second.job["id"] and second.resumed
    assert first.launch.suffix.startswith("ft-")
    assert emulator.counters("aisse") == {**emulator.counters("aisse"), "uploads": 1, "job_creations": 1}
    assert first.job["model"] == "gpt-4.1-mini-2025-04-14"


def test_new_makes_a_second_job_but_reuses_the_upload(emulator, outputs, sft_file, tmp_path):
    with Ledger(tmp_path / "l.db") as ledger:
        first = launch_once(outputs, request_for(sft_file), ledger)
        second = launch_once(outputs, request_for(sft_file, new=True), ledger)
    assert first.job["id"] != second.job["id"]
    assert second.reused_files == [first.launch.train_file_id]
    assert emulator.counters("aisse")["uploads"] == 1
    assert emulator.counters("aisse")["job_creations"] == 2


def test_upload_response_lost_then_rerun_uploads_once(emulator, outputs, sft_file, tmp_path):
    emulator.set_faults("drop-after on=POST:/openai/files nth=1")
    with Ledger(tmp_path / "l.db") as ledger:
        outcome = launch_once(outputs, request_for(sft_file), ledger)  # looks before sending again
    assert outcome.job["status"] in ("pending", "validating_files")
    assert emulator.counters("aisse")["uploads"] == 1
    assert emulator.counters("aisse")["job_creations"] == 1


def test_create_response_lost_is_recovered_by_suffix(emulator, outputs, sft_file, tmp_path):
    emulator.set_faults("drop-after on=POST:/openai/fine_tuning/jobs nth=1")
    with Ledger(tmp_path / "l.db") as ledger:
        outcome = launch_once(outputs, request_for(sft_file), ledger)
        assert outcome.recovered_job
        assert ledger.get(outcome.launch.key).job_id == outcome.job["id"]
    assert emulator.counters("aisse")["job_creations"] == 1


def test_crash_after_create_before_recording_resumes_without_second_job(emulator, outputs, sft_file, tmp_path):
    """The process dies with the create sent but not recorded: the ledger says 'creating'."""
    # The first job listings (the limits preflight's, then the one before creating) work; the create is acted
    # on but its answer lost; every listing after that fails, so the process gives up between the create and
    # recording the job.
    emulator.set_faults(
        "drop-after on=POST:/openai/fine_tuning/jobs nth=1; drop-before on=GET:/openai/fine_tuning/jobs nth=3-40"
    )
    with Ledger(tmp_path / "l.db") as ledger, pytest.raises(AzureFailureError):
        launch_once(outputs, request_for(sft_file), ledger)
    with Ledger(tmp_path / "l.db") as ledger:
        assert ledger.all()[0].state == "creating"
    emulator.set_faults("")
    with Ledger(tmp_path / "l.db") as ledger:
        outcome = launch_once(outputs, request_for(sft_file), ledger)
    assert outcome.recovered_job and outcome.resumed
    assert emulator.counters("aisse") == {**emulator.counters("aisse"), "uploads": 1, "job_creations": 1}


def test_storms_of_429_and_503_still_give_one_upload_and_one_job(emulator, outputs, sft_file, tmp_path):
    emulator.set_faults("429 on=POST:* nth=1-2 retry-after=0; 503 on=GET:* p=0.3 times=8")
    with Ledger(tmp_path / "l.db") as ledger:
        outcome = launch_once(outputs, request_for(sft_file), ledger)
    assert outcome.job["id"]
    assert emulator.counters("aisse")["uploads"] == 1 and emulator.counters("aisse")["job_creations"] == 1


def test_dpo_with_beta_and_global_training(emulator, outputs, sft_file, tmp_path):
    request = LaunchRequest(
        stack="dev",
        model="gpt-4.1",
        method="dpo",
        train=sft_file,
        region="eastus2",
        hyperparameters={"beta": 0.2, "n_epochs": 2},
    )
    with Ledger(tmp_path / "l.db") as ledger:
        outcome = launch_once(outputs, request, ledger)
    job = outcome.job
    assert job["method"]["type"] == "dpo" and job["method"]["dpo"]["hyperparameters"]["beta"] == 0.2
    assert job.get("trainingType") == "GlobalStandard"
    assert emulator.counters("aiseus2")["job_creations"] == 1


def test_live_picks_only_regions_arm_reports(emulator, outputs, sft_file, tmp_path):
    from ftops.jobs.run import live_regions

    entry = emulator.arm.model_entry
    emulator.arm.set_location_models("swedencentral", [entry("gpt-4.1-mini", "2025-04-14", fine_tune=False)])
    live = live_regions(outputs, "gpt-4.1-mini")
    assert live == frozenset({"eastus2"})
    request = request_for(sft_file)
    with Ledger(tmp_path / "l.db") as ledger:
        target, _, _ = plan_launch(request, outputs, catalog, facts(sft_file), ledger, live_regions=live)
    assert (target.location, target.training_type) == ("eastus2", "global")
