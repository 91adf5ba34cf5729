"""`ftops availability --live` as one call: ARM's live answers beside the catalog's, with the differences.

The CLI only renders what these functions return (ftops.cli.live); the sweep itself is
ftops.azure.availability, which knows ARM's shapes only: matching its offers to catalog models (name *and*
version) and the rows beside the catalog live here. A live check that reached no region is a failure
(exit 4), whichever way it was asked (--model or --region), so a script never reads "0 differences" out
of a sweep that saw nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ftops.azure.availability import FineTuneOffer, RegionAnswer
    from ftops.catalog import Catalog, Method, Model


def model_report(arm: Any, catalog: Catalog, model: str, method: str | None, vision: bool) -> dict[str, Any]:
    """Every fine-tuning region's live answer for `model`, row by row with the catalog's (and `differences`)."""
    from ftops.azure import availability
    from ftops.errors import UserError

    found = catalog.offered_model(model)  # a retired model says when, and what instead
    catalog.where(found, cast("Method | None", method), "vision" if vision else "text")  # refuses first
    if not any(p.kind == "foundry-resource" for p in found.paths):
        raise UserError(
            f"{found.name} is not listed by ARM's per-region model list; live checks cover Azure OpenAI models",
            hint=f"use `ftops availability --model {found.name}` (catalog)",
        )
    answers = availability.sweep(arm, catalog.fine_tuning_regions())
    rows = model_rows(catalog, found, method, vision, answers)
    _refuse_if_blind(rows, "region")
    return _counted({"model": found.name, "method": method, "vision": vision, "regions": rows})


def region_report(arm: Any, catalog: Catalog, region: str, method: str | None, vision: bool) -> dict[str, Any]:
    """What ARM lists for fine-tuning in `region`, model by model beside the catalog (and `differences`)."""
    from ftops.azure import availability
    from ftops.errors import AzureFailureError, UserError

    region = region.lower()
    if region not in catalog.azure_regions:
        raise UserError(f"unknown Azure region '{region}'", hint="use an ARM location id such as swedencentral")
    answer = availability.sweep(arm, [region])[region]
    if answer.error:
        raise AzureFailureError(
            f"live check of {region} failed: {answer.error}",
            hint=f"retry; the catalog answer is `ftops availability --region {region}`",
        )
    rows = region_rows(catalog, region, method, vision, answer)
    return _counted({"region": region, "method": method, "vision": vision, "models": rows, "cached": answer.cached})


def _refuse_if_blind(rows: list[dict[str, Any]], what: str) -> None:
    from ftops.errors import AzureFailureError

    failed = [r for r in rows if r.get("error")]
    if rows and len(failed) == len(rows):
        raise AzureFailureError(
            f"no {what} could be checked live ({len(failed)} tried): {failed[0][what]}: {failed[0]['error']}",
            hint="retry; without --live the answer comes from the catalog",
        )


def _counted(data: dict[str, Any]) -> dict[str, Any]:
    rows = data.get("regions") or data.get("models") or []
    data["differences"] = sum(1 for r in rows if r["agrees"] is False)
    return data


def matches(offer: FineTuneOffer, model: Model) -> bool:
    """Same model *and* version (a catalog record without a version takes any)."""
    from ftops.catalog import normalize

    if normalize(offer.name) not in {normalize(n) for n in (model.name, *model.aliases)}:
        return False
    if model.version is None or offer.version is None:
        return True
    return offer.version in (model.version, *model.other_versions)


def offer_for(answer: RegionAnswer, model: Model) -> FineTuneOffer | None:
    """ARM's offer in this region for the catalog's `model` (name and version), if it lists one."""
    return next((o for o in answer.offers if matches(o, model)), None)


def offers_model(answer: RegionAnswer, model: Model) -> bool:
    """ARM lists the model (name and version) as fine-tunable here and has not retired its fine-tuning."""
    offer = offer_for(answer, model)
    return offer is not None and offer.state() != "retired"


def _lifecycle(offer: FineTuneOffer | None) -> dict[str, Any] | None:
    if offer is None:
        return None
    return {
        "state": offer.state(),
        "lifecycle_status": offer.lifecycle_status,
        "fine_tune_deprecation": offer.fine_tune_deprecation,
        "inference_deprecation": offer.inference_deprecation,
        "sku_deprecations": offer.sku_deprecations,
        "max_tokens_per_example": offer.max_tokens_per_example,
    }


def model_rows(
    catalog: Catalog, model: Model, method: str | None, vision: bool, answers: dict[str, RegionAnswer]
) -> list[dict[str, Any]]:
    """Per region: the training types the catalog offers there, what ARM says, and whether they agree."""
    from ftops.catalog import TRAINING_TYPES

    where = catalog.where(model, cast("Method | None", method), "vision" if vision else "text", "foundry-resource")
    rows = []
    for region, answer in sorted(answers.items()):
        types = [t for t in TRAINING_TYPES if region in where.regions_for(t)]
        offer = None if answer.error else offer_for(answer, model)
        live = None if answer.error else (offer is not None and offer.state() != "retired")
        rows.append(
            {
                "region": region,
                "catalog": types,
                "training_types_source": "catalog",  # ARM reports no training types
                "live": live,
                "live_version": offer.version if offer else None,
                "live_lifecycle": _lifecycle(offer),
                "agrees": None if live is None else live == bool(types),
                "cached": answer.cached,
                "error": answer.error,
            }
        )
    return rows


def region_rows(
    catalog: Catalog, region: str, method: str | None, vision: bool, answer: RegionAnswer
) -> list[dict[str, Any]]:
    """Per model in one region: the catalog's training types there vs. what ARM reports (name and version)."""
    from ftops.catalog import TRAINING_TYPES

    modality = "vision" if vision else "text"
    rows = []
    matched: set[int] = set()
    for model in catalog.all_models:
        if not any(p.kind == "foundry-resource" for p in model.paths):
            continue
        if (method is not None and method not in model.methods) or modality not in model.modalities:
            continue
        types: list[str] = []
        if model.offered:
            where = catalog.where(model, cast("Method | None", method), modality, "foundry-resource")
            types = [t for t in TRAINING_TYPES if region in where.regions_for(t)]
        offer = None if answer.error else offer_for(answer, model)
        if offer is not None:
            matched.add(id(offer))
        live = None if answer.error else (offer is not None and offer.state() != "retired")
        if not types and not offer:
            continue
        rows.append(_region_row(model.name, model.version, types, live, offer))
    for offer in answer.offers:  # ARM knows a fine-tunable model (or version) the catalog does not
        if id(offer) not in matched:
            rows.append(_region_row(offer.name, offer.version, [], offer.state() != "retired", offer))
    return rows


def _region_row(
    name: str, version: str | None, types: list[str], live: bool | None, offer: FineTuneOffer | None
) -> dict[str, Any]:
    return {
        "model": name,
        "version": version,
        "catalog": types,
        "training_types_source": "catalog",
        "live": live,
        "live_version": offer.version if offer else None,
        "live_lifecycle": _lifecycle(offer),
        "agrees": None if live is None else live == bool(types),
    }
