"""The emulator's admin surface reads no files, needs its run's token, and answers only loopback hosts."""

from __future__ import annotations

import httpx

from ftops.emulator.server import ADMIN_TOKEN_HEADER


def test_admin_needs_the_runs_token(emulator):
    assert httpx.get(f"{emulator.url}/_emulator/state").status_code == 401
    wrong = {ADMIN_TOKEN_HEADER: "not-the-token"}
    assert httpx.post(f"{emulator.url}/_emulator/reset", headers=wrong).status_code == 401
    assert httpx.post(f"{emulator.url}/_emulator/faults", json={"spec": "503 on=GET:*"}).status_code == 401
    assert emulator.faults.spec == ""
    ok = httpx.get(f"{emulator.url}/_emulator/state", headers=emulator.admin_headers())
    assert ok.status_code == 200 and "accounts" in ok.json()


def test_fault_specs_are_text_never_a_file(emulator, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("latency ms=1\n# root:x:0:0:do-not-echo\n")
    for spec in (str(secret), f"@{secret}", "/etc/passwd", "@/etc/passwd", "/proc/self/environ"):
        reply = httpx.post(f"{emulator.url}/_emulator/faults", json={"spec": spec}, headers=emulator.admin_headers())
        assert reply.status_code == 400, spec
        assert "root:" not in reply.text and "do-not-echo" not in reply.text
    assert emulator.faults.rules == []
    reply = httpx.post(
        f"{emulator.url}/_emulator/faults", json={"spec": "503 on=GET:* times=1"}, headers=emulator.admin_headers()
    )
    assert reply.status_code == 200 and emulator.faults.spec == "503 on=GET:* times=1"


def test_a_non_loopback_host_is_refused_on_every_path(emulator):
    models = "/subscriptions/x/providers/Microsoft.CognitiveServices/locations/eastus/models"
    for path in ("/_emulator/state", "/openai/files", models):
        headers = {"host": "rebound.example.com", **emulator.admin_headers()}
        assert httpx.get(f"{emulator.url}{path}", headers=headers).status_code == 421
    assert emulator.faults.spec == "" and emulator.requests == 0
    loopback = {"host": f"localhost:{emulator.port}", **emulator.admin_headers()}
    assert httpx.get(f"{emulator.url}/_emulator/state", headers=loopback).status_code == 200
