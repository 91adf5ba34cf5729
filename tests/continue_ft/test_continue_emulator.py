"""The emulator's continuous fine-tuning, with the openai SDK as a third-party client (the /openai/v1/ surface).

Microsoft's REST how-to ("Perform continuous fine-tuning", fine-tuning-rest 2025, carried in
tests/fixtures/microsoft): the job's `model` is the fine-tuned model's id, e.g.
`gpt-4.1-2025-04-14.ft-5fd1918ee65d4cd38a5dcf6835066ed7`; "Continuous fine-tuning is supported only for OpenAI
models". The strict checks are shown failing on a broken input: another account's fine-tuned model, an open
model's fine-tune, a method the base does not support.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openai
import pytest
from openai import OpenAI

LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
DPO_LINE = (
    b'{"input": {"messages": [{"role": "user", "content": "hi"}]}, "preferred_output": [{"role": "assistant", '
    b'"content": "hello"}], "non_preferred_output": [{"role": "assistant", "content": "no"}]}\n'
)
DOCS = Path(__file__).resolve().parents[1] / "fixtures/microsoft/azure-ai-docs/articles/foundry/openai/includes"


def client(emulator, account: str) -> OpenAI:
    return OpenAI(base_url=f"{emulator.url}/accounts/{account}/openai/v1/", api_key="k", max_retries=0)


def upload(sdk: OpenAI, content: bytes = LINE * 12) -> str:
    file = sdk.files.create(file=("train.jsonl", io.BytesIO(content)), purpose="fine-tune")
    assert sdk.files.retrieve(file.id).status == "processed"
    return file.id


def trained(sdk: OpenAI, model: str, content: bytes = LINE * 12, **extra) -> openai.types.fine_tuning.FineTuningJob:
    job = sdk.fine_tuning.jobs.create(model=model, training_file=upload(sdk, content), **extra)
    while job.status not in ("succeeded", "failed", "cancelled"):
        job = sdk.fine_tuning.jobs.retrieve(job.id)
    assert job.status == "succeeded", job.error
    return job


def test_the_docs_name_a_fine_tuned_model_after_its_base():
    """The shape the emulator's names follow comes from the carried how-to, not from ftops."""
    text = (DOCS / "fine-tuning-rest.021e88f40ddbfe163371a582fdf2dc6d6a4e177b.md").read_text()
    assert "Continuous fine-tuning is supported only for OpenAI models." in text
    assert re.search(r'"model": "gpt-4\.1-2025-04-14\.ft-[0-9a-f]{32}"', text)


def test_a_continued_job_round_trips_and_is_named_after_its_base(emulator):
    sdk = client(emulator, "aisse")
    first = trained(sdk, "gpt-4.1-mini-2025-04-14")
    tuned = first.fine_tuned_model
    assert emulator.dataplane.holds_model("aisse", tuned) and not emulator.dataplane.holds_model("aiseus2", tuned)
    second = trained(sdk, tuned, DPO_LINE * 12, method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2}}})
    assert second.model == tuned and second.method.type == "dpo"
    name = second.fine_tuned_model
    assert name.startswith("gpt-4.1-mini-2025-04-14.ft-") and name.count(".ft-") == 1 and name != tuned
    checkpoint = sdk.fine_tuning.jobs.checkpoints.list(second.id).data[0]
    assert checkpoint.fine_tuned_model_checkpoint.count(".ft-") == 1
    assert emulator.dataplane.holds_model("aisse", checkpoint.id)  # checkpoints are the account's models too
    assert emulator.dataplane.holds_model("aisse", checkpoint.fine_tuned_model_checkpoint)
    assert emulator.violations == []


def test_another_accounts_fine_tuned_model_is_refused(emulator):
    tuned = trained(client(emulator, "aisse"), "gpt-4.1-mini").fine_tuned_model
    other = client(emulator, "aiseus2")
    training = upload(other)
    with pytest.raises(openai.BadRequestError) as refused:
        other.fine_tuning.jobs.create(model=tuned, training_file=training)
    assert refused.value.status_code == 400 and "was not found in this resource" in refused.value.message
    assert emulator.counters("aiseus2").get("job_creations", 0) == 0


def test_an_open_models_fine_tune_and_an_unsupported_method_are_refused(emulator):
    sdk = client(emulator, "aiseus2")
    qwen = trained(sdk, "Qwen3-32B", extra_body={"trainingType": "GlobalStandard"}).fine_tuned_model
    with pytest.raises(openai.BadRequestError, match="supported only for OpenAI models"):
        sdk.fine_tuning.jobs.create(
            model=qwen, training_file=upload(sdk), extra_body={"trainingType": "DataZoneStandard"}
        )
    mini = trained(sdk, "gpt-4o-mini").fine_tuned_model  # gpt-4o-mini: supervised only
    with pytest.raises(openai.BadRequestError, match="does not support dpo fine-tuning"):
        sdk.fine_tuning.jobs.create(model=mini, training_file=upload(sdk, DPO_LINE * 12), method={"type": "dpo"})
    assert emulator.counters("aiseus2")["job_creations"] == 2  # the two parents only
