"""Hostile servers: replies of every bad shape reach the user as one ftops error (exit 4), never a traceback.

A small HTTP server on loopback plays Azure (FTOPS_AZURE_EMULATOR points ftops at it) and answers what a
broken proxy, a captive portal or a hostile endpoint would: non-JSON, truncated or wrong-typed bodies, a
missing id, an unparseable Retry-After, a bad Content-Encoding, a redirect, an endless or huge body, a
nextLink that loops or leaves the host, a message carrying escape sequences or the caller's own token.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from ftops.azure.arm import ArmClient
from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.settings import EMULATOR_ENV, OPENAI_KEY_ENV, TOKEN_ENV, load_settings
from ftops.azure.transport import RetryPolicy, Transport
from ftops.errors import AzureFailureError, FtopsError

SUB = "00000000-0000-0000-0000-000000000001"
# Token-shaped on purpose: a JWT (header.payload.signature), as Entra ID issues them.
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0.c2lnbmF0dXJlLXBhcnQ"
FAST = RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_max=0.002, budget_seconds=10)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    drip_seconds: float | None = None  # send the body one byte at a time, this far apart


Answer = Callable[[BaseHTTPRequestHandler], Reply]


class HostileServer:
    """A plain http.server in a thread; `answer(handler) -> Reply` decides every reply."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.answer: Answer = lambda handler: Reply()
        self.seen: list[tuple[str, str, str | None]] = []  # (method, path, Authorization)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                owner.seen.append((self.command, self.path, self.headers.get("authorization")))
                reply = owner.answer(self)
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    if not {"content-length", "transfer-encoding"} & {k.lower() for k in reply.headers}:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.close_connection = True  # a body shorter than its Content-Length ends at the close
                    if reply.drip_seconds is None:
                        self.wfile.write(reply.body)
                        return
                    for byte in reply.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(reply.drip_seconds)  # the server's pace, not the test's
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on us: what the test wants

            do_GET = do_PUT = do_POST = do_DELETE = _any

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def json_reply(data: object, status: int = 200, **headers: str) -> Reply:
    return Reply(status, json.dumps(data).encode(), {"Content-Type": "application/json", **headers})


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    """The hostile server, standing in for Azure the way the emulator does (explicit loopback setting)."""
    with HostileServer() as server:
        monkeypatch.setenv(EMULATOR_ENV, server.url)
        monkeypatch.setenv(TOKEN_ENV, TOKEN)
        monkeypatch.delenv(OPENAI_KEY_ENV, raising=False)
        yield server


@pytest.fixture
def outputs(tmp_path: Path) -> str:
    account = f"/subscriptions/{SUB}/resourceGroups/rg-h/providers/Microsoft.CognitiveServices/accounts/aish"
    region = {
        "location": "swedencentral",
        "account_name": "aish",
        "account_id": account,
        "endpoint": "https://aish.openai.azure.com/",
        "projects": [],
    }
    data = {"environment": "h", "subscription_id": SUB, "resource_group": "rg-h", "location": "swedencentral"}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({**data, "network_mode": "public", "regions": [region]}))
    return str(path)


def list_deployments(cli, outputs: str, *extra: str) -> tuple[int, str, str]:
    return cli("deployments", "list", "--outputs", outputs, *extra)


