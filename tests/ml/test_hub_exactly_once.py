"""Hub launches are exactly-once: lost responses, a crash between create and record, reruns and --new."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ftops.azure.arm import ArmClient
from ftops.azure.ml import AzureML
from ftops.azure.transport import RetryPolicy
from ftops.catalog import load_catalog
from ftops.errors import AzureFailureError
from ftops.jobs.launch import DatasetFacts, LaunchOutcome, LaunchRequest, plan_launch
from ftops.jobs.launch_hub import HubLauncher, job_name
from ftops.jobs.ledger import Ledger
from ftops.stack.outputs import read_outputs_file

catalog = load_catalog()
FAST = RetryPolicy(backoff_base=0.001, backoff_max=0.01, budget_seconds=10)
PROJECT = "prj-open"


def launch_once(outputs_file: Path, train: Path, ledger: Ledger, **extra) -> LaunchOutcome:
    request = LaunchRequest(stack="ftopen", model="Phi-4", method="sft", train=train, **extra)
    outputs = read_outputs_file(outputs_file)
    facts = DatasetFacts(hashlib.sha256(train.read_bytes()).hexdigest(), None, False, {})
    target, planned, resumed = plan_launch(request, outputs, catalog, facts, ledger)
    no_wait = {"policy": FAST, "sleep": lambda s: None}
    with AzureML(**no_wait) as ml, ArmClient(outputs.subscription_id, **no_wait) as arm:
        launcher = HubLauncher(ml, arm, ledger, catalog, outputs)
        return launcher.run(planned, request, target, LaunchOutcome(planned, resumed))


def fired(emulator) -> list[int]:
    """How often each fault rule fired (a test whose fault never fired would prove nothing)."""
    return [rule.fired for rule in emulator.faults.rules]


def counts(emulator) -> tuple[int, int, int]:
    """(blob uploads, data assets, job creations) in the project."""
    uploads = sum(v for k, v in emulator.ml.counters.items() if k.startswith("blob_uploads"))
    return uploads, len(emulator.ml.data), emulator.ml.counters[f"job_creations:{PROJECT}"]


def test_lost_create_response_gets_the_same_job_back(emulator, hub_outputs, sft_file, tmp_path):
    emulator.set_faults("drop-after on=PUT:*/jobs/ftops-* nth=1")
    with Ledger(tmp_path / "l.db") as ledger:
        outcome = launch_once(hub_outputs(), sft_file, ledger)
        assert ledger.get(outcome.launch.key).job_id == outcome.job["id"] == job_name(outcome.launch)
    assert fired(emulator) == [1]
    assert counts(emulator) == (1, 1, 1)


def test_crash_between_create_and_record_resumes_without_a_second_job(emulator, hub_outputs, sft_file, tmp_path):
    """Every create attempt is acted on but its answer lost: the run gives up before recording the job."""
    emulator.set_faults("drop-after on=PUT:*/jobs/ftops-* nth=1-40")
    with Ledger(tmp_path / "l.db") as ledger, pytest.raises(AzureFailureError):
        launch_once(hub_outputs(), sft_file, ledger)
    assert fired(emulator)[0] > 1  # the idempotent PUT was retried, each time acted on and lost
    with Ledger(tmp_path / "l.db") as ledger:
        [recorded] = ledger.all()
        assert recorded.state == "creating" and recorded.job_id is None
    assert counts(emulator) == (1, 1, 1)  # Azure has the job; the ledger does not know it yet
    emulator.set_faults("")
    with Ledger(tmp_path / "l.db") as ledger:
        outcome = launch_once(hub_outputs(), sft_file, ledger)
        assert ledger.get(outcome.launch.key).state == "created"
    assert outcome.resumed and outcome.recovered_job and outcome.job["id"] == job_name(outcome.launch)
    assert outcome.reused_files == [outcome.launch.train_file_id]
    assert counts(emulator) == (1, 1, 1)


def test_lost_upload_response_keeps_one_blob_at_the_content_address(emulator, hub_outputs, sft_file, tmp_path):
    emulator.set_faults("drop-after on=PUT:*/train.jsonl nth=1")
    with Ledger(tmp_path / "l.db") as ledger:
        outcome = launch_once(hub_outputs(), sft_file, ledger)
    assert fired(emulator) == [1]
    [(account, path)] = list(emulator.ml.blobs)
    digest = hashlib.sha256(sft_file.read_bytes()).hexdigest()
    assert (
        path.endswith(f"/ftops/{digest[:16]}/train.jsonl")
        and emulator.ml.blobs[(account, path)] == sft_file.read_bytes()
    )
    assert outcome.job["id"] and emulator.ml.counters[f"job_creations:{PROJECT}"] == 1


def test_new_makes_a_second_job_and_reuses_the_data_asset(emulator, hub_outputs, sft_file, tmp_path):
    with Ledger(tmp_path / "l.db") as ledger:
        first = launch_once(hub_outputs(), sft_file, ledger)
        again = launch_once(hub_outputs(), sft_file, ledger)
        second = launch_once(hub_outputs(), sft_file, ledger, new=True)
    assert again.resumed and again.job["id"] == first.job["id"]
    assert second.job["id"] != first.job["id"]
    assert second.reused_files == [first.launch.train_file_id]
    assert counts(emulator) == (1, 1, 2)


def test_throttling_and_flaky_reads_still_give_one_upload_and_one_job(emulator, hub_outputs, sft_file, tmp_path):
    emulator.set_faults("429 on=PUT:* nth=1-2 retry-after=0; 503 on=GET:* p=0.3 times=8", seed=7)
    with Ledger(tmp_path / "l.db") as ledger:
        outcome = launch_once(hub_outputs(), sft_file, ledger)
    assert fired(emulator)[0] == 2 and outcome.job["status"] == "queued"
    assert counts(emulator) == (1, 1, 1)


def test_jobs_are_listed_newest_first_across_pages(emulator, hub_outputs, sft_file, tmp_path, project_id):
    with Ledger(tmp_path / "l.db") as ledger:
        names = [launch_once(hub_outputs(), sft_file, ledger, new=i > 0).job["id"] for i in range(3)]
    with AzureML(sleep=lambda s: None) as ml:
        listed = [job["name"] for job in ml.jobs(project_id, page_size=2)]
    assert listed == names[::-1]
