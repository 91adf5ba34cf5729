"""Retry decisions, redaction and typed errors of the transport, with httpx.MockTransport."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from ftops.azure.auth import ApiKeyAuth, BearerAuth, StaticTokenCredential
from ftops.azure.errors import AzureMaybeAppliedError, AzureNotFoundError, redact_url
from ftops.azure.settings import load_settings
from ftops.azure.transport import RetryBudget, RetryPolicy, Transport, parse_retry_after, retry_delay
from ftops.errors import AzureFailureError, AzureRefusedError, UsageError

SECRET = "super-secret-token-value"


def make(handler, **policy) -> tuple[Transport, list[float]]:
    slept: list[float] = []
    transport = Transport(
        base_url="https://example.openai.azure.com/openai",
        auth=BearerAuth(StaticTokenCredential(SECRET), "scope"),
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        policy=RetryPolicy(**policy),
        sleep=slept.append,
    )
    return transport, slept


def test_retry_after_headers_are_read_in_order_of_precision():
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"x-ms-retry-after-ms": "1500"}) == 1.5
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470.0) == 10.0
    assert parse_retry_after({}) is None


def test_retry_delay_honours_server_caps_and_gives_up():
    policy = RetryPolicy(max_attempts=3, max_retry_after=30)
    assert retry_delay(policy, 1, status=429, headers={"retry-after": "7"}) == 7
    assert retry_delay(policy, 1, status=429, headers={"retry-after": "120"}) is None  # longer than we wait
    assert retry_delay(policy, 3, status=503) is None  # out of attempts
    assert retry_delay(policy, 1, status=400) is None  # not retryable
    delays = [
        retry_delay(RetryPolicy(backoff_base=1, backoff_max=4), n, status=503, rng=random.Random(1))
        for n in (1, 2, 3, 4, 5)
    ]
    assert all(
        0.5 * min(4, 2 ** (n - 1)) <= d <= min(4, 2 ** (n - 1)) for n, d in zip((1, 2, 3, 4, 5), delays, strict=True)
    )


def test_get_is_retried_through_a_503_burst_and_429_with_retry_after():
    answers = iter([503, 429, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        headers = {"retry-after-ms": "20"} if status == 429 else {}
        return httpx.Response(status, json={"ok": status == 200}, headers=headers)

    transport, slept = make(handler, backoff_base=0.001)
    assert transport.json("GET", "/files") == {"ok": True}
    assert len(slept) == 3 and slept[1] == 0.02


def test_non_idempotent_post_is_not_retried_after_a_server_error():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, json={"error": {"code": "serviceUnavailable", "message": "busy"}})

    transport, _ = make(handler)
    with pytest.raises(AzureMaybeAppliedError) as caught:
        transport.request("POST", "/fine_tuning/jobs", json={}, idempotent=False)
    assert len(calls) == 1
    assert caught.value.exit_code == 4 and "list what exists" in (caught.value.hint or "")


def test_post_is_retried_on_429_because_azure_throttles_before_acting():
    answers = iter([429, 201])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), json={}, headers={"retry-after-ms": "1"})

    transport, slept = make(handler)
    assert transport.request("POST", "/files", idempotent=False).status_code == 201
    assert slept == [0.001]


def test_permanent_4xx_surfaces_at_once_with_code_message_request_id_and_no_secret():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        assert request.headers["authorization"] == f"Bearer {SECRET}"
        body = {
            "error": {"code": "invalidPayload", "message": "The specified base model does not support fine-tuning."}
        }
        return httpx.Response(400, json=body, headers={"apim-request-id": "rid-42"})

    transport, _ = make(handler)
    with pytest.raises(AzureRefusedError) as caught:
        transport.request("GET", "/fine_tuning/jobs?sig=abc")
    error = caught.value
    assert len(calls) == 1
    assert (error.status, error.code, error.request_id, error.exit_code) == (400, "invalidPayload", "rid-42", 3)
    assert "ftops availability" in (error.hint or "")
    text = json.dumps(error.to_dict()) + str(error)
    assert SECRET not in text and "abc" not in text


def test_not_found_and_quota_errors_are_typed_with_hints():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("missing"):
            return httpx.Response(404, json={"error": {"code": "notFound", "message": "no"}})
        return httpx.Response(400, json={"error": {"code": "InsufficientQuota", "message": "quota exceeded"}})

    transport, _ = make(handler)
    with pytest.raises(AzureNotFoundError):
        transport.request("GET", "/files/missing")
    with pytest.raises(AzureRefusedError) as caught:
        transport.request("GET", "/deployments/x")
    assert "ftops quota" in (caught.value.hint or "")


def test_connection_errors_are_bounded_by_attempts():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadError("connection reset")

    transport, slept = make(handler, max_attempts=4, backoff_base=0.001)
    with pytest.raises(AzureFailureError):
        transport.request("GET", "/files")
    assert len(calls) == 4 and len(slept) == 3
    calls.clear()
    with pytest.raises(AzureMaybeAppliedError):
        transport.request("POST", "/files", idempotent=False)
    assert len(calls) == 1


def test_the_time_budget_stops_retries_even_with_attempts_left():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, headers={"retry-after": "5"})

    transport, slept = make(handler, max_attempts=100, budget_seconds=12)
    transport.clock = lambda: sum(slept)  # time passes only while the transport sleeps
    with pytest.raises(AzureFailureError):
        transport.request("GET", "/files")
    assert slept == [5.0, 5.0]  # a third wait would pass the 12 s budget


def test_the_client_wide_retry_budget_caps_retries_across_requests():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    transport, slept = make(handler, max_attempts=100, backoff_base=0.0001)
    transport.budget = RetryBudget(capacity=5)
    for _ in range(3):
        with pytest.raises(AzureFailureError):
            transport.request("GET", "/files")
    assert len(slept) == 5


def test_links_to_other_hosts_never_receive_the_token():
    transport, _ = make(lambda request: httpx.Response(200, json={}))
    with pytest.raises(AzureFailureError, match="refusing to send credentials"):
        transport.request("GET", "https://evil.example.com/steal")


def test_redaction_keeps_only_harmless_query_parameters():
    url = redact_url("https://user:pw@host/path?api-version=1&sig=SECRET&code=xyz")
    assert url == "https://host/path?api-version=1&sig=***&code=***"


def test_keys_and_tokens_do_not_show_in_reprs():
    assert SECRET not in repr(StaticTokenCredential(SECRET)) + repr(ApiKeyAuth(SECRET))


def test_a_malformed_emulator_setting_is_a_usage_error():
    with pytest.raises(UsageError):
        load_settings({"FTOPS_AZURE_EMULATOR": "127.0.0.1:99"})
    settings = load_settings({"FTOPS_AZURE_EMULATOR": "http://127.0.0.1:99/"})
    assert settings.arm_endpoint == "http://127.0.0.1:99"
    assert settings.data_plane_endpoint("https://acct.openai.azure.com/") == "http://127.0.0.1:99/accounts/acct"
    assert load_settings({}).data_plane_endpoint("https://acct.openai.azure.com/") == "https://acct.openai.azure.com"
