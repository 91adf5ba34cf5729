"""The emulator's per-resource limits, role-propagation mode and fault rules on the /openai/v1 surface."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import httpx
import pytest

from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.transport import RetryPolicy
from ftops.errors import AzureRefusedError

LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]}\n'
FAST = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.005, budget_seconds=5)


def v1(emulator, method: str, path: str, **kwargs) -> httpx.Response:
    url = f"{emulator.url}/accounts/acct1/openai/v1{path}"
    return httpx.request(method, url, headers={"api-key": "k"}, timeout=10, **kwargs)


def test_fault_rules_on_openai_paths_match_the_v1_surface(emulator):
    emulator.set_faults("503 on=GET:/openai/files nth=1")
    assert v1(emulator, "GET", "/files").status_code == 503
    assert v1(emulator, "GET", "/files").status_code == 200


def test_running_jobs_beyond_three_wait_in_the_queue(emulator):
    with OpenAIDataPlane("https://acct1.openai.azure.com/", policy=FAST) as plane:
        training = plane.files.upload(LINE * 20, filename="t.jsonl")
        plane.files.wait_processed(training["id"], poll_seconds=0)
        jobs = [plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", training["id"])["id"] for _ in range(4)]
        statuses = [plane.fine_tuning.jobs.get(j)["status"] for j in jobs]
        assert statuses == ["running", "running", "running", "pending"]
        plane.fine_tuning.jobs.cancel(jobs[0])
        assert plane.fine_tuning.jobs.get(jobs[3])["status"] == "running"  # a slot freed: the queue moves


def test_the_queue_holds_twenty(emulator):
    account = emulator.dataplane.account("acct1")
    with OpenAIDataPlane("https://acct1.openai.azure.com/", policy=FAST) as plane:
        training = plane.files.upload(LINE * 20, filename="t.jsonl")
        plane.files.wait_processed(training["id"], poll_seconds=0)
        for _ in range(20):
            plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", training["id"])
        with pytest.raises(AzureRefusedError, match="20 queued jobs") as refused:
            plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", training["id"])
    assert refused.value.code == "quotaExceeded" and account.counters["job_creations"] == 20


def test_files_past_one_gigabyte_are_refused(emulator):
    from ftops.emulator.dataplane import FileRecord

    account = emulator.dataplane.account("acct1")
    big = FileRecord("file-big", "big.jsonl", "fine-tune", b"", 0, account.next_seq())
    big.content = b"x" * (1 << 30)  # exactly the limit: nothing more fits
    account.files[big.id] = big
    with OpenAIDataPlane("https://acct1.openai.azure.com/", policy=FAST) as plane:
        with pytest.raises(AzureRefusedError, match="would total") as refused:
            plane.files.upload(LINE, filename="one.jsonl")
        started = {"purpose": "fine-tune", "filename": "x.jsonl", "bytes": 10, "mime_type": "application/jsonl"}
        with pytest.raises(AzureRefusedError, match="would total"):
            plane.call("POST", "/uploads", json=started)
    assert refused.value.status == 400 and refused.value.code == "quotaExceeded"


def test_auth_delay_denies_then_clears_on_its_clock(emulator):
    now = [0.0]
    emulator.auth_delay.clock = lambda: now[0]
    emulator.auth_delay.set(20)
    first = v1(emulator, "GET", "/files")
    assert first.status_code == 403 and first.json()["error"]["code"] == "PermissionDenied"
    now[0] = 19.9
    assert v1(emulator, "GET", "/files").status_code == 403
    now[0] = 20.0
    assert v1(emulator, "GET", "/files").status_code == 200
    assert emulator.auth_delay.denied == 2


def test_auth_delay_admin_endpoint_checks_its_input(emulator):
    def post(body: dict) -> tuple[int, dict]:
        data = json.dumps(body).encode()
        request = urllib.request.Request(
            f"{emulator.url}/_emulator/auth-delay", data=data, headers=emulator.admin_headers(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    assert post({"seconds": "soon"})[0] == 400
    assert post({"seconds": -1})[0] == 400
    assert post({"seconds": 5}) == (200, {"auth_delay_seconds": 5})
    assert v1(emulator, "GET", "/files").status_code == 403
