"""A two-region stack (swedencentral, eastus2) and another subscription, for deploy tests (tests/deploy_variants)."""

from __future__ import annotations

SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-ftdev"
OTHER_SUB = "00000000-0000-0000-0000-0000000000b2"  # another subscription, not the stack's
OTHER_RG = "rg-serving"


def account_id(sub: str, group: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.CognitiveServices/accounts/{name}"


def region(location: str, account: str) -> dict:
    found = account_id(SUB, RG, account)
    return {
        "location": location,
        "account_name": account,
        "account_id": found,
        "endpoint": f"https://{account}.openai.azure.com/",
        "projects": [
            {
                "name": "fine-tuning",
                "id": f"{found}/projects/fine-tuning",
                "endpoint": f"https://{account}.services.ai.azure.com/api/projects/fine-tuning",
            }
        ],
    }


OUTPUTS = {
    "schema_version": 1,
    "environment": "ftdev",
    "subscription_id": SUB,
    "resource_group": RG,
    "location": "swedencentral",
    "network_mode": "public",
    "regions": [region("swedencentral", "aisse"), region("eastus2", "aiseus2")],
}
