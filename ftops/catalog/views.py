"""Plain-data views of catalog answers: the shapes `--json` prints and tables render.

`availability_entries` is the `ftops availability --json` contract: one entry per (model, version, method,
modality, path), each with `training_types` (offered ones among standard, data_zone, global, developer),
the regions of each, `lifecycle` and `path`.
"""

from __future__ import annotations

from typing import Any

from ftops.catalog import METHOD_NAMES, TRAINING_TYPES, Catalog, Model, Where


def source_view(model: Model) -> dict[str, Any]:
    return model.source.to_dict()


def runs_in(model: Model, path: str | None = None) -> str:
    """Where serverless training of this model happens, in words."""
    kind = path or (model.paths[0].kind if model.paths else None)
    if kind == "foundry-resource":
        return "Foundry (AI Services) resource, fine-tuning API"
    if kind == "hub-serverless":
        if model.needs_marketplace:
            return "hub project, serverless, with an Azure Marketplace subscription"
        return "hub project, serverless"
    return "managed compute in a hub project (VM quota needed)"


def lifecycle_view(model: Model) -> dict[str, Any] | None:
    return model.lifecycle.to_dict() if model.lifecycle else None


def model_view(model: Model, catalog: Catalog) -> dict[str, Any]:
    return {
        "name": model.name,
        "version": model.version,
        "provider": model.provider,
        "methods": list(model.methods),
        "modalities": list(model.modalities),
        "offers": list(model.offers),
        "paths": [p.kind for p in model.paths],
        "training_types": list(model.training_types),
        "standard_regions": list(model.standard_regions),
        "global_training": model.global_training,
        "training_context_tokens": model.training_context_tokens,
        "needs_marketplace_subscription": model.needs_marketplace,
        "preview": model.preview,
        "offered": model.offered,
        "legacy": model.legacy,
        "lifecycle": lifecycle_view(model),
        "recommended_for": model.recommended_for,
        "access": model.access,
        "source": source_view(model),
    }


def _note(where: Where) -> str:
    path = where.path.kind if where.path else None
    if path == "foundry-resource":
        types = [t for t in TRAINING_TYPES if where.regions_for(t)]
        return "training types: " + ", ".join(types) + "; send trainingType with the job"
    if path == "hub-serverless":
        return "train in a hub project located in one of these regions"
    return "managed compute: your own VMs in the hub project's region"


def where_view(where: Where, catalog: Catalog) -> dict[str, Any]:
    """One availability entry (the `--json` contract)."""
    model = where.model
    path = where.path
    zone = path.data_zone if path else None
    return {
        "model": model.name,
        "version": model.version,
        "method": where.method,
        "method_name": METHOD_NAMES[where.method],
        "modality": where.modality,
        "path": path.kind if path else None,
        "runs_in": runs_in(model, path.kind if path else None),
        "training_types": list(where.training_types),
        "standard_regions": list(where.standard_regions),
        "data_zone": zone,
        "data_zone_regions": list(where.data_zone_regions),
        "global_training_regions": list(where.global_regions),
        "developer_regions": list(where.developer_regions),
        "training_types_source": "catalog",
        "deployments": [d.to_dict() for d in path.deployments] if path else [],
        "needs_marketplace_subscription": bool(path and path.marketplace),
        "managed_compute": model.managed_compute,
        "lifecycle": lifecycle_view(model),
        "preview": model.preview,
        "access": model.access,
        "note": _note(where),
        "source": source_view(model),
        "sources": [catalog.sources[k].to_dict() for k in (path.sources if path else ()) if k in catalog.sources],
        "as_of": catalog.as_of,
    }


def availability_entries(
    catalog: Catalog, model: Model, method: str | None = None, modality: str | None = None
) -> list[dict[str, Any]]:
    """Every (method, modality, path) entry of an offered model, filtered by method and modality."""
    methods = [method] if method else list(model.methods)
    modalities = [modality] if modality else list(model.modalities)
    entries = []
    for m in methods:
        for mod in modalities:
            for where in catalog.wheres(model, m, mod):  # type: ignore[arg-type]
                entries.append(where_view(where, catalog))
    return entries


def region_answer(catalog: Catalog, model: Model, region: str, method: str | None, modality: str) -> dict[str, Any]:
    """Can `model` train from `region`, and how: per path the training types that work there."""
    ways = []
    for where in catalog.wheres(model, method, modality):  # type: ignore[arg-type]
        types = [t for t in TRAINING_TYPES if region in where.regions_for(t)]
        if types:
            ways.append(
                {
                    "path": where.path.kind if where.path else None,
                    "runs_in": runs_in(model, where.path.kind if where.path else None),
                    "training_types": types,
                }
            )
    return {
        "model": model.name,
        "version": model.version,
        "region": region,
        "method": method or model.methods[0],
        "modality": modality,
        "can_train": bool(ways),
        "ways": ways,
        "lifecycle": lifecycle_view(model),
        "as_of": catalog.as_of,
    }


