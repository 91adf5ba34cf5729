"""The response check can fail: a deliberately broken response (a value outside the spec's enum, a missing
required field, a Location header to the wrong place, an LRO without its monitor) is caught, both by the
SpecBook and by a running emulator, which answers 500 EmulatorSpecViolation and records the violation."""

from __future__ import annotations

import io

import httpx
import openai
import pytest
from openai import AzureOpenAI

from ftops.azure.settings import OPENAI_API_VERSION
from ftops.emulator.http import Reply
from ftops.emulator.specs import spec_book

JOB = {
    "id": "ftjob-1",
    "object": "fine_tuning.job",
    "model": "gpt-4o",
    "training_file": "file-1",
    "status": "running",
    "created_at": 1,
}
ORIGIN = "http://127.0.0.1:9/accounts/a"
DEPLOYMENT_PATH = "/subscriptions/s/resourceGroups/r/providers/Microsoft.CognitiveServices/accounts/a/deployments/d"


def job_op():
    return spec_book().find("GET", "/openai/fine_tuning/jobs/ftjob-1", OPENAI_API_VERSION)


def test_a_good_job_passes():
    assert spec_book().check_response(job_op(), 200, JOB) == []


def test_a_status_outside_the_enum_fails_even_where_the_enum_is_open_to_clients():
    problems = spec_book().check_response(job_op(), 200, {**JOB, "status": "validating_files"})
    assert problems and "validating_files" in problems[0]


def test_a_missing_required_field_fails():
    broken = {k: v for k, v in JOB.items() if k != "training_file"}
    assert any("training_file" in p for p in spec_book().check_response(job_op(), 200, broken))


def test_an_arm_enum_value_the_spec_does_not_list_fails():
    book = spec_book()
    op = book.find("GET", DEPLOYMENT_PATH, "2026-09-01")
    good = {"id": DEPLOYMENT_PATH, "name": "d", "properties": {"provisioningState": "Succeeded"}}
    assert book.check_response(op, 200, good) == []
    assert book.check_response(op, 200, {**good, "properties": {"provisioningState": "Creatingg"}})


@pytest.mark.parametrize(
    ("location", "says"),
    [
        ("/openai/files/file-1", "not an absolute URL"),  # relative: drops host and account prefix
        ("http://127.0.0.1:9/openai/files/file-1", "not an absolute URL"),  # no account prefix
        ("https://elsewhere.example/accounts/a/openai/files/file-1", "not an absolute URL"),
        (f"{ORIGIN}/openai/nowhere/file-1", "names nothing the specs define"),
    ],
)
def test_a_location_header_to_the_wrong_place_fails(location, says):
    book = spec_book()
    op = book.find("POST", "/openai/files", OPENAI_API_VERSION)
    assert book.check_headers(op, 201, {"Location": f"{ORIGIN}/openai/files/file-1"}, ORIGIN) == []
    problems = book.check_headers(op, 201, {"Location": location}, ORIGIN)
    assert problems and says in problems[0]


def test_a_long_running_operation_without_its_monitor_fails():
    book = spec_book()
    put = book.find("PUT", DEPLOYMENT_PATH, "2026-09-01")  # final-state-via azure-async-operation
    assert any("Azure-AsyncOperation" in p for p in book.check_headers(put, 201, {}, "http://h"))
    patch = book.find("PATCH", DEPLOYMENT_PATH, "2026-09-01")
    assert any("202 without" in p for p in book.check_headers(patch, 202, {"Retry-After": "1"}, "http://h"))


@pytest.fixture
def client(emulator) -> AzureOpenAI:
    return AzureOpenAI(
        azure_endpoint=f"{emulator.url}/accounts/a", api_key="k", api_version=OPENAI_API_VERSION, max_retries=0
    )


def test_a_running_emulator_refuses_to_send_a_broken_response(emulator, client, monkeypatch):
    upload = emulator.dataplane.files_upload

    def relative_location(request, params):
        reply = upload(request, params)
        reply.headers["Location"] = f"/openai/files/{reply.body['id']}"  # the old, wrong header
        return reply

    monkeypatch.setattr(emulator.dataplane, "files_upload", relative_location)
    with pytest.raises(openai.InternalServerError, match="not an absolute URL"):
        client.files.create(file=("t.jsonl", io.BytesIO(b"{}\n")), purpose="fine-tune")
    assert len(emulator.violations) == 1
    emulator.violations.clear()

    # a job whose status is OpenAI's `queued`, not one of Azure's FineTuningState values
    monkeypatch.setattr(
        emulator.dataplane, "fine_tuning_get", lambda request, params: Reply(200, {**JOB, "status": "queued"})
    )
    reply = httpx.get(
        f"{emulator.url}/accounts/a/openai/fine_tuning/jobs/ftjob-1",
        headers={"api-key": "k"},
        params={"api-version": OPENAI_API_VERSION},
    )
    assert reply.status_code == 500 and reply.json()["error"]["code"] == "EmulatorSpecViolation"
    assert "queued" in emulator.violations[0]
    emulator.violations.clear()
