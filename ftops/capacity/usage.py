"""How Azure names a deployment's quota, in thousands of tokens per minute, per deployment type (SKU).

Base-model deployments use `OpenAI.<SKU>.<model>`; fine-tuned deployments draw on their own quota,
`OpenAI.<SKU>.<model>-finetune`, where <model> is the base model. Some usage names spell the model
differently from its id (`OpenAI.Standard.gpt4.1-mini`); the spellings are catalog data
(`ftops/catalog/deployments.yaml`) and lookups try every spelling, so either form is found.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from ftops.catalog import load_catalog
from ftops.errors import UsageError

SKUS = ("Standard", "GlobalStandard", "DataZoneStandard", "Developer")


@dataclass(frozen=True)
class DeploymentType:
    name: str
    base: bool  # can serve a base model
    fine_tuned: bool  # can serve a fine-tuned model
    hourly_hosting: bool  # a fine-tuned deployment of this type bills per hour it exists
    lifetime_hours: int | None  # the service removes the deployment after this long, used or not


@dataclass(frozen=True)
class DeploymentFacts:
    as_of: str
    usage_name: str
    fine_tuned_usage_name: str
    spelling: dict[str, dict[str, str]]
    types: dict[str, DeploymentType]


@cache
def facts() -> DeploymentFacts:
    """The deployment-type table from the catalog, parsed once."""
    import yaml

    raw = yaml.safe_load(resources.files("ftops.catalog").joinpath("deployments.yaml").read_text(encoding="utf-8"))
    return DeploymentFacts(
        as_of=str(raw["as_of"]),
        usage_name=raw["usage_name"],
        fine_tuned_usage_name=raw["fine_tuned_usage_name"],
        spelling={sku: dict(names) for sku, names in (raw.get("usage_model_spelling") or {}).items()},
        types={
            name: DeploymentType(
                name, bool(t["base"]), bool(t["fine_tuned"]), bool(t["hourly_hosting"]), t.get("lifetime_hours")
            )
            for name, t in raw["deployment_types"].items()
        },
    )


def deployment_type(sku: str) -> DeploymentType:
    """The facts of one deployment type, matched case-insensitively; unknown types are a usage error."""
    for name, found in facts().types.items():
        if name.lower() == sku.lower():
            return found
    raise UsageError(f"unknown deployment type '{sku}'", hint=f"use one of {', '.join(facts().types)}")


def skus_for(fine_tuned: bool) -> tuple[str, ...]:
    """Deployment types that can serve a fine-tuned (or a base) model."""
    return tuple(t.name for t in facts().types.values() if (t.fine_tuned if fine_tuned else t.base))


def is_fine_tuned(deployed_model: str) -> bool:
    return ".ft-" in deployed_model


def base_model_name(deployed_model: str) -> str:
    """The catalog name of the model a deployment serves (fine-tuned or not); unknown names pass through."""
    base = deployed_model.split(".ft-")[0]
    for model in load_catalog().models:
        if base in (model.name, f"{model.name}-{model.version}", *(f"{model.name}-{v}" for v in model.other_versions)):
            return model.name
    return base


def usage_names(model: str, sku: str, *, fine_tuned: bool) -> tuple[str, ...]:
    """Every name Azure may report this quota under, the catalog's spelling first."""
    base = base_model_name(model)
    sku = deployment_type(sku).name
    template = facts().fine_tuned_usage_name if fine_tuned else facts().usage_name
    spellings = [facts().spelling.get(sku, {}).get(base, base), base]
    return tuple(dict.fromkeys(template.format(sku=sku, model=s) for s in spellings))


def usage_name(model: str, sku: str, *, fine_tuned: bool | None = None) -> str:
    """The quota name the catalog expects for a deployment of `model` (fine-tuned if its id says so)."""
    return usage_names(model, sku, fine_tuned=is_fine_tuned(model) if fine_tuned is None else fine_tuned)[0]
