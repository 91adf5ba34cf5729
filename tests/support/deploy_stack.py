"""A two-region stack (swedencentral, eastus2) and another subscription, for deploy tests (tests/deploy_variants)."""

from __future__ import annotations

import stack_outputs
from stack_outputs import RG, SUB

OTHER_SUB = "00000000-0000-0000-0000-0000000000b2"  # another subscription, not the stack's
OTHER_RG = "rg-serving"
OUTPUTS = stack_outputs.outputs([("swedencentral", "aisse"), ("eastus2", "aiseus2")])
__all__ = ["OTHER_RG", "OTHER_SUB", "OUTPUTS", "RG", "SUB", "account_id"]


def account_id(sub: str, group: str, name: str) -> str:
    return stack_outputs.account_id(name, sub=sub, rg=group)
