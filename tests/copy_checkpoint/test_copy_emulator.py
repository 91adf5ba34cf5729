"""The emulated checkpoint copy, driven by a plain HTTP client (httpx) as any third-party client would: the preview
header is required, the docs' prerequisites are refused by the emulator itself, and the client, the fragment and
Microsoft's docs agree on the path, the header and the request body."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.core.pipeline.transport import RequestsTransport
from copy_world import DEST, DEST_ID, DEST_RG, DEST_SUB, SOURCE

from ftops.azure.openai import COPY_PREVIEW_HEADER
from ftops.emulator.specs import CARRIED_SPECS

DOCS = (
    Path(__file__).resolve().parents[1]
    / "fixtures/microsoft/azure-ai-docs/articles/foundry/openai/includes"
    / "fine-tuning-rest.021e88f40ddbfe163371a582fdf2dc6d6a4e177b.md"
)
FRAGMENT = CARRIED_SPECS / "aoai-checkpoint-copy-v1-preview.fragment.json"


def _section() -> str:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("## Copy a model (preview)")
    return text[start : text.index("\n## ", start + 10)]


def test_the_client_and_the_fragment_send_what_microsofts_docs_show():
    section = _section()
    headers = dict(re.findall(r"--header '([a-z-]+): ([^']+)'", section))
    assert headers["aoai-copy-ft-checkpoints"] == "preview" == COPY_PREVIEW_HEADER["aoai-copy-ft-checkpoints"]
    body = json.loads(re.search(r"--data '(\{.*?\})'", section, re.S).group(1))  # type: ignore[union-attr]
    fragment = json.loads(FRAGMENT.read_text(encoding="utf-8"))
    [(template, item)] = fragment["paths"].items()
    assert sorted(fragment["definitions"]["CopyCheckpointRequest"]["required"]) == sorted(body)
    urls = re.findall(r"--url '[^']*?(/openai/v1/fine_tuning/jobs/[^']+)'", section)
    assert len(urls) == 2  # the copy and its status check, on the same path
    shape = re.sub(r"<[^>]+>", "{}", urls[0])
    assert shape == re.sub(r"\{[^}]+\}", "{}", fragment["basePath"] + template)
    assert {"post", "get"} <= set(item)
    assert {p["name"] for p in item["parameters"] if p["in"] == "header"} == {"aoai-copy-ft-checkpoints"}


def _url(emulator, job: str, checkpoint: str) -> str:
    return f"{emulator.url}/accounts/{SOURCE}/openai/v1/fine_tuning/jobs/{job}/checkpoints/{checkpoint}/copy"


AUTH = {"authorization": "Bearer emulator"}


def test_the_emulator_refuses_a_copy_or_a_status_read_without_the_preview_header(arrange, emulator):
    setup = arrange()
    checkpoint = setup.checkpoints[0]["id"]
    body = {"destinationResourceId": DEST_ID, "region": "eastus2"}
    bare = httpx.post(_url(emulator, setup.job, checkpoint), json=body, headers=AUTH)
    assert bare.status_code == 400 and "aoai-copy-ft-checkpoints: preview" in bare.json()["error"]["message"]
    status = httpx.get(_url(emulator, setup.job, checkpoint), headers=AUTH)
    assert status.status_code == 400
    assert emulator.counters(SOURCE).get("checkpoint_copies", 0) == 0  # refused: nothing copied
    sent = httpx.post(_url(emulator, setup.job, checkpoint), json=body, headers={**AUTH, **COPY_PREVIEW_HEADER})
    assert sent.status_code == 202 and sent.json()["status"] == "running"
    reads = [httpx.get(_url(emulator, setup.job, checkpoint), headers={**AUTH, **COPY_PREVIEW_HEADER}) for _ in "ab"]
    assert [r.json()["status"] for r in reads] == ["running", "succeeded"]
    assert emulator.dataplane.holds_model(DEST, checkpoint)
    again = httpx.post(_url(emulator, setup.job, checkpoint), json=body, headers={**AUTH, **COPY_PREVIEW_HEADER})
    assert again.status_code == 409  # a second POST is visible, never a silent second copy


@pytest.mark.parametrize(
    ("arranged", "body", "checkpoint", "status", "words"),
    [
        ({}, {"destinationResourceId": DEST_ID, "region": "westus"}, 0, 400, "not the destination's region"),
        ({}, {"destinationResourceId": DEST_ID[:-1] + "x", "region": "eastus2"}, 0, 404, "not an existing account"),
        ({}, {"destinationResourceId": DEST_ID, "region": "eastus2"}, None, 404, "has no checkpoint"),
        ({"destination_job": False}, {"destinationResourceId": DEST_ID, "region": "eastus2"}, 0, 400, "no fine-tuning"),
        (
            {"public_network_access": "Disabled"},
            {"destinationResourceId": DEST_ID, "region": "eastus2"},
            0,
            403,
            "public",
        ),
        ({"role": False}, {"destinationResourceId": DEST_ID, "region": "eastus2"}, 0, 403, "Azure AI User"),
        ({"identity": False}, {"destinationResourceId": DEST_ID, "region": "eastus2"}, 0, 403, "user-assigned"),
        (
            {"dest_tenant": "11111111-2222-3333-4444-555555555555"},
            {"destinationResourceId": DEST_ID, "region": "eastus2"},
            0,
            400,
            "tenant",
        ),
    ],
)
def test_the_emulator_itself_refuses_what_the_docs_prerequisites_rule_out(
    arrange, emulator, arranged, body, checkpoint, status, words
):
    setup = arrange(**arranged)
    name = setup.checkpoints[checkpoint]["id"] if checkpoint is not None else "ftchkpt-000000000000000000000000"
    reply = httpx.post(_url(emulator, setup.job, name), json=body, headers={**AUTH, **COPY_PREVIEW_HEADER})
    assert reply.status_code == status and words in reply.json()["error"]["message"]
    assert emulator.counters(SOURCE).get("checkpoint_copies", 0) == 0
    assert not emulator.dataplane.holds_model(DEST, name)


class _Bearer(SansIOHTTPPolicy):
    """The bearer header over http on loopback (azure-core's own policy insists on https)."""

    def on_request(self, request: Any) -> None:
        request.http_request.headers["Authorization"] = "Bearer copy-test-token"


class _Token:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("copy-test-token", int(time.time()) + 3600)


class _NoSleep(RequestsTransport):
    def sleep(self, duration: float) -> None:
        return None


def test_accounts_keep_public_network_access_and_identity_as_microsofts_sdk_sends_them(emulator):
    """azure-mgmt-cognitiveservices creates and patches an account; the emulator keeps both fields as sent."""
    from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
    from azure.mgmt.cognitiveservices.models import Account, AccountProperties, Identity, Sku, UserAssignedIdentity

    cs = CognitiveServicesManagementClient(
        credential=_Token(),
        subscription_id=DEST_SUB,
        base_url=emulator.url,
        authentication_policy=_Bearer(),
        transport=_NoSleep(),
        retry_total=0,
    )
    uai = f"/subscriptions/{DEST_SUB}/resourceGroups/{DEST_RG}/providers/Microsoft.ManagedIdentity"
    uai += "/userAssignedIdentities/ftcopy"
    body = Account(
        location="eastus2",
        kind="AIServices",
        sku=Sku(name="S0"),
        identity=Identity(type="UserAssigned", user_assigned_identities={uai: UserAssignedIdentity()}),
        properties=AccountProperties(public_network_access="Disabled"),
    )
    cs.accounts.begin_create(DEST_RG, "aisent", body).result()
    found = cs.accounts.get(DEST_RG, "aisent")
    assert found.properties.public_network_access == "Disabled" and found.identity.type == "UserAssigned"
    assert found.identity.user_assigned_identities[uai].principal_id  # filled in, as ARM does
    patched = cs.accounts.begin_update(
        DEST_RG, "aisent", Account(properties=AccountProperties(public_network_access="Enabled"))
    ).result()
    assert patched.properties.public_network_access == "Enabled"
    assert cs.accounts.get(DEST_RG, "aisent").identity.type == "UserAssigned"  # kept by a PATCH without identity


def test_the_fragment_is_enforced_a_copy_without_the_docs_region_is_a_spec_violation(arrange, emulator):
    setup = arrange()
    url = _url(emulator, setup.job, setup.checkpoints[0]["id"])
    reply = httpx.post(url, json={"destinationResourceId": DEST_ID}, headers={**AUTH, **COPY_PREVIEW_HEADER})
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "specViolation"
    assert "region" in reply.json()["error"]["message"]
    assert any("FineTuning_CopyCheckpoint" in v for v in emulator.violations)
    assert emulator.counters(SOURCE).get("checkpoint_copy_requests", 0) == 0  # refused before the handler
    emulator.violations.clear()  # the violation was this test's point
