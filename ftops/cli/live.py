"""`ftops availability --live`: ask ARM (or the emulator) and show where it differs from the catalog.

(`ftops check --live` runs `ftops.stack.preflight`.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ftops.catalog import Method


def subscription_arm() -> Any:
    from ftops.jobs.clients import subscription_arm as arm

    return arm()


def _live_cell(row: dict) -> str:
    if row.get("error"):
        return "error"
    return "yes" if row["live"] else "no"


def _arm_cell(row: dict) -> str:
    """What ARM says of the model's lifecycle: status, and a fine-tuning deprecation date if any."""
    life = row.get("live_lifecycle")
    if not life:
        return "-"
    text = life["state"]
    if life.get("fine_tune_deprecation"):
        text += f" (fineTune {life['fine_tune_deprecation']})"
    return text


def _agree_cell(row: dict) -> str:
    return "?" if row["agrees"] is None else ("" if row["agrees"] else "DIFFERS")


def live_availability(model: str | None, region: str | None, method: str | None, vision: bool, as_json: bool) -> None:
    """Sweep the relevant regions through ARM and show where live answers differ from the catalog."""
    from ftops.azure import availability
    from ftops.catalog import load_catalog
    from ftops.cli import render
    from ftops.errors import UserError

    catalog = load_catalog()
    with subscription_arm() as arm:
        if model is not None:
            found = catalog.offered_model(model)  # a retired model says when, and what instead
            catalog.where(found, cast("Method | None", method), "vision" if vision else "text")  # refuses first
            if not any(p.kind == "foundry-resource" for p in found.paths):
                raise UserError(
                    f"{found.name} is not listed by ARM's per-region model list; live checks cover Azure OpenAI models",
                    hint=f"use `ftops availability --model {found.name}` (catalog)",
                )
            answers = availability.sweep(arm, catalog.fine_tuning_regions())
            rows = availability.model_rows(catalog, found, method, vision, answers)
            data: dict[str, Any] = {"model": found.name, "method": method, "vision": vision, "regions": rows}
            title = f"{found.name}: catalog vs. live ARM"
            columns = ["region", "training types (catalog)", "live", "ARM lifecycle", ""]
            cells = [
                [r["region"], render.csv(r["catalog"]) or "-", _live_cell(r), _arm_cell(r), _agree_cell(r)]
                for r in rows
            ]
        else:
            region = (region or "").lower()
            if region not in catalog.azure_regions:
                raise UserError(f"unknown Azure region '{region}'", hint="use an ARM location id such as swedencentral")
            answer = availability.sweep(arm, [region])[region]
            if answer.error:
                from ftops.errors import AzureFailureError

                raise AzureFailureError(f"live check of {region} failed: {answer.error}")
            rows = availability.region_rows(catalog, region, method, vision, answer)
            data = {"region": region, "method": method, "vision": vision, "models": rows, "cached": answer.cached}
            title = f"fine-tuning from {region}: catalog vs. live ARM"
            columns = ["model", "version", "training types (catalog)", "live", "ARM lifecycle", ""]
            cells = [
                [
                    r["model"],
                    r["version"] or "-",
                    render.csv(r["catalog"]) or "-",
                    _live_cell(r),
                    _arm_cell(r),
                    _agree_cell(r),
                ]
                for r in rows
            ]
    differences = sum(1 for r in rows if r["agrees"] is False)
    data["differences"] = differences
    if as_json:
        render.print_json(data)
        return
    caption = f"catalog as of {catalog.as_of}; ARM lists no training types; {differences} difference(s)"
    render.table(title, columns, cells, caption=caption)
    errors = [r for r in rows if r.get("error")]
    if errors:
        render.note(f"{len(errors)} region(s) could not be checked: {errors[0]['region']}: {errors[0]['error']}")
