"""The one poller: Retry-After, one interval cap, one deadline, progress, typed outcomes, and the ARM LRO
algorithms in azure-core's order (Azure-AsyncOperation, Location, body provisioningState)."""

from __future__ import annotations

import json

import httpx
import pytest

from ftops.azure.models import Outcome
from ftops.azure.poll import MAX_INTERVAL, LroPoller, PollTimeoutError, wait_until
from ftops.azure.transport import RetryPolicy, Transport
from ftops.errors import AzureFailureError, AzureRefusedError

BASE = "https://management.azure.com"
RESOURCE = f"{BASE}/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a/deployments/d"


class Clock:
    """A fake clock the fake sleep moves: the deadline is checked without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_wait_until_returns_a_typed_outcome_and_reports_each_poll():
    states = iter(["pending", "running", "succeeded"])
    seen: list[str] = []
    clock = Clock()
    done = wait_until(
        lambda: next(states),
        lambda s: Outcome(s) if s == "succeeded" else None,
        what="job j",
        interval=3,
        timeout=60,
        on_poll=seen.append,
        sleep=clock.sleep,
        clock=clock,
    )
    assert (done.outcome, done.value, done.polls) == (Outcome.SUCCEEDED, "succeeded", 3)
    assert seen == ["pending", "running", "succeeded"] and clock.slept == [3, 3]


def test_retry_after_wins_over_the_interval_but_never_passes_the_cap():
    asked = iter([7.0, 500.0, None])
    clock = Clock()
    wait_until(
        lambda: next(asked, "end"),
        lambda value: Outcome.SUCCEEDED if value == "end" else None,
        what="x",
        interval=2,
        timeout=10_000,
        retry_after=lambda value: value if isinstance(value, float) else None,
        sleep=clock.sleep,
        clock=clock,
    )
    assert clock.slept == [7.0, MAX_INTERVAL, 2]


def test_the_deadline_stops_the_wait_with_what_was_still_in_which_state():
    clock = Clock()
    with pytest.raises(PollTimeoutError) as caught:
        wait_until(
            lambda: "running",
            lambda value: None,
            what="file f-1",
            interval=10,
            timeout=35,
            state=lambda value: value,
            sleep=clock.sleep,
            clock=clock,
        )
    assert caught.value.message == "file f-1 still running after 35s" and caught.value.exit_code == 4
    assert clock.slept == [10, 10, 10]  # a fourth wait would end past the deadline: not started


def lro(handler, method: str = "PUT", url: str = RESOURCE) -> tuple[LroPoller, list[str]]:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return handler(request)

    transport = Transport(
        base_url=BASE,
        auth=httpx.Auth(),
        http_client=httpx.Client(transport=httpx.MockTransport(record)),
        policy=RetryPolicy(max_attempts=1),
    )
    first = transport.request(method, url)
    slept: list[float] = []
    return LroPoller(transport, first, what="deployment d", sleep=slept.append), seen


def test_azure_async_operation_then_a_final_get_of_the_put_url():
    polls = iter(["InProgress", "InProgress", "Succeeded"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/operationStatuses/op1"):
            return httpx.Response(200, json={"status": next(polls)}, headers={"Retry-After": "2"})
        if request.method == "PUT":
            headers = {"Azure-AsyncOperation": f"{BASE}/subscriptions/s/operationStatuses/op1", "Retry-After": "1"}
            return httpx.Response(201, json={"properties": {"provisioningState": "Creating"}}, headers=headers)
        return httpx.Response(200, json={"name": "d", "properties": {"provisioningState": "Succeeded"}})

    poller, seen = lro(handler)
    assert poller.result(poll_seconds=30)["properties"]["provisioningState"] == "Succeeded"
    assert seen[-1].startswith("GET /subscriptions/s/resourceGroups/g/")  # the resource, after the monitor
    assert seen.count("GET /subscriptions/s/operationStatuses/op1") == 3


def test_location_202_then_200_with_the_result_in_the_body():
    answers = iter([202, 202, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(202, headers={"Location": f"{BASE}/subscriptions/s/operationResults/r1"})
        status = next(answers)
        return httpx.Response(status, json={"done": True} if status == 200 else None)

    poller, seen = lro(handler, method="DELETE")
    assert poller.result(poll_seconds=0) == {"done": True}
    assert len(seen) == 4


def test_a_quota_request_location_answering_200_in_progress_is_still_running():
    # Microsoft.Quota's quotaRequests status: 200 with properties.provisioningState while it runs.
    states = iter(["Accepted", "InProgress", "Succeeded"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(202, headers={"Location": f"{BASE}/subscriptions/s/quotaRequests/q1"})
        return httpx.Response(200, json={"name": "q1", "properties": {"provisioningState": next(states)}})

    poller, seen = lro(handler)
    assert poller.result(poll_seconds=0)["properties"]["provisioningState"] == "Succeeded"
    assert len(seen) == 4


def test_body_provisioning_state_of_a_put_is_polled_on_the_resource():
    states = iter(["Creating", "Succeeded"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(201, json={"properties": {"provisioningState": "Accepted"}})
        return httpx.Response(200, json={"properties": {"provisioningState": next(states)}})

    poller, seen = lro(handler)
    assert not poller.done()
    poller.result(poll_seconds=0)
    assert (
        seen
        == ["PUT /subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a/deployments/d"]
        + ["GET /subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a/deployments/d"] * 2
    )


@pytest.mark.parametrize("state", ["Failed", "Canceled", "Invalid"])
def test_a_failed_operation_raises_with_its_own_code_and_message(state):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(202, headers={"Location": f"{BASE}/subscriptions/s/quotaRequests/q1"})
        error = {"code": "QuotaEscalation\x1b[31m", "message": "needs a support request\x07"}
        return httpx.Response(200, json={"properties": {"provisioningState": state, "error": error}})

    poller, _ = lro(handler)
    with pytest.raises(AzureRefusedError) as caught:
        poller.result(poll_seconds=0)
    assert caught.value.exit_code == 3
    assert caught.value.message == f"deployment d ended {state}: needs a support request"
    assert caught.value.code == "QuotaEscalation[31m" and "support request" in (caught.value.hint or "")


def test_an_operation_status_without_a_status_is_a_bad_reply():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(201, json={}, headers={"Azure-AsyncOperation": f"{BASE}/subscriptions/s/op"})
        return httpx.Response(200, json={"something": "else"})

    poller, _ = lro(handler)
    with pytest.raises(AzureFailureError, match="has no status"):
        poller.result(poll_seconds=0)


def test_a_monitor_on_another_host_is_refused():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(202, headers={"Location": "https://evil.example/op"})

    poller, seen = lro(handler)
    with pytest.raises(AzureFailureError, match="refusing to send credentials"):
        poller.result(poll_seconds=0)
    assert len(seen) == 1


def test_an_lro_that_never_ends_stops_at_its_deadline():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(202, headers={"Location": f"{BASE}/subscriptions/s/op", "Retry-After": "0"})
        return httpx.Response(202, content=json.dumps({}).encode())

    poller, _ = lro(handler)
    with pytest.raises(PollTimeoutError, match="deployment d still InProgress after 0s"):
        poller.result(timeout=0, poll_seconds=0.001)


def test_the_ready_made_waits_follow_a_job_and_a_deployment_on_the_emulator(arm, plane, jsonl):
    from ftops.azure.waits import wait_for_deployment, wait_for_job

    training = plane.files.upload(jsonl(12), filename="t.jsonl")
    plane.files.wait_processed(training.id, poll_seconds=0)
    job = plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", training.id)
    seen: list[str] = []
    done = wait_for_job(plane, job.id, interval=0, on_poll=lambda j: seen.append(str(j.status)), sleep=lambda s: None)
    assert done.outcome is Outcome.SUCCEEDED and done.value.fine_tuned_model and seen[-1] == "succeeded"
    arm.deployments.begin_create("rg", "acct1", "d1", model="gpt-4o")  # not waited for here
    deployed = wait_for_deployment(arm, "rg", "acct1", "d1", interval=0, sleep=lambda s: None)
    assert deployed.outcome is Outcome.SUCCEEDED and deployed.value.state == "Succeeded"
