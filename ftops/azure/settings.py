"""Where Azure calls go, which api-versions they use, and how long they may take.

One setting points every Azure call at the local emulator instead of Azure:
``FTOPS_AZURE_EMULATOR=http://127.0.0.1:PORT``. ARM calls then go to that URL, and each
data-plane endpoint from stack outputs (``https://<account>.openai.azure.com/``) is rewritten
to ``<emulator>/accounts/<account>``, so one emulator serves every account of a stack.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from ftops.errors import UsageError

EMULATOR_ENV = "FTOPS_AZURE_EMULATOR"
TOKEN_ENV = "FTOPS_AZURE_TOKEN"  # a fixed bearer token for ARM and the data plane (CI, emulator)
OPENAI_KEY_ENV = "FTOPS_AZURE_OPENAI_KEY"  # an `api-key` for the Azure OpenAI data plane
SUBSCRIPTION_ENV = "AZURE_SUBSCRIPTION_ID"  # the subscription ARM questions are asked in (live availability)
EMULATOR_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"

ARM_ENDPOINT = "https://management.azure.com"
ARM_SCOPE = "https://management.azure.com/.default"
COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"

# One api-version per API; each is the `info.version` of a spec file carried in ftops/emulator/spec_files
# (tests/azure/test_api_versions.py proves it).
OPENAI_API_VERSION = "2025-04-01-preview"  # the newest authoring spec with `method`, pause and resume
COGNITIVE_API_VERSION = "2026-09-01"  # Microsoft.CognitiveServices: location models, usages, deployments
ML_API_VERSION = "2025-12-01"  # Microsoft.MachineLearningServices: usages, quotas
QUOTA_API_VERSION = "2025-07-15"  # Microsoft.Quota: quotas and quota requests
KEYVAULT_API_VERSION = "2024-11-01"  # Microsoft.KeyVault: deleted vaults (the carried examples' version)
AUTHORIZATION_API_VERSION = "2022-04-01"  # Microsoft.Authorization: role assignments (checkpoint copy's check)

EMULATOR_ACCOUNT_PREFIX = "/accounts/"


@dataclass(frozen=True)
class AzureSettings:
    """Resolved endpoints and limits for one process."""

    emulator: str | None = None
    timeout_seconds: float = 30.0
    connect_timeout_seconds: float = 10.0

    @property
    def arm_endpoint(self) -> str:
        return self.emulator or ARM_ENDPOINT

    def data_plane_endpoint(self, endpoint: str) -> str:
        """The URL to call for a data-plane endpoint: itself, or its stand-in on the emulator."""
        if not self.emulator:
            return endpoint.rstrip("/")
        if endpoint.startswith(self.emulator):
            return endpoint.rstrip("/")
        host = urlsplit(endpoint).hostname or ""
        account = host.split(".")[0] if host else "default"
        return f"{self.emulator}{EMULATOR_ACCOUNT_PREFIX}{account}"


def load_settings(environ: dict[str, str] | None = None) -> AzureSettings:
    """Settings from the environment; a malformed emulator URL is a usage error, not a silent Azure call."""
    env = os.environ if environ is None else environ
    emulator = (env.get(EMULATOR_ENV) or "").strip().rstrip("/") or None
    if emulator is not None:
        parts = urlsplit(emulator)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(
                f"{EMULATOR_ENV}={emulator!r} is not a URL",
                hint=f"set {EMULATOR_ENV}=http://127.0.0.1:PORT (see `ftops emulator serve`), or unset it",
            )
        from ftops.azure.transport import is_loopback

        if parts.scheme == "http" and not is_loopback(parts.hostname):
            # The emulator is the one place credentials go over plain http, and only on this machine.
            raise UsageError(
                f"{EMULATOR_ENV} names {parts.hostname} over http; credentials go over http only to loopback",
                hint=f"set {EMULATOR_ENV}=http://127.0.0.1:PORT, or use an https URL",
            )
    return AzureSettings(emulator=emulator)


def subscription_id(settings: AzureSettings, environ: dict[str, str] | None = None) -> str:
    """The subscription for subscription-level ARM calls: $AZURE_SUBSCRIPTION_ID, or a fixed one on the emulator."""
    from ftops.errors import UserError

    env = os.environ if environ is None else environ
    if found := (env.get(SUBSCRIPTION_ENV) or "").strip():
        return found
    if settings.emulator:
        return EMULATOR_SUBSCRIPTION
    from ftops.azure.azcli import az_default_subscription

    if default := az_default_subscription(env):  # what `az account show` would name
        return default
    raise UserError(
        "no Azure subscription given for the live check",
        hint=f"set {SUBSCRIPTION_ENV}, or pick a default with `az account set --subscription ID`",
    )
