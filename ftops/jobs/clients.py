"""Client construction for job commands, and the polling interval they use.

FTOPS_POLL_SECONDS sets how often files, jobs and deployments are polled (default: 2 s for files
and deployments, 10 s for jobs); the emulator's clock moves on every read, so 0 is fine against it.
"""

from __future__ import annotations

from ftops.azure.arm import ArmClient
from ftops.azure.openai import OpenAIDataPlane
from ftops.settings import seconds_setting

POLL_ENV = "FTOPS_POLL_SECONDS"


def poll_seconds(default: float) -> float:
    return seconds_setting(POLL_ENV, default, example="5")


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
