"""Bounded fuzz of server replies: whatever Azure (or something in its place) answers, the clients either
return typed results or raise an ftops error. A traceback of any other exception fails the run.

Replies are generated with hypothesis: any status, random headers (Retry-After, Content-Encoding, Location,
Azure-AsyncOperation), and bodies that are random JSON, random JSON of roughly the right shape, or bytes.
They are served through httpx.MockTransport, so the run is fast and needs no network.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftops.azure.arm import ArmClient
from ftops.azure.auth import StaticTokenCredential
from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.settings import AzureSettings
from ftops.azure.transport import RetryPolicy
from ftops.errors import FtopsError

POLICY = RetryPolicy(max_attempts=2, backoff_base=0.0, backoff_max=0.0, budget_seconds=5)
SETTINGS = AzureSettings()
BASE = "https://aish.openai.azure.com"

scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=30)
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
)
field_names = st.sampled_from(
    ["id", "status", "value", "data", "nextLink", "has_more", "name", "properties", "sku", "error", "model"]
)
shaped = st.dictionaries(field_names, documents, max_size=6)
links = st.sampled_from(
    [f"{BASE}/openai/next", "http://aish.openai.azure.com/x", "https://evil.example/x", "not a url", "", "//x"]
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "Retry-After": st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
        | st.sampled_from(["0", "1.5", "-3", "nan", "inf", "Wed, 99 Foo 2015"]),
        "Content-Encoding": st.sampled_from(["gzip", "deflate", "br", "identity", "x-bogus", "gzip, gzip"]),
        "Content-Type": st.sampled_from(["application/json", "text/html", "application/octet-stream"]),
        "Location": links,
        "Azure-AsyncOperation": links,
    },
)
bodies = (
    documents.map(lambda d: json.dumps(d).encode())
    | shaped.map(lambda d: json.dumps(d).encode())
    | st.binary(max_size=200)
    | shaped.map(lambda d: json.dumps(d).encode()[: max(1, len(json.dumps(d)) // 2)])  # truncated
)
statuses = st.sampled_from([200, 201, 202, 204, 301, 302, 304, 400, 401, 404, 409, 429, 500, 503]) | st.integers(
    100, 599
)
replies = st.lists(st.tuples(statuses, headers, bodies), min_size=1, max_size=6)


def _clients(reply_list: list[tuple[int, dict[str, str], bytes]]) -> tuple[ArmClient, OpenAIDataPlane]:
    answers = iter(reply_list)

    def handler(request: httpx.Request) -> httpx.Response:
        status, head, body = next(answers, reply_list[-1])
        if status in (204, 304) or 100 <= status < 200:
            body = b""
        # A stream, not `content=`: httpx would decode `content` in the constructor, inside this harness,
        # where a real reply is decoded while ftops reads it.
        return httpx.Response(status, headers=head, stream=httpx.ByteStream(body))

    http = httpx.Client(transport=httpx.MockTransport(handler))
    credential = StaticTokenCredential("fuzz-token-value")
    arm = ArmClient("sub", credential, http, settings=SETTINGS, policy=POLICY, sleep=lambda s: None)
    plane = OpenAIDataPlane(BASE, credential, http, settings=SETTINGS, policy=POLICY, sleep=lambda s: None)
    return arm, plane


OPERATIONS: dict[str, Any] = {
    "jobs.get": lambda arm, plane: plane.fine_tuning.jobs.get("ftjob-1"),
    "jobs.list": lambda arm, plane: list(plane.fine_tuning.jobs.list(max_items=20)),
    "jobs.events": lambda arm, plane: list(plane.fine_tuning.jobs.events("ftjob-1", max_items=20)),
    "jobs.wait": lambda arm, plane: plane.fine_tuning.jobs.wait("ftjob-1", poll_seconds=0, timeout=0),
    "files.list": lambda arm, plane: plane.files.list(),
    "files.wait": lambda arm, plane: plane.files.wait_processed("file-1", poll_seconds=0, timeout=0),
    "usages": lambda arm, plane: arm.cognitive_usages("swedencentral"),
    "deployments.list": lambda arm, plane: arm.deployments.list("rg", "aish"),
    "deployments.get": lambda arm, plane: arm.deployments.get("rg", "aish", "d1"),
    "deployments.create": lambda arm, plane: arm.deployments.begin_create("rg", "aish", "d1", model="m").result(
        poll_seconds=0, timeout=0
    ),
    "deployments.delete": lambda arm, plane: arm.deployments.delete("rg", "aish", "d1"),
    "quota.limit": lambda arm, plane: arm.quota.limit("eastus", "standardNCSv3Family"),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operation=st.sampled_from(sorted(OPERATIONS)), reply_list=replies)
def test_no_reply_makes_a_traceback(operation: str, reply_list: list[tuple[int, dict[str, str], bytes]]) -> None:
    arm, plane = _clients(reply_list)
    try:
        OPERATIONS[operation](arm, plane)
    except FtopsError as exc:
        assert exc.exit_code in (1, 2, 3, 4)
        if exc.exit_code == 4:  # a failure (bad shape, network, timeout) always says what to do next
            assert exc.hint, exc.message
        assert "fuzz-token-value" not in exc.message
    finally:
        arm.close()
        plane.close()
