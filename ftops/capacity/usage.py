"""How Azure names a deployment's quota: `OpenAI.<SKU>.<base model>`, in thousands of tokens per minute.

Fine-tuned deployments count against their base model's quota for the deployment type, so a fine-tuned
model id (`gpt-4.1-mini-2025-04-14.ft-<id>-<suffix>`) maps back to its catalog model name.
"""

from __future__ import annotations

from ftops.catalog import load_catalog

SKUS = ("Standard", "GlobalStandard", "DataZoneStandard", "Developer")


def base_model_name(deployed_model: str) -> str:
    """The catalog name of the model a deployment serves (fine-tuned or not)."""
    base = deployed_model.split(".ft-")[0]
    for model in load_catalog().models:
        if base in (model.name, f"{model.name}-{model.version}", *(f"{model.name}-{v}" for v in model.other_versions)):
            return model.name
    return base


def is_fine_tuned(deployed_model: str) -> bool:
    return ".ft-" in deployed_model


def usage_name(deployed_model: str, sku: str) -> str:
    return f"OpenAI.{sku}.{base_model_name(deployed_model)}"
