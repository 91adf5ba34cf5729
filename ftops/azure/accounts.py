"""An AI Services account by its ARM id (`Accounts_Get`), and the roles a principal holds on it
(Microsoft.Authorization `RoleAssignments_ListForResource`, 2022-04-01, carried in ftops/emulator/spec_files).

    arm = ArmClient(subscription_id)
    account = get_account(arm, "/subscriptions/…/providers/Microsoft.CognitiveServices/accounts/aieus2")
    roles = role_definitions_held(arm, account["id"], principal_id)   # role definition GUIDs, lower-case
"""

from __future__ import annotations

import re
from typing import Any

from ftops.azure.arm import ArmClient
from ftops.azure.errors import AzureNotFoundError
from ftops.azure.names import SUBSCRIPTION_ID, NameRule, arm_id, check
from ftops.azure.settings import AUTHORIZATION_API_VERSION, COGNITIVE_API_VERSION
from ftops.errors import UsageError

ACCOUNT_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.CognitiveServices"
    r"/accounts/(?P<name>[^/]+)$",
    re.I,
)
OPENAI_ENDPOINT_KEY = "OpenAI Language Model Instance API"  # the account's `properties.endpoints` entry
PRINCIPAL_ID = NameRule("principal id", SUBSCRIPTION_ID.pattern, 36, 36, "an Entra object id is a GUID")


def account_id_parts(resource_id: str, *, flag: str = "--to-account") -> tuple[str, str, str]:
    """(subscription, resource group, account) of an AI Services account id, or a usage error naming the shape."""
    match = ACCOUNT_ID.match(resource_id.strip())
    if match is None:
        raise UsageError(
            f"{flag} {resource_id[:120]!r} is not the ARM id of an AI Services account",
            hint="give /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/"
            "<name> (`az cognitiveservices account show -n NAME -g GROUP --query id -o tsv`)",
        )
    arm_id(resource_id.strip(), what=flag)  # every segment checked before it reaches a URL
    return match["sub"], match["rg"], match["name"]


def account_id(subscription_id: str, resource_group: str, name: str) -> str:
    """The ARM id of an AI Services account."""
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/Microsoft.CognitiveServices"
        f"/accounts/{name}"
    )


def get_account(arm: ArmClient, resource_id: str) -> dict[str, Any] | None:
    """The account (`Accounts_Get`) as ARM answers it, or None if it does not exist."""
    try:
        found = arm.transport.json("GET", arm_id(resource_id), params={"api-version": COGNITIVE_API_VERSION})
    except AzureNotFoundError:
        return None
    return found if isinstance(found, dict) else None


def data_plane_endpoint(account: dict[str, Any]) -> str | None:
    """Where the account's fine-tuning API answers: its Azure OpenAI endpoint, else its general endpoint."""
    props = account.get("properties") or {}
    endpoints = props.get("endpoints") or {}
    found = endpoints.get(OPENAI_ENDPOINT_KEY) if isinstance(endpoints, dict) else None
    return str(found or props.get("endpoint") or "") or None


def user_assigned_principals(account: dict[str, Any]) -> dict[str, str]:
    """The account's user-assigned identities: identity resource id -> principal id (ARM fills it in)."""
    identity = account.get("identity") or {}
    found = identity.get("userAssignedIdentities") or {}
    return {
        str(rid): str(entry["principalId"])
        for rid, entry in found.items()
        if isinstance(entry, dict) and entry.get("principalId")
    }


def role_definitions_held(arm: ArmClient, scope: str, principal_id: str) -> set[str]:
    """The role definition GUIDs (lower-case) `principal_id` holds on `scope` (an ARM id): assigned at it or above.

    The `principalId eq` filter also lists assignments below the scope (the spec's parameter says so); those do
    not apply to the scope itself and are left out."""
    check(principal_id, PRINCIPAL_ID)
    path = f"{arm_id(scope)}/providers/Microsoft.Authorization/roleAssignments"
    params = {"api-version": AUTHORIZATION_API_VERSION, "$filter": f"principalId eq '{principal_id}'"}
    target = scope.rstrip("/").lower()
    held = set()
    for assignment in arm.transport.paged(path, params=params):
        props = assignment.get("properties") or {}
        at = str(props.get("scope") or "").rstrip("/").lower()
        if at and (target == at or target.startswith(at + "/") or at == "/"):
            held.add(str(props.get("roleDefinitionId") or "").rstrip("/").rsplit("/", 1)[-1].lower())
    return held
