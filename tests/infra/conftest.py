"""Run the Pulumi program under mocks once per stack (each run installs its own mocks and event loop)."""

from __future__ import annotations

import pytest

from ftops.config import load_stack_file
from ftops.plan import Plan, run_program

STACKS = ["dev", "multi-region", "open-models", "managed-compute"]
DEPLOYER = "22222222-2222-2222-2222-222222222222"
_cache: dict[str, Plan] = {}


def plan_of(stack: str) -> Plan:
    """The program's resource graph for an example stack (evaluated fresh once per test session)."""
    if stack not in _cache:
        _cache[stack] = run_program(load_stack_file(stack), deployer_principal_id=DEPLOYER)
    return _cache[stack]


@pytest.fixture(params=STACKS)
def stack_plan(request: pytest.FixtureRequest) -> tuple[str, Plan]:
    return request.param, plan_of(request.param)


@pytest.fixture
def plan_for():
    """`plan_for(stack)`: the cached plan of an example stack."""
    return plan_of
