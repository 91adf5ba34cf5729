"""Azure built-in roles ftops grants, with their fixed role definition ids and where each applies.

The one table of role ids: the Pulumi program and the config schema both read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Where a role is assigned: every regional AI Services account, every hub project,
# the hub itself, the hub's storage account, the resource group, or the subscription.
RoleScope = Literal["account", "hub_project", "hub", "storage", "resource_group", "subscription"]


@dataclass(frozen=True)
class Role:
    name: str
    definition_id: str
    scope: RoleScope
    purpose: str


# Foundry renamed its roles keeping their definition ids (role-rename-note.md, 05/11/2026): the new names
# resolve to the same roles; the table lists each role once, under the name it was created with.
RENAMED = {
    "Foundry User": "Azure AI User",
    "Foundry Owner": "Azure AI Owner",
    "Foundry Account Owner": "Azure AI Account Owner",
    "Foundry Project Manager": "Azure AI Project Manager",
}


class _RoleTable(dict[str, Role]):
    """Roles by name; a renamed role answers to its Foundry name too (same id), without being listed twice."""

    def __missing__(self, name: str) -> Role:
        if name in RENAMED and dict.__contains__(self, RENAMED[name]):
            return self[RENAMED[name]]
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or (name in RENAMED and dict.__contains__(self, RENAMED[name]))


ROLES: dict[str, Role] = _RoleTable(
    (role.name, role)
    for role in (
        Role(
            "Azure AI User",
            "53ca6127-db72-4b80-b1b0-d745d6d5456d",
            "account",
            "use Foundry projects: upload data, run and manage fine-tuning jobs",
        ),
        Role(
            "Azure AI Project Manager",
            "eadc314b-1a2d-4efa-be10-5d325db5065e",
            "account",
            "manage Foundry projects and assign Azure AI User",
        ),
        Role(
            "Cognitive Services OpenAI Contributor",
            "a001fd3d-188f-4b5d-821b-7da978bf7442",
            "account",
            "fine-tune and deploy models through the Azure OpenAI API",
        ),
        Role(
            "Cognitive Services OpenAI User", "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", "account", "call deployed models"
        ),
        Role(
            "Cognitive Services Contributor",
            "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
            "account",
            "manage the account through ARM; can re-enable key auth and list keys, so ftops does not grant it "
            "(Cognitive Services OpenAI Contributor already manages deployments)",
        ),
        Role(
            "Cognitive Services Usages Reader",
            "bba48692-92b0-4667-a9ad-c31c7b334ac2",
            "subscription",  # usages are read per location under the subscription, not a resource group
            "read deployment quota usages",
        ),
        Role(
            "Azure AI Enterprise Network Connection Approver",
            "b556d68e-0be0-4f35-a333-ad7ee1ce17ea",
            "account",
            "approve the private endpoints a hub's managed network opens to its connected accounts",
        ),
        Role(
            "Azure AI Developer",
            "64702f94-c441-49e6-a78b-ef80e0188fee",
            "hub_project",
            "run fine-tuning jobs and deployments in hub projects",
        ),
        Role(
            "AzureML Data Scientist",
            "f6c7c914-8db3-469d-8ca1-694a8f32e121",
            "hub_project",
            "submit AzureML jobs and manage data assets",
        ),
        Role(
            "Azure AI Administrator",
            "b78c5d69-af96-48a3-bf8d-a8b4d589de94",
            "hub",
            "administer the hub and its connections",
        ),
        Role(
            "Storage Blob Data Contributor",
            "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
            "storage",
            "read and write training data in the hub's storage (identity-based datastores)",
        ),
        Role(
            "Storage File Data Privileged Contributor",
            "69566ab7-960f-475b-8e7c-b3118f30c6bd",
            "storage",
            "use the hub's file share (notebooks, prompt flow)",
        ),
        Role("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7", "resource_group", "see the environment's resources"),
    )
)


def role_definition_path(subscription_id: str, role: Role) -> str:
    """The ARM id of a built-in role definition, as role assignments need it."""
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role.definition_id}"
