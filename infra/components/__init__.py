"""One ComponentResource per file; each takes one typed args object and parents its children to itself."""

from __future__ import annotations

import uuid

import pulumi

# Deterministic role-assignment names: the same grant always gets the same GUID.
ASSIGNMENT_NAMESPACE = uuid.UUID("6f1c2f1e-4d0a-4e63-9f39-0d7a3c1f5a10")


def assignment_name(*parts: str) -> str:
    return str(uuid.uuid5(ASSIGNMENT_NAMESPACE, "/".join(parts)))


def child(parent: pulumi.Resource, **extra: object) -> pulumi.ResourceOptions:
    """Options for a child resource: parented to its component."""
    return pulumi.ResourceOptions(parent=parent, **extra)  # type: ignore[arg-type]
