"""`ftops availability`: where a model can be fine-tuned, answered from the catalog (and live ARM)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ftops.catalog import Catalog

from ftops.cli import render
from ftops.cli.options import JsonOption, MethodFilterOption, ModelFilterOption, RegionFilterOption, VisionOption

_REGION_KEYS = ("standard_regions", "data_zone_regions", "global_training_regions", "developer_regions")
_REGION_COLUMNS = dict(zip(_REGION_KEYS, ("standard", "data zone", "global", "developer"), strict=True))
LiveOption = Annotated[
    bool, typer.Option("--live", help="Ask Azure Resource Manager too (needs credentials or the emulator).")
]


def availability(
    model: ModelFilterOption = None,
    region: RegionFilterOption = None,
    method: MethodFilterOption = None,
    vision: VisionOption = False,
    live: LiveOption = False,
    as_json: JsonOption = False,
) -> None:
    """Where a model can be fine-tuned, or what can be fine-tuned in a region.

    \b
    Examples:
      ftops availability --model gpt-4.1 --method dpo
      ftops availability --model gpt-4o --vision --json
      ftops availability --model gpt-4.1-mini --region westeurope
      ftops availability --region swedencentral
    """
    from ftops.catalog import load_catalog
    from ftops.catalog import views as v
    from ftops.errors import UsageError

    if model is None and region is None:
        raise UsageError("give --model, --region or both", hint="e.g. ftops availability --model gpt-4.1")
    chosen, modality = (method.value if method else None), ("vision" if vision else "text")
    if live:
        if model is not None and region is not None:
            raise UsageError("--live takes --model or --region, not both", hint="drop one of them")
        from ftops.cli.live import live_availability

        live_availability(model=model, region=region, method=chosen, vision=vision, as_json=as_json)
        return
    catalog = load_catalog()
    if model is not None and region is not None:
        answer = v.model_in_region(catalog, model, region, chosen, modality)
        if as_json:
            render.print_json(answer)
            return
        for way in answer["ways"]:
            render.line(
                f"{answer['model']} can be fine-tuned from {answer['region']}: "
                f"{', '.join(way['training_types'])} training, on a {way['runs_in']}"
            )
    elif model is not None:
        _model_availability(catalog, model, chosen, vision, as_json)
    else:
        _region_availability(catalog, region or "", chosen, modality, as_json)


def _model_availability(catalog: Catalog, name: str, method: str | None, vision: bool, as_json: bool) -> None:
    from ftops.catalog.views import availability_entries, lifecycle_note, long_region_lists, model_availability

    model = catalog.offered_model(name)
    entries = availability_entries(catalog, model, method, "vision" if vision else None)
    if as_json:
        render.print_json(model_availability(catalog, model, entries))
        return
    render.table(
        f"{model.name} {model.version or ''}: where it can be fine-tuned",
        ["method", "modality", "path", *_REGION_COLUMNS.values()],
        ([e["method"], e["modality"], e["path"], *(_regions_cell(e[k]) for k in _REGION_COLUMNS)] for e in entries),
        caption="training types per path; `--json` for every region and deployment type",
    )
    for label, modality, path, regions in long_region_lists(entries, _REGION_COLUMNS):
        render.line(f"{label} ({modality}, {path}): {render.csv(regions)}")
    if (note := lifecycle_note(model)) is not None:
        render.line(note)
    render.line(f"source: {model.source.document} ({model.source.as_of}); `ftops catalog show` lists all sources")


def _region_availability(catalog: Catalog, region: str, method: str | None, modality: str, as_json: bool) -> None:
    from ftops.catalog.views import known_region, region_rows

    region = known_region(catalog, region)
    rows = region_rows(catalog, region, method, modality)
    if as_json:
        render.print_json({"region": region, "as_of": catalog.as_of, "models": rows})
    elif not rows:
        render.line(f"nothing can be fine-tuned from {region} per the catalog (as of {catalog.as_of}).")
    else:
        render.table(
            f"fine-tuning from {region}",
            ["model", "version", "methods", "modalities", "path", "training types", "status"],
            (_region_cells(r) for r in rows),
            caption=f"catalog as of {catalog.as_of}",
        )


def _regions_cell(regions: list[str]) -> str:
    if not regions:
        return "-"
    return ", ".join(regions) if len(regions) <= 3 else f"{len(regions)} regions"


def _region_cells(row: dict) -> list:
    head = [row["model"], row["version"] or "-", render.csv(row["methods"]), render.csv(row["modalities"])]
    return [*head, row["path"], render.csv(row["training_types"]), row["lifecycle"] or "-"]
