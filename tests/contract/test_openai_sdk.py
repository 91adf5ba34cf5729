"""The openai SDK (AzureOpenAI and the /openai/v1/ surface) against the emulated Azure OpenAI data plane."""

from __future__ import annotations

import io
import json

import openai
import pytest
from openai import AzureOpenAI, OpenAI

from ftops.azure.settings import OPENAI_API_VERSION

LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
DPO_LINE = (
    b'{"input": {"messages": [{"role": "user", "content": "hi"}]}, "preferred_output": [{"role": "assistant", '
    b'"content": "hello"}], "non_preferred_output": [{"role": "assistant", "content": "no"}]}\n'
)
IMAGE_LINE = (
    b'{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},'
    b' {"role": "assistant", "content": "a cat"}]}\n'
)
GRADER = {
    "type": "string_check",
    "name": "exact",
    "input": "{{sample.output_text}}",
    "reference": "{{item.answer}}",
    "operation": "eq",
}
# FineTuningState of the data-plane spec (aoai-authoring 2025-04-01-preview)
STATES = {"created", "pending", "running", "pausing", "paused", "resuming", "succeeded", "cancelled", "failed"}


@pytest.fixture
def client(emulator) -> AzureOpenAI:
    return AzureOpenAI(
        azure_endpoint=f"{emulator.url}/accounts/aiscontract",
        api_key="any-key",
        api_version=OPENAI_API_VERSION,
        max_retries=0,
    )


def upload(client, content: bytes = LINE * 12, name: str = "train.jsonl") -> str:
    file = client.files.create(file=(name, io.BytesIO(content)), purpose="fine-tune")
    assert client.files.retrieve(file.id).status == "processed"
    return file.id


def test_files_auto_pagination_ends_with_every_file_newest_first(client, emulator):
    ids = [upload(client, name=f"t{i}.jsonl") for i in range(5)]  # the same second: creation order decides
    listed = [f.id for f in client.files.list(limit=2)]  # the SDK follows `after` while `has_more`
    assert listed == ids[::-1]
    assert [f.id for f in client.files.list(limit=2, order="asc")] == ids
    first = client.files.list(limit=2)
    assert first.has_more is True and len(first.data) == 2
    assert client.files.content(ids[0]).read() == LINE * 12
    assert client.files.delete(ids[0]).deleted is True
    assert len(list(client.files.list())) == 4


def test_upload_answers_an_absolute_location_with_the_account(client, emulator):
    raw = client.files.with_raw_response.create(file=("t.jsonl", io.BytesIO(LINE * 12)), purpose="fine-tune")
    body = json.loads(raw.text)
    assert raw.headers["location"] == f"{emulator.url}/accounts/aiscontract/openai/files/{body['id']}"
    assert set(body) >= {"id", "object", "status", "purpose", "filename", "created_at", "bytes"}


def test_jobs_auto_pagination_ends_newest_first(client):
    training = upload(client)
    ids = [client.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=training).id for _ in range(4)]
    listed = [job.id for job in client.fine_tuning.jobs.list(limit=1)]
    assert listed == ids[::-1]


def test_a_job_runs_to_success_with_its_full_echo(client, emulator):
    training = upload(client)
    raw = client.fine_tuning.jobs.with_raw_response.create(
        model="gpt-4.1-mini-2025-04-14",
        training_file=training,
        suffix="contract",
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
    )
    created = raw.parse()
    assert raw.headers["location"] == f"{emulator.url}/accounts/aiscontract/openai/fine_tuning/jobs/{created.id}"
    assert created.status == "pending" and isinstance(created.seed, int)  # a seed is generated
    assert created.hyperparameters.n_epochs == 2 and created.hyperparameters.batch_size is not None
    assert created.hyperparameters.learning_rate_multiplier is not None
    seen = []
    job = created
    while job.status not in ("succeeded", "failed", "cancelled"):
        job = client.fine_tuning.jobs.retrieve(created.id)
        seen.append(job.status)
    assert set(seen) <= STATES and job.status == "succeeded"
    assert job.fine_tuned_model.endswith("-contract") and job.result_files and job.trained_tokens
    results = client.files.retrieve(job.result_files[0])
    assert results.purpose == "fine-tune-results"
    events = list(client.fine_tuning.jobs.list_events(created.id, limit=2))  # pages of two, to the end
    assert events[0].message.startswith("Job enqueued") and events[-1].message == "The job has successfully completed."
    assert [e.created_at for e in events] == sorted(e.created_at for e in events)  # as Microsoft's example
    steps = [c.step_number for c in client.fine_tuning.jobs.checkpoints.list(created.id)]
    assert steps == [10, 20]


def test_the_sdk_model_keeps_every_field_the_service_sent(client):
    training = upload(client)
    raw = client.fine_tuning.jobs.with_raw_response.create(model="gpt-4o", training_file=training)
    sent = json.loads(raw.text)
    parsed = raw.parse().model_dump(exclude_unset=True)
    assert set(sent) <= set(parsed)  # nothing dropped (extra Azure keys are kept by the SDK's models)


