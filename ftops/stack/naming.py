"""Azure resource names, derived deterministically from the environment: one place for Azure's rules.

Every name fits its resource type's length and character rules whatever the environment or
project name. Names that must be globally unique (DNS-visible) carry a short hash of the
environment's identity: the subscription id, the resource group and the environment name (as
Azure Verified Modules use `uniqueString(subscription().id, resourceGroup().name, ...)`), so the
same example stack deployed by two people in two subscriptions asks Azure for two different names,
and a rerun of the same stack asks for the same ones.

Role assignments are named like Bicep's `guid(scope, principalId, roleDefinitionId)`.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

# The namespace of ARM template / Bicep `guid()`: a version-5 UUID over the arguments joined with '-'.
ARM_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


@dataclass(frozen=True)
class NameRule:
    prefix: str
    max_length: int
    hyphens: bool  # may the name contain '-'
    globally_unique: bool  # part of a DNS name shared by every Azure customer


RULES: dict[str, NameRule] = {
    "resource_group": NameRule("rg", 90, True, False),
    "ai_services": NameRule("ais", 64, True, True),  # also the custom subdomain
    "foundry_project": NameRule("", 64, True, False),
    "hub": NameRule("hub", 32, True, False),
    "hub_project": NameRule("prj", 32, True, False),
    "storage": NameRule("st", 24, False, True),
    "key_vault": NameRule("kv", 24, True, True),
    "log_analytics": NameRule("log", 63, True, False),
    "app_insights": NameRule("appi", 64, True, False),
    "compute": NameRule("ft", 16, True, False),
    "compute_identity": NameRule("id", 128, True, False),  # user-assigned identity of the cluster
    "vnet": NameRule("vnet", 64, True, False),
    "private_endpoint": NameRule("pe", 64, True, False),
    "deployment": NameRule("", 64, True, False),
}

HASH_LENGTH = 6


def short_hash(*parts: str, length: int = HASH_LENGTH) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _clean(text: str, hyphens: bool) -> str:
    text = text.lower()
    text = re.sub(r"[^a-z0-9-]" if hyphens else r"[^a-z0-9]", "-" if hyphens else "", text)
    return re.sub(r"-{2,}", "-", text).strip("-")


def resource_name(kind: str, *parts: str, unique_by: tuple[str, ...] = ()) -> str:
    """A valid name for a resource of `kind` built from `parts` (e.g. env name, region).

    `unique_by` names what makes the resource unique (environment name, resource group...):
    globally unique kinds always end in a hash of it, and any name cut to fit ends in a hash
    of its full form so truncation never makes two names equal.
    """
    rule = RULES[kind]
    words = [rule.prefix, *parts] if rule.prefix else list(parts)
    separator = "-" if rule.hyphens else ""
    full = _clean(separator.join(w for w in words if w), rule.hyphens)
    needs_hash = rule.globally_unique or len(full) > rule.max_length
    if not needs_hash:
        return full
    digest = short_hash(*unique_by, *parts, kind)
    room = rule.max_length - len(digest) - len(separator)
    head = full[:room].rstrip("-")
    return f"{head}{separator}{digest}"


def marketplace_subscription_name(model: str) -> str:
    """The marketplace subscription's name in a hub project: the stack creates it, launches look it up by it."""
    return resource_name("deployment", model)


def unique_by(subscription_id: str, resource_group: str, environment: str, seed: str = "") -> tuple[str, ...]:
    """What globally unique names hash: subscription, resource group, environment, and an optional seed.

    The seed (`ftops:nameSeed`) lets a stack move to fresh names, e.g. to re-create it while the
    old names are still held by soft-deleted resources.
    """
    return (subscription_id.lower(), resource_group.lower(), environment, *((seed,) if seed else ()))


def arm_guid(*parts: str) -> str:
    """Bicep's `guid(parts...)`: deterministic, and the same as a Bicep template would compute."""
    return str(uuid.uuid5(ARM_GUID_NAMESPACE, "-".join(parts)))


def role_assignment_name(scope_id: str, principal_id: str, role_definition_id: str) -> str:
    """A role assignment's name: `guid(scope, principalId, roleDefinitionId)` as Azure Verified Modules do.

    Names of role assignments are unique in the tenant: the scope id (which holds the subscription)
    keeps two subscriptions apart, and the principal id gives a re-created identity a new name, so
    Azure never sees an old name reused for another principal (RoleAssignmentUpdateNotPermitted).
    """
    return arm_guid(scope_id, principal_id, role_definition_id)
