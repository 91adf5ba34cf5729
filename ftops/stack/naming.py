"""Azure resource names, derived deterministically from the environment: one place for Azure's rules.

Every name fits its resource type's length and character rules whatever the environment or
project name. Names that must be globally unique (DNS-visible) carry a short hash of the
environment's identity, so two environments with similar names do not collide.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


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
