"""Run the Pulumi program under mocks once per stack (each run installs its own mocks and event loop)."""

from __future__ import annotations

import pytest
from ftops_infra.plan import Plan, run_program

from ftops.stack.schema import Environment, load_stack_file, parse_environment

EXAMPLE_STACKS = ["dev", "multi-region", "open-models", "managed-compute"]
# Not an example stack: private networking across regions with a hub elsewhere, to cover the
# combinations the examples leave out (account endpoints, cross-region connections).
PRIVATE_MULTI = "private-multi"
STACKS = [*EXAMPLE_STACKS, PRIVATE_MULTI]
DEPLOYER = "22222222-2222-2222-2222-222222222222"
GROUP = "d4d4d4d4-0000-4000-8000-0000000000d4"
_cache: dict[str, Plan] = {}


def environment_of(stack: str) -> Environment:
    if stack != PRIVATE_MULTI:
        return load_stack_file(stack)
    return parse_environment(
        {
            "name": "ftpriv",
            "resource_group": {"location": "swedencentral"},
            "network": {"mode": "private", "address_space": "10.50.0.0/20"},
            "regions": [
                {
                    "location": "swedencentral",
                    "projects": [{"name": "support"}, {"name": "eval"}],
                    "deployments": [
                        {"name": "mini", "model": "gpt-4.1-mini"},
                        {"name": "full", "model": "GPT-4.1", "sku": "Standard", "capacity": 5},
                    ],
                },
                {"location": "eastus2"},
            ],
            "hub": {"location": "eastus2", "projects": [{"name": "phi"}, {"name": "mistral"}]},
            "access": [
                {"principal_id": GROUP, "principal_type": "Group", "roles": ["Azure AI User", "Azure AI Developer"]}
            ],
        }
    )


def plan_of(stack: str) -> Plan:
    """The program's resource graph for a stack (evaluated fresh once per test session, with a deployer)."""
    if stack not in _cache:
        _cache[stack] = run_program(environment_of(stack), deployer_principal_id=DEPLOYER)
    return _cache[stack]


@pytest.fixture(params=STACKS)
def stack_plan(request: pytest.FixtureRequest) -> tuple[str, Plan]:
    return request.param, plan_of(request.param)


@pytest.fixture
def plan_for():
    """`plan_for(stack)`: the cached plan of a stack."""
    return plan_of


@pytest.fixture
def env_for():
    """`env_for(stack)`: the validated environment of a stack."""
    return environment_of


@pytest.fixture(autouse=True)
def _no_ambient_subscription(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ftops plan` defaults --subscription to $AZURE_SUBSCRIPTION_ID: keep a developer's own out of the tests."""
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
