"""Every input the program sends fits pulumi-azure-native's own input types, at the api-version it sends.

pulumi-azure-native generates its Python input types from the ARM spec of the api-version each resource
is sent with (Microsoft.CognitiveServices 2025-06-01, Storage 2024-01-01, Key Vault 2024-11-01, ...; read
from the installed package). Dict inputs are not checked by the SDK when the program runs, so this walks
each recorded input against those types: every key must be a property of its type, nested types are
followed, closed enums must hold one of their values (an enum that also takes `str` is extensible), and
JSON types must match. Where the carried specs are not the version sent (test_spec_compliance.py names
that gap), this is the version-exact check.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import typing
from collections import abc
from collections.abc import Awaitable
from typing import Any, ForwardRef

import pytest
from ftops_infra.plan import Plan

SKIP = {"__provider"}
SCALARS = {str: str, bool: bool, int: (int, float), float: (int, float)}


def _members(annotation: Any) -> list[Any]:
    """The concrete alternatives of an Input[...] annotation (no None, Awaitable or Output)."""
    found = []
    for member in typing.get_args(annotation) or (annotation,):
        origin = typing.get_origin(member)
        if member is type(None) or origin is Awaitable:
            continue
        if isinstance(member, ForwardRef) and member.__forward_arg__.startswith("Output"):
            continue
        if origin is typing.Union:
            found += _members(member)
        else:
            found.append(member)
    return found


class SdkTypes:
    """The input types of one pulumi-azure-native module (e.g. cognitiveservices)."""

    def __init__(self, module: str) -> None:
        self.module = importlib.import_module(f"pulumi_azure_native.{module}")

    def lookup(self, name: str) -> Any:
        return getattr(self.module, name, None)

    def properties(self, cls: type) -> dict[str, Any]:
        """camelCase wire name -> annotation, from the class's @pulumi.getter properties."""
        return {
            getattr(prop.fget, "_pulumi_name", key): inspect.signature(prop.fget).return_annotation
            for key, prop in vars(cls).items()
            if isinstance(prop, property)
        }

    def check(self, value: Any, annotation: Any, path: str) -> list[str]:
        members = _members(annotation)
        if value is None or not members:
            return []
        classes = [self.lookup(m.__forward_arg__) for m in members if isinstance(m, ForwardRef)]
        enums = [c for c in classes if isinstance(c, type) and issubclass(c, enum.Enum)]
        args = [c for c in classes if isinstance(c, type) and not issubclass(c, enum.Enum)]
        if isinstance(value, str) and enums and str not in members:  # a closed enum
            allowed = sorted({e.value for c in enums for e in c})
            return [] if value in allowed else [f"{path}: {value!r} is not one of {allowed}"]
        if isinstance(value, dict):
            if args:
                tries = [self.check_object(value, cls, path) for cls in args]
                return min(tries, key=len)  # a union: the alternative that fits best
            mapping = next((m for m in members if typing.get_origin(m) in (abc.Mapping, dict)), None)
            if mapping is not None:
                inner = typing.get_args(mapping)[1]
                return [p for k, v in value.items() for p in self.check(v, inner, f"{path}.{k}")]
            return [] if Any in members else [f"{path}: an object where the SDK has {members}"]
        if isinstance(value, list):
            sequence = next((m for m in members if typing.get_origin(m) in (abc.Sequence, list)), None)
            if sequence is None:
                return [f"{path}: a list where the SDK has {members}"]
            inner = typing.get_args(sequence)[0]
            return [p for i, v in enumerate(value) for p in self.check(v, inner, f"{path}[{i}]")]
        scalars = [SCALARS[m] for m in members if m in SCALARS]
        if enums and isinstance(value, str):
            return []  # extensible enum: any string
        if scalars and not any(isinstance(value, s) for s in scalars):
            return [f"{path}: {type(value).__name__} where the SDK has {members}"]
        if isinstance(value, bool) and bool not in members:
            return [f"{path}: bool where the SDK has {members}"]
        return []

    def check_object(self, value: dict, cls: type, path: str) -> list[str]:
        known = self.properties(cls)
        problems = []
        for key, item in value.items():
            if key in SKIP:
                continue
            if key not in known:
                problems.append(f"{path}.{key}: not in pulumi-azure-native's {cls.__name__}")
                continue
            problems += self.check(item, known[key], f"{path}.{key}")
        return problems


def resource_args(token: str) -> tuple[SdkTypes, type] | None:
    if not token.startswith("azure-native:"):
        return None
    _, module, name = token.split(":")
    types = SdkTypes(module)
    resource = types.lookup(name)
    home = importlib.import_module(resource.__module__)  # its args are <Name>InitArgs when <Name>Args is taken
    cls = getattr(home, f"{name}InitArgs", None) or getattr(home, f"{name}Args", None)
    return (types, cls) if cls is not None else None


def problems_in(plan: Plan) -> list[str]:
    found = []
    for resource in plan.resources:
        typed = resource_args(resource.type)
        if typed is not None:
            types, cls = typed
            found += types.check_object(resource.inputs, cls, resource.name)
    return found


def test_every_input_fits_the_sdk_types_of_the_api_version_sent(stack_plan: tuple[str, Plan]) -> None:
    _, plan = stack_plan
    assert problems_in(plan) == []
    assert sum(resource_args(r.type) is not None for r in plan.resources) == sum(
        r.type.startswith("azure-native:") for r in plan.resources
    )


@pytest.mark.parametrize(
    ("token", "change", "fragment"),
    [
        ("azure-native:cognitiveservices:Account", lambda i: i["properties"].update(restor=True),
         "properties.restor: not in pulumi-azure-native's AccountPropertiesArgs"),
        ("azure-native:cognitiveservices:Account", lambda i: i["properties"].update(disableLocalAuth="yes"),
         "disableLocalAuth: str where the SDK has"),
        ("azure-native:keyvault:Vault", lambda i: i["properties"].update(createMode="Recover"),
         "createMode: 'Recover' is not one of ['default', 'recover']"),
        ("azure-native:storage:StorageAccount", lambda i: i.update(allowSharedKeyAccess=[False]),
         "allowSharedKeyAccess: a list where the SDK has"),
    ],
)  # fmt: skip
def test_the_walk_catches_what_the_provider_would_refuse(plan_for, token, change, fragment) -> None:
    plan = plan_for("private-multi")
    resource = plan.of_type(token)[0]
    inputs = json.loads(json.dumps(resource.inputs))
    change(inputs)
    types, cls = resource_args(token)  # type: ignore[misc]
    found = types.check_object(inputs, cls, resource.name)
    assert any(fragment in problem for problem in found), found


def test_outbound_rules_and_a_user_assigned_identity_fit_the_sdk_types() -> None:
    from ftops_infra.plan import run_program

    from ftops.stack.schema import load_stack_file, parse_environment

    private_hub = parse_environment({
        "name": "ftpriv", "resource_group": {"location": "eastus2"}, "network": {"mode": "private"},
        "hub": {"projects": [{"name": "p1"}], "outbound_rules": [{"name": "pypi", "fqdn": "pypi.org"}]},
    })  # fmt: skip
    plan = run_program(private_hub)
    hub = next(w for w in plan.of_type("azure-native:machinelearningservices:Workspace") if w.inputs["kind"] == "Hub")
    assert hub.inputs["managedNetwork"]["outboundRules"] and problems_in(plan) == []
    compute = run_program(load_stack_file("managed-compute"))
    assert compute.of_type("azure-native:managedidentity:UserAssignedIdentity") and problems_in(compute) == []
