"""Deployment quota names, from the emulator's own `deployment_usages.yaml` (never from ftops.capacity).

`usage_name("gpt-4.1-mini-2025-04-14.ft-abc", "Standard")` is `OpenAI.Standard.gpt4.1-mini-finetune`: a
fine-tuned deployment draws on its base model's separate fine-tuning quota; Standard spells the gpt-4.1
family without the dash (sources in the YAML)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any


class UnknownSku(ValueError):
    """A deployment type the emulator does not know."""


@cache
def usage_data() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(resources.files("ftops.emulator").joinpath("deployment_usages.yaml").read_text())


def base_model(deployed: str) -> str:
    """The model id of a deployed model: a versioned id or a fine-tuned one (`<base>-<version>.ft-...`)."""
    base = deployed.split(".ft-")[0]
    for name, versions in usage_data()["models"].items():
        if base == name or base in (f"{name}-{v}" for v in versions):
            return str(name)
    return base


def sku_name(sku: str) -> str:
    for name in usage_data()["deployment_types"]:
        if name.lower() == sku.lower():
            return str(name)
    raise UnknownSku(sku)


def usage_name(model: str, sku: str, *, fine_tuned: bool | None = None) -> str:
    data = usage_data()
    sku = sku_name(sku)
    tuned = ".ft-" in model if fine_tuned is None else fine_tuned
    base = base_model(model)
    spelled = (data.get("spelling") or {}).get(sku, {}).get(base, base)
    return str(data["fine_tuned_usage_name" if tuned else "usage_name"]).format(sku=sku, model=spelled)


def deployment_types() -> dict[str, dict[str, bool]]:
    return {name: dict(kind) for name, kind in usage_data()["deployment_types"].items()}
