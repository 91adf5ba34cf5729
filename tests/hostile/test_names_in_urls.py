"""Names from the command line, outputs files and replies never change what a request addresses."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from ftops.azure.arm import ArmClient
from ftops.azure.names import DEPLOYMENT, InvalidNameError, arm_id, segment
from ftops.azure.transport import Transport

SUB = "00000000-0000-0000-0000-0000000000c1"
RG = "rg-fthostile"
ACCOUNT = "aishostile"


def outputs_dict(account: str = ACCOUNT, resource_group: str = RG) -> dict:
    account_id = (
        f"/subscriptions/{SUB}/resourceGroups/{resource_group}/providers/Microsoft.CognitiveServices/accounts/{account}"
    )
    return {
        "schema_version": 1,
        "environment": "fthostile",
        "subscription_id": SUB,
        "resource_group": resource_group,
        "location": "swedencentral",
        "network_mode": "public",
        "regions": [
            {
                "location": "swedencentral",
                "account_name": account,
                "account_id": account_id,
                "endpoint": f"https://{account}.openai.azure.com/",
                "projects": [],
            }
        ],
    }


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs_dict()))
    return path


HOSTILE_NAMES = ["..", ".", "../..", "a/b", "x/../y", "%2e%2e", "%2E", "a b", "a\x00b", "a?b", "a#b", "", "x" * 65]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_deployments_delete_refuses_a_hostile_name_before_any_request(emulator, cli, outputs, name):
    code, out, err = cli("deployments", "delete", name, "--outputs", str(outputs), "--yes", "--json")
    assert code == 1, (out, err)
    assert json.loads(out)["error"] == "invalid_name"
    assert "deployment name" in json.loads(out)["message"]
    assert emulator.requests == 0  # nothing reached the server: not the GET, not the DELETE


def test_a_valid_but_missing_name_does_reach_the_server(emulator, cli, outputs):
    """The control for the test above: the request counter counts, and a good name is looked up."""
    code, _, err = cli("deployments", "delete", "gpt-41-mini-ft.1", "--outputs", str(outputs), "--yes")
    assert code == 1 and "no deployment 'gpt-41-mini-ft.1'" in err
    assert emulator.requests >= 1


def test_the_account_survives_a_dot_dot_delete(emulator, cli, outputs):
    """`..` once collapsed onto the account: the account's deployments list must still answer after it."""
    with ArmClient(SUB, sleep=lambda s: None) as arm:
        arm.deployments.begin_create(RG, ACCOUNT, "keep", model="gpt-4.1-mini", version="2025-04-14").result(
            poll_seconds=0
        )
        cli("deployments", "delete", "..", "--outputs", str(outputs), "--yes")
        assert [d["name"] for d in arm.deployments.list(RG, ACCOUNT)] == ["keep"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("account_name", ".."), ("account_name", "a/b"), ("resource_group", "rg/../x"), ("resource_group", "rg.")],
)
def test_outputs_with_hostile_names_are_refused_as_they_are_read(emulator, cli, tmp_path, field, value):
    data = outputs_dict(**{"account" if field == "account_name" else "resource_group": value})
    path = tmp_path / "bad-outputs.json"
    path.write_text(json.dumps(data))
    code, out, _ = cli("deployments", "list", "--outputs", str(path), "--json")
    assert code == 1 and json.loads(out)["error"] == "outputs_error"
    assert emulator.requests == 0


def test_a_delete_is_confirmed_and_reported_by_its_full_resource_id(emulator, cli, outputs):
    with ArmClient(SUB, sleep=lambda s: None) as arm:
        arm.deployments.begin_create(RG, ACCOUNT, "old-ft", model="gpt-4.1-mini", version="2025-04-14").result(
            poll_seconds=0
        )
    code, out, _ = cli("deployments", "delete", "old-ft", "--outputs", str(outputs), "--yes", "--json")
    expected = (
        f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/{ACCOUNT}"
        "/deployments/old-ft"
    )
    assert code == 0 and json.loads(out)["id"] == expected


def test_segments_are_encoded_and_checked():
    assert segment("gpt-4.1-mini-ft", DEPLOYMENT) == "gpt-4.1-mini-ft"
    for name in HOSTILE_NAMES:
        with pytest.raises(InvalidNameError):
            segment(name, DEPLOYMENT)
    good = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/hubp"
    assert arm_id(good) == good
    for bad in (good + "/..", good.replace("hubp", "a b"), "/subscriptions/not-a-guid/x/y", "subscriptions/x"):
        with pytest.raises(InvalidNameError):
            arm_id(bad)


@pytest.mark.parametrize("path", ["/a/../b", "/a/./b", "/a/%2e%2e/b", "/a//b", "/a/b c", "/a/\x01"])
def test_the_transport_refuses_dot_segments_whoever_built_the_path(path):
    seen: list[httpx.Request] = []
    client = httpx.Client(transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200)))
    transport = Transport("https://management.azure.com", auth=httpx.Auth(), http_client=client)
    with pytest.raises(InvalidNameError):
        transport.request("GET", path)
    assert seen == []
    transport.request("GET", "/a/b")  # the control: a clean path is sent
    assert len(seen) == 1
