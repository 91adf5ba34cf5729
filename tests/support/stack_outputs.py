"""Stack outputs as the program exports them (the `ftops.stack.outputs` contract), for tests on the emulator.

One builder for every test folder: an AI Services account per region with its Foundry project, in a
subscription and resource group of the test's choosing (another subscription for cross-subscription work).
"""

from __future__ import annotations

from typing import Any

SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-ftdev"


def account_id(name: str, *, sub: str = SUB, rg: str = RG) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{name}"


def region(location: str, account: str, *, sub: str = SUB, rg: str = RG) -> dict[str, Any]:
    """One stack region: the account (its data-plane host is its name, as on the emulator) and its project."""
    arm_id = account_id(account, sub=sub, rg=rg)
    return {
        "location": location,
        "account_name": account,
        "account_id": arm_id,
        "endpoint": f"https://{account}.openai.azure.com/",
        "projects": [
            {
                "name": "fine-tuning",
                "id": f"{arm_id}/projects/fine-tuning",
                "endpoint": f"https://{account}.services.ai.azure.com/api/projects/fine-tuning",
            }
        ],
    }


def outputs(
    accounts: list[tuple[str, str]],
    *,
    environment: str = "ftdev",
    sub: str = SUB,
    rg: str = RG,
    fine_tunes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The outputs document of a public stack with these (location, account) pairs; schema 2 with `fine_tunes`."""
    document: dict[str, Any] = {
        "schema_version": 2 if fine_tunes is not None else 1,
        "environment": environment,
        "subscription_id": sub,
        "resource_group": rg,
        "location": accounts[0][0] if accounts else "swedencentral",
        "network_mode": "public",
        "regions": [region(location, name, sub=sub, rg=rg) for location, name in accounts],
    }
    if fine_tunes is not None:
        document["fine_tunes"] = fine_tunes
    return document
