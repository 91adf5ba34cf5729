"""Microsoft's SDKs as third-party clients of the emulator: openai, azure-mgmt-cognitiveservices,
azure-ai-ml's generated ARM client, azure-mgmt-quota.

Each SDK gets a static token and Microsoft's own pipeline. Two documented hooks of azure-core make them work
on plain http on loopback without waiting: `authentication_policy=` (a policy that sets the bearer header;
azure-core's BearerTokenCredentialPolicy refuses tokens over http, by design) and `transport=` (the stock
RequestsTransport whose `sleep` records the delay asked, Retry-After included, instead of sleeping).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.core.pipeline.transport import RequestsTransport

from ftops.emulator.server import Emulator

SUB = "00000000-0000-0000-0000-00000000c0de"
RG = "rg-contract"
ACCOUNT = "aiscontract"
WORKSPACE = "proj-contract"


class StaticCredential:
    """A TokenCredential that hands out one fixed token (the emulator accepts any)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("contract-test-token", int(time.time()) + 3600)


class BearerOverHttp(SansIOHTTPPolicy):
    """Sets `Authorization: Bearer <token>` without azure-core's https check (the emulator is http on loopback)."""

    def on_request(self, request: Any) -> None:
        request.http_request.headers["Authorization"] = "Bearer contract-test-token"


class RecordingTransport(RequestsTransport):
    """azure-core's requests transport; pollers' sleeps are recorded (to assert Retry-After), not slept."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sleeps: list[float] = []

    def sleep(self, duration: float) -> None:
        self.sleeps.append(duration)


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
def sdk_kwargs(emulator: Emulator, transport: RecordingTransport) -> dict[str, Any]:
    """What every Azure management SDK client takes to talk to the emulator."""
    return {
        "credential": StaticCredential(),
        "subscription_id": SUB,
        "base_url": emulator.url,
        "authentication_policy": BearerOverHttp(),
        "transport": transport,
        "retry_total": 0,
    }


@pytest.fixture
def account(emulator: Emulator) -> Iterator[str]:
    """An AI Services account in swedencentral, as `pulumi up` leaves it."""
    emulator.arm.add_account(SUB, RG, ACCOUNT, "swedencentral")
    yield ACCOUNT
