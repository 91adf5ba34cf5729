"""`ftops availability --live`: ask ARM (or the emulator) and show where it differs from the catalog.

(`ftops check --live` runs `ftops.stack.preflight`.)"""

from __future__ import annotations

from typing import Any


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
    """Sweep the relevant regions through ARM (ftops.catalog.live) and show where they differ from the catalog."""
    from ftops.catalog import load_catalog
    from ftops.catalog.live import model_report, region_report
    from ftops.cli import render

    catalog = load_catalog()
    with subscription_arm() as arm:
        if model is not None:
            data = model_report(arm, catalog, model, method, vision)
        else:
            data = region_report(arm, catalog, region or "", method, vision)
    if as_json:
        render.print_json(data)
        return
    if model is not None:
        rows = data["regions"]
        title = f"{data['model']}: catalog vs. live ARM"
        columns = ["region", "training types (catalog)", "live", "ARM lifecycle", ""]
        cells = [
            [r["region"], render.csv(r["catalog"]) or "-", _live_cell(r), _arm_cell(r), _agree_cell(r)] for r in rows
        ]
    else:
        rows = data["models"]
        title = f"fine-tuning from {data['region']}: catalog vs. live ARM"
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
    caption = f"catalog as of {catalog.as_of}; ARM lists no training types; {data['differences']} difference(s)"
    render.table(title, columns, cells, caption=caption)
    errors = [r for r in rows if r.get("error")]
    if errors:
        render.note(f"{len(errors)} region(s) could not be checked: {errors[0]['region']}: {errors[0]['error']}")