BAD_BODIES = {
    "not json": Reply(200, b"<html>captive portal</html>", {"Content-Type": "text/html"}),
    "truncated": Reply(200, b'{"value": [{"name": "a"', {"Content-Type": "application/json"}),
    "value not a list": json_reply({"value": "nope"}),
    "item not an object": json_reply({"value": [1, 2]}),
    "top level a list": json_reply([{"name": "a"}]),
    "nextLink not a string": json_reply({"value": [], "nextLink": {"x": 1}}),
    "wrong-typed field": json_reply({"value": [{"name": "a", "sku": {"capacity": "lots"}}]}),
    "deeply nested": Reply(200, b'{"value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "bad content-encoding": Reply(200, b"not gzip at all", {"Content-Encoding": "gzip"}),
    "unknown content-encoding": Reply(200, b"\x1f\x8b\x08\x00garbage", {"Content-Encoding": "x-hostile"}),
    "redirect": Reply(302, b"", {"Location": "https://login.example.com/"}),
    "not modified": Reply(304, b""),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_a_bad_reply_is_one_error_with_a_hint_and_exit_4(hostile, cli, outputs, case):
    hostile.answer = lambda handler: BAD_BODIES[case]
    code, out, err = list_deployments(cli, outputs, "--json")
    assert code == 4, (case, out, err)
    assert "Traceback" not in err + out
    error = json.loads(out)
    assert error["exit_code"] == 4 and error["hint"]
    assert "error:" in err and "hint:" in err


def test_a_redirect_is_not_an_empty_list(hostile, cli, outputs):
    hostile.answer = lambda handler: Reply(307, b"", {"Location": f"{hostile.url}/elsewhere"})
    code, out, _ = list_deployments(cli, outputs, "--json")
    assert code == 4 and "redirect" in json.loads(out)["message"]
    assert [path for _, path, _ in hostile.seen if "elsewhere" in path] == []  # not followed


def test_a_looping_next_link_stops_with_an_error(hostile, cli, outputs):
    def answer(handler: BaseHTTPRequestHandler) -> Reply:
        return json_reply({"value": [], "nextLink": f"{hostile.url}/loop?page=1"})

    hostile.answer = answer
    code, out, _ = list_deployments(cli, outputs, "--json")
    assert code == 4 and "repeats a page" in json.loads(out)["message"]
    assert len(hostile.seen) == 2  # the list, then its nextLink, which names itself again: stop


def test_a_next_link_to_another_host_or_scheme_gets_no_token(hostile, cli, outputs):
    with HostileServer() as other:
        hostile.answer = lambda handler: json_reply({"value": [], "nextLink": f"{other.url}/steal"})
        code, out, _ = list_deployments(cli, outputs, "--json")
        assert code == 4 and "refusing to send credentials" in json.loads(out)["message"]
        assert other.seen == []


def test_a_message_with_escapes_and_the_callers_token_is_cleaned_in_text_and_json(hostile, cli, outputs):
    def answer(handler: BaseHTTPRequestHandler) -> Reply:
        echoed = handler.headers.get("authorization") or ""
        message = f"\x1b[2J\x1b]0;owned\x07denied for {echoed}; api-key: abcdef123456 sig=Zm9vYmFyYmF6 " + "x" * 5000
        return json_reply({"error": {"code": "AuthorizationFailed\x1b[31m", "message": message}}, 403)

    hostile.answer = answer
    code, out, err = list_deployments(cli, outputs, "--json")
    assert code == 3
    assert hostile.seen[0][2] == f"Bearer {TOKEN}"  # the server did get the token (it is the emulator here)
    for text in (out, err):
        assert TOKEN not in text and TOKEN[:40] not in text
        assert "abcdef123456" not in text and "Zm9vYmFyYmF6" not in text
        assert "\x1b" not in text and "\x07" not in text
    message = json.loads(out)["message"]
    assert "denied for Bearer ***" in message and "more characters)" in message
    assert len(message) < 1000 and len(err) < 3000


def test_a_huge_error_message_prints_a_bounded_line(hostile, cli, outputs):
    message = "A" * 5_000_000
    hostile.answer = lambda handler: json_reply({"error": {"code": "BadRequest", "message": message}}, 400)
    code, out, err = list_deployments(cli, outputs, "--json")
    assert code == 3
    assert len(out) < 5000 and len(err) < 5000


# ---- the client, with small limits so the bounds show quickly


def arm_client(url: str, **transport: object) -> ArmClient:
    client = ArmClient(SUB, settings=load_settings({EMULATOR_ENV: url}), policy=FAST, sleep=lambda s: None)
    for key, value in transport.items():
        setattr(client.transport, key, value)
    return client


def test_a_reply_past_the_size_cap_is_refused_while_streaming(hostile):
    big = b'{"value": [' + b'{"name": "a"},' * 200_000 + b'{"name": "b"}]}'
    declared = Reply(200, big)
    chunked = Reply(200, _chunked(big), {"Transfer-Encoding": "chunked"})  # no length up front: cut while reading
    for reply, said in ((declared, "bytes, more than ftops reads"), (chunked, "ftops stopped reading it")):
        hostile.answer = lambda handler, reply=reply: reply
        with arm_client(hostile.url, max_reply_bytes=1_000_000) as arm, pytest.raises(AzureFailureError) as caught:
            arm.cognitive_usages("swedencentral")
        assert said in caught.value.message and caught.value.exit_code == 4


def _chunked(body: bytes, size: int = 65536) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def test_a_slow_drip_reply_stops_at_the_deadline(hostile):
    hostile.answer = lambda handler: Reply(200, b'{"value": []}' + b" " * 10_000, drip_seconds=0.05)
    policy = RetryPolicy(max_attempts=1, budget_seconds=1.0)
    arm = ArmClient(SUB, settings=load_settings({EMULATOR_ENV: hostile.url}), policy=policy)
    started = time.monotonic()
    with arm, pytest.raises(AzureFailureError) as caught:
        arm.cognitive_usages("swedencentral")
    assert "still arriving at the deadline" in caught.value.message
    assert time.monotonic() - started < 30  # about the 1 s deadline plus one read, far from the 8 min drip


def test_an_unparseable_retry_after_falls_back_to_backoff(hostile):
    answers = iter([Reply(429, b"{}", {"Retry-After": "Someday, 99 Foo 20XX"}), json_reply({"value": []})])
    hostile.answer = lambda handler: next(answers)
    slept: list[float] = []
    arm = ArmClient(SUB, settings=load_settings({EMULATOR_ENV: hostile.url}), policy=FAST, sleep=slept.append)
    with arm:
        assert arm.cognitive_usages("swedencentral") == []
    assert len(slept) == 1 and slept[0] <= FAST.backoff_max


def test_a_job_without_an_id_is_an_error_not_a_traceback(hostile):
    hostile.answer = lambda handler: json_reply({"status": "running", "model": "gpt-4.1"})
    plane = OpenAIDataPlane("https://aish.openai.azure.com/", policy=FAST, sleep=lambda s: None)
    with plane, pytest.raises(AzureFailureError) as caught:
        plane.fine_tuning.jobs.get("ftjob-1")
    assert "id: Field required" in caught.value.message and caught.value.exit_code == 4


def test_a_truncated_body_is_a_network_failure_after_retries(hostile):
    hostile.answer = lambda handler: Reply(200, b'{"value": []}', {"Content-Length": "5000"})
    with arm_client(hostile.url) as arm, pytest.raises(FtopsError) as caught:
        arm.cognitive_usages("swedencentral")
    assert caught.value.exit_code == 4 and len(hostile.seen) == FAST.max_attempts


def test_a_command_deadline_bounds_retries_and_pages_together(hostile):
    from ftops.azure.transport import command_deadline

    hostile.answer = lambda handler: Reply(503, b"{}", {"Retry-After": "0.3"})
    policy = RetryPolicy(max_attempts=50, budget_seconds=60)
    arm = ArmClient(SUB, settings=load_settings({EMULATOR_ENV: hostile.url}), policy=policy)
    with arm, command_deadline(1.0), pytest.raises(AzureFailureError):
        arm.cognitive_usages("swedencentral")
    assert 2 <= len(hostile.seen) <= 5  # ~1 s of 0.3 s waits, not 50 attempts or 60 s


def test_transport_unit_refuses_a_downgrading_link_without_sending_it():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"value": [], "nextLink": "http://aish.openai.azure.com/page2"})

    transport = Transport(
        base_url="https://aish.openai.azure.com",
        auth=httpx.Auth(),
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        policy=FAST,
    )
    with pytest.raises(AzureFailureError, match="refusing to send credentials to http://"):
        list(transport.paged("/list"))
    assert seen == ["https://aish.openai.azure.com/list"]


def test_a_table_of_server_values_shows_no_escape_sequences_or_tokens(hostile, cli, outputs):
    name = f"d\x1b[31m\x1b]8;;https://evil.example\x07click\x1b]8;;\x07-Bearer {TOKEN}"
    deployment = {"name": name, "sku": {"name": "Standard", "capacity": 1}, "properties": {"model": {"name": "m"}}}
    hostile.answer = lambda handler: json_reply({"value": [deployment]})
    code, out, err = list_deployments(cli, outputs)
    assert code == 0, err
    assert "click" in out  # the row is there...
    assert "\x1b" not in out and "\x07" not in out and TOKEN not in out  # ...without what could harm
    code, out, err = list_deployments(cli, outputs, "--json")
    assert code == 0, err
    (row,) = json.loads(out)["deployments"]
    assert row["name"].startswith("d[31m]8;;https://evil.example") and row["name"].endswith("-Bearer ***")


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504, 599])
def test_every_failure_status_after_retries_says_what_to_do(hostile, status):
    hostile.answer = lambda handler: json_reply({}, status)
    with arm_client(hostile.url) as arm, pytest.raises(AzureFailureError) as caught:
        arm.cognitive_usages("swedencentral")
    assert caught.value.exit_code == 4 and caught.value.hint
