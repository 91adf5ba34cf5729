"""The openai SDK's Evals client (AzureOpenAI) against the emulated Evals API: create, run, read results."""

from __future__ import annotations

from eval_helpers import ACCOUNT
from openai import AzureOpenAI
from stack_outputs import RG, SUB

from ftops.azure.settings import OPENAI_API_VERSION


def test_sdk_creates_an_eval_runs_it_and_reads_the_output_items(emulator) -> None:
    from ftops.azure.arm import ArmClient

    with ArmClient(SUB) as arm:
        arm.deployments.begin_create(RG, ACCOUNT, "base", model="gpt-4.1-mini", version="2025-04-14").result(
            poll_seconds=0
        )
    client = AzureOpenAI(
        azure_endpoint=f"{emulator.url}/accounts/{ACCOUNT}", api_key="k", api_version=OPENAI_API_VERSION, max_retries=0
    )
    created = client.evals.create(
        name="sdk",
        data_source_config={
            "type": "custom",
            "item_schema": {"type": "object", "properties": {"q": {"type": "string"}, "a": {"type": "string"}}},
            "include_sample_schema": True,
        },
        testing_criteria=[
            {
                "type": "string_check",
                "name": "echo",
                "input": "{{sample.output_text}}",
                "reference": "{{item.a}}",
                "operation": "eq",
            }
        ],
        metadata={"k": "v"},
    )
    assert created.id and created.metadata == {"k": "v"}
    run = client.evals.runs.create(
        created.id,
        name="base",
        data_source={
            "type": "completions",
            "model": "base",
            "input_messages": {"type": "template", "template": [{"role": "user", "content": "{{item.q}}"}]},
            "source": {
                "type": "file_content",
                "content": [{"item": {"q": "hello", "a": "hello"}}, {"item": {"q": "hi", "a": "bye"}}],
            },
        },
    )
    assert run.status == "queued"
    while run.status in ("queued", "in_progress"):  # the emulator's clock: each read moves the run on
        run = client.evals.runs.retrieve(run.id, eval_id=created.id)
    assert run.status == "completed"
    assert run.result_counts.passed == 1 and run.result_counts.failed == 1
    items = list(client.evals.runs.output_items.list(run.id, eval_id=created.id))
    assert [i.status for i in items] == ["pass", "fail"]  # the base model echoes the prompt
    assert items[0].sample.output[0].content == "hello"
    assert [e.id for e in client.evals.list()] == [created.id]
