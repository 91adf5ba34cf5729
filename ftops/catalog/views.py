"""Plain-data views of catalog answers: the shapes `--json` prints and tables render."""

from __future__ import annotations

from typing import Any

from ftops.catalog import Catalog, Model, Where


def source_view(model: Model) -> dict[str, str]:
    return {"document": model.source.document, "as_of": model.source.as_of}


def runs_in(model: Model) -> str:
    """Where serverless training of this model happens, in words."""
    if model.is_openai:
        return "Azure OpenAI / Foundry (AI Services) resource"
    if model.needs_marketplace:
        return "hub project, with an Azure Marketplace subscription"
    if model.serverless:
        return "hub project"
    return "managed compute in a hub project (VM quota needed)"


def model_view(model: Model, catalog: Catalog) -> dict[str, Any]:
    return {
        "name": model.name,
        "version": model.version,
        "provider": model.provider,
        "methods": list(model.methods),
        "modalities": list(model.modalities),
        "offers": list(model.offers),
        "standard_regions": list(model.standard_regions),
        "global_training": model.global_training,
        "training_context_tokens": model.training_context_tokens,
        "needs_marketplace_subscription": model.needs_marketplace,
        "legacy": model.legacy,
        "recommended_for": model.recommended_for,
        "source": source_view(model),
    }


def where_view(where: Where, catalog: Catalog) -> dict[str, Any]:
    model = where.model
    if where.global_regions:
        note = "global training: train from any listed region's resource; runs in another region's capacity"
    elif model.is_openai:
        note = "standard (regional) training only"
    else:
        note = "train in a hub project located in one of these regions"
    return {
        "model": model.name,
        "version": model.version,
        "method": where.method,
        "modality": where.modality,
        "runs_in": runs_in(model),
        "standard_regions": list(where.standard_regions),
        "global_training_regions": list(where.global_regions),
        "needs_marketplace_subscription": model.needs_marketplace,
        "managed_compute": model.managed_compute,
        "note": note,
        "source": source_view(model),
        "as_of": catalog.as_of,
    }
