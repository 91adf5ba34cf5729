"""The emulator checks what it receives and sends against the official specs, loudly."""

from __future__ import annotations

import httpx

from ftops.emulator.specs import spec_book


def test_a_request_with_a_wrong_api_version_is_a_violation(emulator):
    response = httpx.get(f"{emulator.url}/openai/files", params={"api-version": "2023-01-01"}, headers={"api-key": "k"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "specViolation"
    assert any("api-version" in v for v in emulator.violations)
    emulator.violations.clear()  # seen and asserted: do not fail the fixture


def test_a_body_that_breaks_the_schema_is_a_violation(emulator):
    response = httpx.post(
        f"{emulator.url}/openai/fine_tuning/jobs",
        params={"api-version": "2025-04-01-preview"},
        json={"model": "", "method": {}},
        headers={"api-key": "k"},
    )
    assert response.status_code == 400
    assert any("training_file" in v for v in emulator.violations)
    emulator.violations.clear()


def test_a_path_no_spec_defines_is_a_violation(emulator):
    response = httpx.get(f"{emulator.url}/openai/nonsense", params={"api-version": "x"}, headers={"api-key": "k"})
    assert response.status_code == 400 and emulator.violations
    emulator.violations.clear()


def test_requests_without_credentials_are_refused(emulator):
    response = httpx.get(f"{emulator.url}/openai/files", params={"api-version": "2025-04-01-preview"})
    assert response.status_code == 401


def test_responses_are_checked_against_the_spec():
    book = spec_book()
    op = book.find("GET", "/openai/fine_tuning/jobs/ftjob-1")
    assert op is not None and op.operation_id == "FineTuning_Get"
    good = {"id": "ftjob-1", "model": "gpt-4o", "training_file": "file-1", "status": "running", "created_at": 1}
    assert book.check_response(op, 200, good) == []
    assert book.check_response(op, 200, {**good, "fine_tuned_model": None})  # not nullable in the spec
    assert book.check_response(op, 200, {"model": "gpt-4o"})  # training_file is required
    assert book.check_response(op, 201, good)  # 201 is not a response of this operation
    deployments = book.find(
        "PUT", "/subscriptions/s/resourceGroups/r/providers/Microsoft.CognitiveServices/accounts/a/deployments/d"
    )
    assert deployments is not None
    assert book.check_request(deployments, {"api-version": "2026-09-01"}, {"sku": {}}, "application/json")  # sku.name


def test_admin_state_reports_counters(emulator):
    httpx.post(
        f"{emulator.url}/accounts/acct9/openai/files",
        params={"api-version": "2025-04-01-preview"},
        files={"file": ("t.jsonl", b"{}\n")},
        data={"purpose": "fine-tune"},
        headers={"authorization": "Bearer x"},
    )
    state = httpx.get(f"{emulator.url}/_emulator/state", headers=emulator.admin_headers()).json()
    assert state["accounts"]["acct9"]["counters"] == {"uploads": 1}
    admin = emulator.admin_headers()
    reply = httpx.post(f"{emulator.url}/_emulator/faults", json={"spec": "503 on=GET:*"}, headers=admin)
    assert reply.status_code == 200
    assert emulator.faults.spec == "503 on=GET:*"
