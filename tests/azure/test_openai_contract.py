"""Every data-plane operation of OpenAIDataPlane against the spec-checked emulator."""

from __future__ import annotations

import pytest

from ftops.azure.errors import AzureNotFoundError
from ftops.errors import AzureRefusedError, DataError, UsageError

GRADER = {"type": "string_check", "name": "exact", "input": "{{item.answer}}", "reference": "{{sample.output_text}}"}


LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'


def processed(client, content: bytes = LINE * 12, name: str = "train.jsonl") -> dict:
    uploaded = client.files.upload(content, filename=name)
    return client.files.wait_processed(uploaded["id"], poll_seconds=0)


def test_files_upload_get_list_content_delete(emulator, plane, jsonl, tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_bytes(jsonl(12))
    client = plane
    uploaded = client.files.upload(path)
    assert uploaded["status"] == "pending" and uploaded["filename"] == "train.jsonl"
    assert uploaded["bytes"] == len(jsonl(12))
    assert client.files.wait_processed(uploaded["id"], poll_seconds=0)["status"] == "processed"
    assert [f["id"] for f in client.files.list(purpose="fine-tune")] == [uploaded["id"]]
    assert client.files.content(uploaded["id"]) == jsonl(12)
    assert client.files.delete(uploaded["id"])["deleted"] is True
    with pytest.raises(AzureNotFoundError):
        client.files.get(uploaded["id"])
    assert emulator.counters("acct1")["uploads"] == 1


def test_a_broken_file_ends_in_error_and_wait_raises_a_data_error(emulator, plane, jsonl):
    client = plane
    uploaded = client.files.upload(b'{"messages": []}\nnot json\n', filename="bad.jsonl")
    with pytest.raises(DataError, match="Line 2 is not valid JSON"):
        client.files.wait_processed(uploaded["id"], poll_seconds=0)


def test_import_from_url(emulator, plane, jsonl):
    client = plane
    imported = client.files.import_url("https://blob.example/train.jsonl?sig=x", filename="train.jsonl")
    assert client.files.wait_processed(imported["id"], poll_seconds=0)["status"] == "processed"
    assert emulator.counters("acct1")["imports"] == 1


def test_supervised_job_runs_to_success_with_events_checkpoints_and_model(emulator, plane, jsonl):
    client = plane
    training = processed(client)
    job = client.fine_tuning.jobs.create(
        "gpt-4.1-mini", training["id"], hyperparameters={"n_epochs": 3}, suffix="demo", seed=7
    )
    assert job["status"] == "pending" and job["method"]["type"] == "supervised"
    seen = []
    done = client.fine_tuning.jobs.wait(job["id"], poll_seconds=0, on_status=lambda j: seen.append(j["status"]))
    assert done["status"] == "succeeded" and done["fine_tuned_model"].endswith("-demo")
    assert seen == ["running", "running", "running", "succeeded"]  # Azure's FineTuningState values only
    assert done["hyperparameters"]["n_epochs"] == 3 and done["seed"] == 7 and done["result_files"]
    events = list(client.fine_tuning.jobs.events(job["id"], limit=2))  # pages of 2
    assert events[-1]["message"] == "The job has successfully completed."  # oldest first, as Microsoft's example
    assert any(e["type"] == "metrics" for e in events)
    checkpoints = list(client.fine_tuning.jobs.checkpoints(job["id"]))
    assert [c["step_number"] for c in checkpoints] == [10, 20, 30]


def test_dpo_and_rft_bodies_and_training_type(emulator, plane, jsonl):
    client = plane
    training = processed(client)
    validation = processed(client, name="valid.jsonl")
    dpo = client.fine_tuning.jobs.create(
        "gpt-4.1", training["id"], method="dpo", hyperparameters={"beta": 0.2}, training_type="global"
    )
    assert dpo["method"]["type"] == "dpo" and dpo["method"]["dpo"]["hyperparameters"]["beta"] == 0.2
    assert dpo["trainingType"] == "GlobalStandard"
    rft = client.fine_tuning.jobs.create(
        "o4-mini", training["id"], validation_file=validation["id"], method="rft", grader=GRADER
    )
    assert rft["method"]["reinforcement"]["grader"] == GRADER
    with pytest.raises(UsageError):
        client.fine_tuning.jobs.create("o4-mini", training["id"], method="rft")
    with pytest.raises(AzureRefusedError, match="validation_file"):
        client.fine_tuning.jobs.create("o4-mini", training["id"], method="rft", grader=GRADER)


def test_job_list_pages_newest_first(emulator, plane, jsonl):
    client = plane
    training = processed(client)
    ids = [client.fine_tuning.jobs.create("gpt-4o", training["id"])["id"] for _ in range(3)]
    listed = [j["id"] for j in client.fine_tuning.jobs.list(limit=1)]
    assert sorted(listed) == sorted(ids) and len(listed) == 3
    assert emulator.counters("acct1")["job_creations"] == 3


def test_too_few_examples_fails_the_job_with_a_reason(emulator, plane, jsonl):
    client = plane
    training = processed(client, jsonl(3))
    job = client.fine_tuning.jobs.create("gpt-4o", training["id"])
    done = client.fine_tuning.jobs.wait(job["id"], poll_seconds=0)
    assert done["status"] == "failed" and "at least 10" in done["error"]["message"]


def test_cancel_pause_resume(emulator, plane, jsonl):
    client = plane
    training = processed(client)
    jobs = client.fine_tuning.jobs
    job = jobs.create("gpt-4o", training["id"], hyperparameters={"n_epochs": 5})
    with pytest.raises(AzureRefusedError, match="only running jobs pause"):
        jobs.pause(job["id"])
    statuses = [jobs.get(job["id"])["status"] for _ in range(3)]  # each read moves the emulated job on
    assert statuses == ["running", "running", "running"]
    assert jobs.pause(job["id"])["status"] == "pausing"
    assert jobs.get(job["id"])["status"] == "paused"
    assert jobs.resume(job["id"])["status"] == "resuming"
    assert jobs.get(job["id"])["status"] == "running"
    assert jobs.cancel(job["id"])["status"] == "cancelled"
    assert jobs.cancel(job["id"])["status"] == "cancelled"  # repeating is harmless
    assert jobs.wait(job["id"], poll_seconds=0)["status"] == "cancelled"


def test_a_job_on_an_unprocessed_or_unknown_file_is_refused(emulator, plane, jsonl):
    client = plane
    pending = client.files.upload(jsonl(12), filename="t.jsonl")
    with pytest.raises(AzureRefusedError, match="not processed"):
        client.fine_tuning.jobs.create("gpt-4o", pending["id"])
    with pytest.raises(AzureRefusedError, match="not found"):
        client.fine_tuning.jobs.create("gpt-4o", "file-missing")
    assert emulator.counters("acct1").get("job_creations", 0) == 0


def test_accounts_are_separate(emulator, plane, jsonl):
    from ftops.azure.openai import OpenAIDataPlane

    one = plane
    with OpenAIDataPlane("https://acct2.openai.azure.com/") as two:
        one.files.upload(jsonl(12), filename="a.jsonl")
        assert two.files.list() == []
    assert emulator.counters("acct2") == {} and emulator.counters("acct1")["uploads"] == 1
