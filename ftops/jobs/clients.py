"""Client construction for job commands, and the polling interval they use.

FTOPS_POLL_SECONDS sets how often files, jobs and deployments are polled (default: 2 s for files
and deployments, 10 s for jobs); the emulator's clock moves on every read, so 0 is fine against it.
"""

from __future__ import annotations

import os

from ftops.azure.arm import ArmClient
from ftops.azure.openai import OpenAIDataPlane
from ftops.errors import UsageError

POLL_ENV = "FTOPS_POLL_SECONDS"


def poll_seconds(default: float) -> float:
    raw = os.environ.get(POLL_ENV)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{POLL_ENV}={raw!r} is not a number of seconds", hint=f"e.g. {POLL_ENV}=5") from None
    if not 0 <= value <= 3600:
        raise UsageError(f"{POLL_ENV} must be between 0 and 3600 seconds")
    return value


def data_plane(endpoint: str) -> OpenAIDataPlane:
    """The Azure OpenAI data plane of one account (emulator-aware through FTOPS_AZURE_EMULATOR)."""
    return OpenAIDataPlane(endpoint)


def arm(subscription_id: str) -> ArmClient:
    return ArmClient(subscription_id)


def subscription_arm() -> ArmClient:
    """ARM in the subscription live questions are asked in ($AZURE_SUBSCRIPTION_ID, or the emulator's)."""
    from ftops.azure.settings import load_settings, subscription_id

    settings = load_settings()
    return ArmClient(subscription_id(settings), settings=settings)
