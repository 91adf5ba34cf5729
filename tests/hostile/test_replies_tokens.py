"""The bearer token never goes over plain http, except to the emulator named explicitly on loopback.

A capture server on 127.0.0.2 (loopback, but not the emulator unless FTOPS_AZURE_EMULATOR says so) records
every Authorization header it receives. "Is this the emulator" is one decision: the URL in
FTOPS_AZURE_EMULATOR, which must be loopback when it is http. Being on loopback alone earns no trust.
"""

from __future__ import annotations

import json
import socket

import pytest
from test_replies import FAST, SUB, TOKEN, HostileServer, json_reply

from ftops.azure.arm import ArmClient
from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.settings import EMULATOR_ENV, TOKEN_ENV, load_settings
from ftops.errors import UsageError, UserError


def _loopback_alias_available() -> bool:
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.2", 0))
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _loopback_alias_available(), reason="127.0.0.2 cannot be bound here")


@pytest.fixture
def capture(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(EMULATOR_ENV, raising=False)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    with HostileServer("127.0.0.2") as server:
        server.answer = lambda handler: json_reply({"data": [], "has_more": False})
        yield server


def test_an_http_endpoint_from_outputs_gets_no_token(capture, cli, tmp_path):
    account = f"/subscriptions/{SUB}/resourceGroups/rg-h/providers/Microsoft.CognitiveServices/accounts/aish"
    region = {"location": "swedencentral", "account_name": "aish", "account_id": account, "projects": []}
    outputs = {"environment": "h", "subscription_id": SUB, "resource_group": "rg-h", "location": "swedencentral"}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({**outputs, "network_mode": "public", "regions": [{**region, "endpoint": capture.url}]}))

    with pytest.raises(UserError, match="refusing to send credentials over http") as caught:
        OpenAIDataPlane(capture.url)
    assert caught.value.exit_code == 1 and "FTOPS_AZURE_EMULATOR" in (caught.value.hint or "")
    code, out, err = cli("jobs", "list", "--outputs", str(path), "--json")
    assert code == 1 and "refusing to send credentials over http" in json.loads(out)["message"]
    assert "Traceback" not in err
    assert capture.seen == []  # not one request, so no token


def test_the_same_server_named_as_the_emulator_does_get_it(capture, monkeypatch):
    # The control: the only difference is the explicit setting, so the refusal above is that decision.
    monkeypatch.setenv(EMULATOR_ENV, capture.url)
    with OpenAIDataPlane("https://aish.openai.azure.com/", policy=FAST) as plane:
        assert plane.files.list() == []
    assert [auth for _, _, auth in capture.seen] == [f"Bearer {TOKEN}"]


def test_an_http_emulator_setting_off_loopback_is_refused():
    with pytest.raises(UsageError, match="only to loopback"):
        load_settings({EMULATOR_ENV: "http://10.1.2.3:8080"})
    assert load_settings({EMULATOR_ENV: "https://emulator.example.com"}).emulator  # https is fine anywhere


def test_an_arm_client_pointed_at_http_without_the_setting_is_refused_before_sending(capture):
    from ftops.azure.settings import AzureSettings

    class Pointed(AzureSettings):
        @property
        def arm_endpoint(self) -> str:  # a misconfiguration: http ARM without the emulator setting
            return capture.url

    with pytest.raises(UserError):
        ArmClient(SUB, settings=Pointed())
    assert capture.seen == []
