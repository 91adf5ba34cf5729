"""Fault injection: the client rides out throttling and outages, and never loops without bound."""

from __future__ import annotations

import time

import pytest

from ftops.azure.errors import AzureMaybeAppliedError
from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.transport import RetryPolicy
from ftops.emulator.faults import FaultPlan
from ftops.errors import AzureFailureError, AzureRefusedError, UsageError

LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]}\n'
POLICY = RetryPolicy(max_attempts=8, backoff_base=0.005, backoff_max=0.02, budget_seconds=10)


def client(**policy) -> OpenAIDataPlane:
    return OpenAIDataPlane("https://acct1.openai.azure.com/", policy=RetryPolicy(**{**POLICY.__dict__, **policy}))


def test_a_429_storm_with_retry_after_is_ridden_out(emulator):
    emulator.set_faults("429 on=GET:/openai/files times=5 retry-after-ms=30 retry-after=1")
    started = time.monotonic()
    with client() as plane:
        assert plane.files.list() == []
    assert time.monotonic() - started >= 5 * 0.03  # the server's retry-after-ms was honoured each time
    assert emulator.requests == 6


def test_a_503_burst_on_get_is_retried(emulator):
    emulator.set_faults("503 on=GET:/openai/fine_tuning/jobs nth=1-3")
    with client() as plane:
        assert list(plane.fine_tuning.jobs.list()) == []
    assert emulator.requests == 4


def test_a_dropped_connection_on_a_get_is_retried(emulator):
    emulator.set_faults("drop-before on=GET:/openai/files nth=1; drop-after on=GET:/openai/files nth=2")
    with client() as plane:
        assert plane.files.list() == []
    assert emulator.requests == 3


def test_an_upload_dropped_after_the_server_acted_is_not_retried_and_says_so(emulator):
    emulator.set_faults("drop-after on=POST:/openai/files nth=1")
    with client() as plane, pytest.raises(AzureMaybeAppliedError) as caught:
        plane.files.upload(LINE * 12, filename="t.jsonl")
    assert caught.value.exit_code == 4
    assert emulator.counters("acct1")["uploads"] == 1  # acted on exactly once, never repeated
    with client() as plane:
        assert len(plane.files.list()) == 1  # what a resuming launcher would find


def test_a_job_create_dropped_after_acting_is_created_once(emulator):
    with client() as plane:
        training = plane.files.upload(LINE * 12, filename="t.jsonl")
        plane.files.wait_processed(training["id"], poll_seconds=0)
        emulator.set_faults("drop-after on=POST:/openai/fine_tuning/jobs nth=1")
        with pytest.raises(AzureMaybeAppliedError):
            plane.fine_tuning.jobs.create("gpt-4o", training["id"], suffix="k1")
        assert [j["suffix"] for j in plane.fine_tuning.jobs.list()] == ["k1"]
    assert emulator.counters("acct1")["job_creations"] == 1


def test_a_permanent_4xx_surfaces_at_once(emulator):
    with client() as plane, pytest.raises(AzureRefusedError) as caught:
        plane.fine_tuning.jobs.get("ftjob-missing")
    assert caught.value.status == 404 and caught.value.exit_code == 3
    assert "ftjob-missing" in caught.value.message
    assert emulator.requests == 1


def test_an_outage_that_does_not_end_gives_up_after_the_attempt_limit(emulator):
    emulator.set_faults("503 on=GET:*")
    with client(max_attempts=4) as plane, pytest.raises(AzureFailureError) as caught:
        plane.files.list()
    assert caught.value.status == 503 and caught.value.exit_code == 4
    assert emulator.requests == 4


def test_latency_and_slow_bodies_still_deliver(emulator):
    emulator.set_faults("latency ms=40 on=GET:*; slow-body ms=40 on=GET:*")
    started = time.monotonic()
    with client() as plane:
        assert plane.files.list() == []
    assert time.monotonic() - started >= 0.08


def test_probabilistic_faults_are_deterministic_for_a_seed():
    def decisions(seed: int) -> list[bool]:
        plan = FaultPlan("503 on=GET:* p=0.5", seed=seed)
        return [plan.decide("GET", "/x").status == 503 for _ in range(40)]

    assert decisions(7) == decisions(7)
    assert decisions(7) != decisions(8)
    assert 5 < sum(decisions(7)) < 35


def test_fault_specs_from_a_file_and_bad_specs(tmp_path):
    spec = tmp_path / "faults.txt"
    spec.write_text("# storm\nlatency ms=5\n429 on=POST:/openai/files nth=1,3 retry-after=2\n")
    plan = FaultPlan.load(f"@{spec}")
    assert [plan.decide("POST", "/openai/files").status for _ in range(3)] == [429, None, 429]
    assert dict(plan.decide("POST", "/openai/files").headers) == {}
    for bad in ("teleport", "429 nth=0", "latency ms=999999", "503 when=now", "429 p=2"):
        with pytest.raises(UsageError):
            FaultPlan(bad)
