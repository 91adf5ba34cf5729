"""Constants shared by the limits tests (a plain module: `conftest` names clash across test folders)."""

from __future__ import annotations

from ftops.azure.transport import RetryPolicy

ENDPOINT = "https://acct1.openai.azure.com/"
FAST = RetryPolicy(backoff_base=0.005, backoff_max=0.05, budget_seconds=10)
LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-ftdev"


def _region(location: str, account: str) -> dict:
    account_id = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/{account}"
    project = {"name": "fine-tuning", "id": f"{account_id}/projects/fine-tuning"}
    project["endpoint"] = f"https://{account}.services.ai.azure.com/api/projects/fine-tuning"
    return {
        "location": location,
        "account_name": account,
        "account_id": account_id,
        "endpoint": f"https://{account}.openai.azure.com/",
        "projects": [project],
    }


OUTPUTS = {
    "schema_version": 1,
    "environment": "ftdev",
    "subscription_id": SUB,
    "resource_group": RG,
    "location": "swedencentral",
    "network_mode": "public",
    "regions": [_region("swedencentral", "aisse")],
}