def region_rows(catalog: Catalog, region: str, method: str | None, modality: str) -> list[dict[str, Any]]:
    """Every offered model and path that can train from `region`, with the training types that work there."""
    rows = []
    for model in catalog.offered_models():
        if (method is not None and method not in model.methods) or modality not in model.modalities:
            continue
        for where in catalog.wheres(model, method, modality):  # type: ignore[arg-type]
            types = [t for t in TRAINING_TYPES if region in where.regions_for(t)]
            if types:
                rows.append(
                    {
                        "model": model.name,
                        "version": model.version,
                        "methods": list(model.methods),
                        "modalities": list(model.modalities),
                        "path": where.path.kind if where.path else None,
                        "training_types": types,
                        "offers": list(model.offers),
                        "lifecycle": model.lifecycle.status if model.lifecycle else None,
                    }
                )
    return rows


def catalog_description(catalog: Catalog) -> dict[str, Any]:
    """What `ftops catalog show` prints: every source with its revision and date, the choices, the limits."""
    return {
        "as_of": catalog.as_of,
        "sources": [s.to_dict() for s in catalog.sources.values()],
        "tables": {key: page.get("date") for key, page in catalog.tables.items()},
        "choices": [{"topic": topic, **choice} for topic, choice in catalog.choices.items()],
        "limits": {
            "version": catalog.limits.version,
            "entries": [
                {
                    "name": limit.name,
                    "value": limit.value,
                    "scope": limit.scope,
                    "applies_to": limit.applies_to,
                    "source": limit.source.key,
                }
                for limit in catalog.limits.entries.values()
            ],
        },
    }


def known_region(catalog: Catalog, region: str) -> str:
    """`region` as an ARM location id the catalog knows; a typo gets the nearest names as a hint."""
    from ftops.errors import UserError

    region = region.lower()
    if region not in catalog.azure_regions:
        near = catalog.suggest_region(region)
        raise UserError(
            f"unknown Azure region '{region}'",
            hint=f"did you mean {' or '.join(near)}?" if near else "use an ARM location id such as swedencentral",
        )
    return region


def model_in_region(catalog: Catalog, name: str, region: str, method: str | None, modality: str) -> dict[str, Any]:
    """`region_answer` for a model by name; when it cannot train there, a NotAvailableError naming where it can."""
    from ftops.errors import NotAvailableError

    region = known_region(catalog, region)
    model = catalog.offered_model(name)
    answer = region_answer(catalog, model, region, method, modality)
    if not answer["can_train"]:
        options = []
        for where in catalog.wheres(model, method, modality):  # type: ignore[arg-type]
            for kind in where.training_types:
                regions = where.regions_for(kind)
                options.append(
                    f"{kind} from {regions[0]}" + (f" (+{len(regions) - 1} more)" if len(regions) > 1 else "")
                )
        raise NotAvailableError(
            f"{model.name} cannot be fine-tuned ({answer['method']}, {modality}) from {region}",
            hint=f"it can: {'; '.join(options) or 'nowhere listed'}; "
            f"`ftops availability --model {model.name}` lists all",
        )
    return answer


def lifecycle_note(model: Model) -> str | None:
    """One line on a model that is not GA (deprecated, preview...): its status and retirement dates."""
    life = model.lifecycle
    if life is None or life.status == "ga":
        return None
    dates = ", ".join(
        f"{label} {value}"
        for label, value in (
            ("base retires", life.base_retirement),
            ("training retires", life.training_retirement),
            ("fine-tuned deployments retire", life.deployment_retirement),
            ("replacement", life.replacement),
        )
        if value
    )
    return f"lifecycle: {life.status}" + (f" ({dates})" if dates else "")


def long_region_lists(
    entries: list[dict[str, Any]], labels: dict[str, str], longer_than: int = 3
) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(label, modality, path, regions) for each region list too long for a table cell, each list once."""
    found: list[tuple[str, str, str, tuple[str, ...]]] = []
    listed: set[tuple[str, ...]] = set()
    for entry in entries:
        for key, label in labels.items():
            regions = tuple(entry[key])
            if len(regions) > longer_than and regions not in listed:
                listed.add(regions)
                found.append((label, entry["modality"], entry["path"], regions))
    return found


def model_availability(catalog: Catalog, model: Model, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The `ftops availability --model M --json` answer: the model, its lifecycle and its availability entries."""
    return {
        "model": model.name,
        "version": model.version,
        "lifecycle": lifecycle_view(model),
        "as_of": catalog.as_of,
        "availability": entries,
    }
