"""`ftops availability --live` as one call: ARM's live answers beside the catalog's, with the differences.

The CLI only renders what these functions return (ftops.cli.live); the sweep itself is
ftops.azure.availability. A live check that reached no region is a failure (exit 4), whichever way it was
asked (--model or --region), so a script never reads "0 differences" out of a sweep that saw nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ftops.catalog import Catalog, Method


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
    rows = availability.model_rows(catalog, found, method, vision, answers)
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
    rows = availability.region_rows(catalog, region, method, vision, answer)
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