def test_cancel_pause_resume(client):
    training = upload(client)
    job = client.fine_tuning.jobs.create(model="gpt-4o", training_file=training, hyperparameters={"n_epochs": 5})
    assert client.fine_tuning.jobs.retrieve(job.id).status == "running"
    assert client.fine_tuning.jobs.pause(job.id).status == "pausing"
    assert client.fine_tuning.jobs.retrieve(job.id).status == "paused"
    assert client.fine_tuning.jobs.resume(job.id).status == "resuming"
    assert client.fine_tuning.jobs.cancel(job.id).status == "cancelled"


def test_cancelling_a_succeeded_job_is_refused(client):
    training = upload(client)
    job = client.fine_tuning.jobs.create(model="gpt-4o", training_file=training, hyperparameters={"n_epochs": 1})
    while client.fine_tuning.jobs.retrieve(job.id).status != "succeeded":
        pass
    with pytest.raises(openai.BadRequestError, match="cannot be cancelled"):
        client.fine_tuning.jobs.cancel(job.id)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"method": {"type": "bogus"}}, "method.type 'bogus'"),
        ({"model": "gpt-4.1", "method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": "0.1"}}}}, "beta"),
        ({"hyperparameters": {"n_epochs": 2.5}}, "n_epochs"),
        ({"suffix": "s" * 41}, "at most 40"),
        ({"suffix": "s" * 60}, "at most 40"),
        ({"suffix": "no spaces"}, "suffix may only"),
        ({"model": "text-embedding-3-small"}, "does not support fine-tuning"),
        (
            {"model": "gpt-4.1-mini", "method": {"type": "reinforcement", "reinforcement": {"grader": GRADER}}},
            "does not support reinforcement",
        ),
        ({"model": "gpt-4o-mini", "method": {"type": "dpo", "dpo": {}}}, "does not support dpo"),
        (
            {
                "model": "o4-mini",
                "method": {
                    "type": "reinforcement",
                    "reinforcement": {"grader": {"type": "string_check", "name": "g", "operation": "eq"}},
                },
            },
            "needs input and reference",
        ),
        ({"model": "o4-mini", "method": {"type": "reinforcement", "reinforcement": {}}}, "needs method.reinforcement"),
        (
            {"model": "o4-mini", "method": {"type": "reinforcement", "reinforcement": {"grader": GRADER}}},
            "needs a validation_file",
        ),
        ({"model": "no-such-model"}, "not available for fine-tuning"),
    ],
)
def test_refusals_get_400_with_a_message(client, emulator, changes, says):
    training = upload(client)
    body = {"model": "gpt-4.1-mini", "training_file": training, **changes}
    with pytest.raises(openai.BadRequestError) as caught:
        client.fine_tuning.jobs.create(**body)
    assert caught.value.status_code == 400 and says in caught.value.message
    emulator.violations.clear()  # a body the spec's schema already refuses is also a (seen) violation


def test_image_data_on_a_text_only_model_is_refused_and_accepted_on_a_vision_model(client):
    training = upload(client, IMAGE_LINE * 12)
    with pytest.raises(openai.BadRequestError, match="does not support image input"):
        client.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=training)
    assert client.fine_tuning.jobs.create(model="gpt-4.1", training_file=training).status == "pending"


def test_rft_with_a_complete_grader_is_accepted(client):
    training, validation = upload(client), upload(client, name="valid.jsonl")
    job = client.fine_tuning.jobs.create(
        model="o4-mini",
        training_file=training,
        validation_file=validation,
        method={"type": "reinforcement", "reinforcement": {"grader": GRADER}},
    )
    assert job.method.type == "reinforcement"


def test_the_stable_api_version_is_served(emulator):
    stable = AzureOpenAI(
        azure_endpoint=f"{emulator.url}/accounts/aiscontract", api_key="k", api_version="2024-10-21", max_retries=0
    )
    training = upload(stable)
    job = stable.fine_tuning.jobs.create(model="gpt-4o", training_file=training)
    assert stable.fine_tuning.jobs.retrieve(job.id).id == job.id
    assert [f.id for f in stable.files.list()] == [training]


def test_the_v1_surface_takes_no_api_version(emulator):
    v1 = OpenAI(base_url=f"{emulator.url}/accounts/aiscontract/openai/v1/", api_key="k", max_retries=0)
    training = upload(v1)
    job = v1.fine_tuning.jobs.create(model="gpt-4.1-mini", training_file=training)
    assert [j.id for j in v1.fine_tuning.jobs.list()] == [job.id]
    raw = v1.files.with_raw_response.retrieve(training)
    assert raw.http_request.url.params.get("api-version") is None


def test_an_api_version_no_spec_defines_is_refused(emulator):
    old = AzureOpenAI(
        azure_endpoint=f"{emulator.url}/accounts/aiscontract", api_key="k", api_version="2023-05-15", max_retries=0
    )
    with pytest.raises(openai.BadRequestError, match="2024-10-21, 2025-04-01-preview"):
        old.files.list()
    emulator.violations.clear()  # seen and asserted
