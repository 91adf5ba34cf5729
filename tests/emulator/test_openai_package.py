"""The official `openai` package's Azure client speaks to the emulator: it serves the real protocol."""

from __future__ import annotations

import io

from openai import AzureOpenAI

from ftops.azure.settings import OPENAI_API_VERSION

LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]}\n'


def test_azure_openai_client_uploads_creates_gets_and_lists_events(emulator):
    client = AzureOpenAI(azure_endpoint=emulator.url, api_key="any-key", api_version=OPENAI_API_VERSION, max_retries=0)
    uploaded = client.files.create(file=("train.jsonl", io.BytesIO(LINE * 12)), purpose="fine-tune")
    assert uploaded.id.startswith("file-") and uploaded.filename == "train.jsonl"
    assert client.files.retrieve(uploaded.id).status == "processed"
    job = client.fine_tuning.jobs.create(
        model="gpt-4.1-mini", training_file=uploaded.id, method={"type": "supervised", "supervised": {}}
    )
    assert job.status == "pending" and job.training_file == uploaded.id
    fetched = client.fine_tuning.jobs.retrieve(job.id)
    assert fetched.id == job.id and fetched.status == "running"  # only Azure's FineTuningState values
    events = client.fine_tuning.jobs.list_events(job.id, limit=10)
    messages = [e.message for e in events.data]
    assert messages == ["Job enqueued. Waiting for jobs ahead to complete.", "Job started."]  # oldest first
    assert emulator.counters("default") == {"uploads": 1, "job_creations": 1}
