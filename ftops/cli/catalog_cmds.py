"""`ftops models` and `ftops availability`: questions answered from the catalog (and live ARM)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ftops.cli.render import JSON_HELP


class MethodChoice(StrEnum):
    sft = "sft"
    dpo = "dpo"
    rft = "rft"


def complete_model(incomplete: str) -> list[str]:
    from ftops.catalog import load_catalog, normalize

    key = normalize(incomplete)
    return [m.name for m in load_catalog().offered_models() if normalize(m.name).startswith(key)]


def complete_region(incomplete: str) -> list[str]:
    from ftops.catalog import load_catalog

    return [r for r in sorted(load_catalog().azure_regions) if r.startswith(incomplete.lower())]


ModelOption = Annotated[
    str | None, typer.Option("--model", "-m", help="Model name, e.g. gpt-4.1-mini.", autocompletion=complete_model)
]
MethodOption = Annotated[
    MethodChoice | None,
    typer.Option("--method", help="sft (supervised), dpo (preference) or rft (reinforcement).", case_sensitive=False),
]
VisionOption = Annotated[bool, typer.Option("--vision", help="Only image + text (vision) fine-tuning.")]
JsonOption = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def models(
    method: MethodOption = None,
    vision: VisionOption = False,
    show_all: Annotated[bool, typer.Option("--all", help="Also list retired models (never offered).")] = False,
    as_json: JsonOption = False,
) -> None:
    """List the models ftops can fine-tune, with methods, modalities, offers and regions.

    \b
    Examples:
      ftops models --method dpo --vision
      ftops models --all --json
    """
    from ftops.catalog import load_catalog
    from ftops.catalog.views import model_view
    from ftops.cli import render

    catalog = load_catalog()
    found = catalog.filter(method=method.value if method else None, vision=vision, include_retired=show_all)
    views = [model_view(m, catalog) for m in found]
    if as_json:
        render.print_json({"as_of": catalog.as_of, "models": views})
        return
    render.table(
        None,
        ["model", "version", "provider", "methods", "modalities", "paths", "training types", "status", "context"],
        (
            [
                v["name"],
                v["version"] or "-",
                v["provider"],
                render.csv(v["methods"]),
                render.csv(v["modalities"]),
                render.csv(v["paths"]),
                render.csv(v["training_types"]) or "-",
                _status_cell(v),
                v["training_context_tokens"] or "-",
            ]
            for v in views
        ),
        caption=f"catalog as of {catalog.as_of}; `ftops availability --model M` for regions"
        + ("" if show_all else "; retired models: --all"),
    )


def _regions_cell(regions: list[str]) -> str:
    if not regions:
        return "-"
    return ", ".join(regions) if len(regions) <= 3 else f"{len(regions)} regions"


def _status_cell(view: dict) -> str:
    life = view["lifecycle"] or {}
    status = life.get("status") or "-"
    if life.get("retired"):
        return f"{status} {life['retired']}"
    return status + (" (preview)" if view["preview"] and status != "preview" else "")


def availability(
    model: ModelOption = None,
    region: Annotated[
        str | None,
        typer.Option("--region", "-r", help="Azure region, e.g. swedencentral.", autocompletion=complete_region),
    ] = None,
    method: MethodOption = None,
    vision: VisionOption = False,
    live: Annotated[
        bool, typer.Option("--live", help="Ask Azure Resource Manager too (needs credentials or the emulator).")
    ] = False,
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
    from ftops.errors import UsageError

    if model is None and region is None:
        raise UsageError("give --model, --region or both", hint="e.g. ftops availability --model gpt-4.1")
    chosen = method.value if method else None
    if live:
        if model is not None and region is not None:
            raise UsageError("--live takes --model or --region, not both", hint="drop one of them")
        from ftops.cli.live import live_availability

        live_availability(model=model, region=region, method=chosen, vision=vision, as_json=as_json)
        return
    if model is not None and region is not None:
        _model_in_region(model, region, chosen, vision, as_json)
    elif model is not None:
        _model_availability(model, chosen, vision, as_json)
    else:
        _region_availability(region or "", chosen, vision, as_json)


def _known_region(region: str) -> str:
    from ftops.catalog import load_catalog
    from ftops.errors import UserError

    catalog = load_catalog()
    region = region.lower()
    if region not in catalog.azure_regions:
        near = catalog.suggest_region(region)
        raise UserError(
            f"unknown Azure region '{region}'",
            hint=f"did you mean {' or '.join(near)}?" if near else "use an ARM location id such as swedencentral",
        )
    return region


def _model_availability(name: str, method: str | None, vision: bool, as_json: bool) -> None:
    from ftops.catalog import load_catalog
    from ftops.catalog.views import availability_entries, lifecycle_view
    from ftops.cli import render

    catalog = load_catalog()
    model = catalog.offered_model(name)
    entries = availability_entries(catalog, model, method, "vision" if vision else None)
    if as_json:
        render.print_json(
            {
                "model": model.name,
                "version": model.version,
                "lifecycle": lifecycle_view(model),
                "as_of": catalog.as_of,
                "availability": entries,
            }
        )
        return
    keys = ("standard_regions", "data_zone_regions", "global_training_regions", "developer_regions")
    render.table(
        f"{model.name} {model.version or ''}: where it can be fine-tuned",
        ["method", "modality", "path", "standard", "data zone", "global", "developer"],
        ([e["method"], e["modality"], e["path"], *(_regions_cell(e[k]) for k in keys)] for e in entries),
        caption="training types per path; `--json` for every region and deployment type",
    )
    listed: set[tuple[str, ...]] = set()
    for entry in entries:
        for key, label in zip(keys, ("standard", "data zone", "global", "developer"), strict=True):
            regions = tuple(entry[key])
            if len(regions) > 3 and regions not in listed:
                listed.add(regions)
                render.line(f"{label} ({entry['modality']}, {entry['path']}): {render.csv(regions)}")
    life = model.lifecycle
    if life is not None and life.status != "ga":
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
        render.line(f"lifecycle: {life.status}" + (f" ({dates})" if dates else ""))
    render.line(f"source: {model.source.document} ({model.source.as_of}); `ftops catalog show` lists all sources")


def _model_in_region(name: str, region: str, method: str | None, vision: bool, as_json: bool) -> None:
    from ftops.catalog import load_catalog
    from ftops.catalog.views import region_answer
    from ftops.cli import render
    from ftops.errors import NotAvailableError

    catalog = load_catalog()
    region = _known_region(region)
    model = catalog.offered_model(name)
    modality = "vision" if vision else "text"
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
    if as_json:
        render.print_json(answer)
        return
    for way in answer["ways"]:
        render.line(
            f"{model.name} can be fine-tuned from {region}: {', '.join(way['training_types'])} training, "
            f"on a {way['runs_in']}"
        )


def _region_availability(region: str, method: str | None, vision: bool, as_json: bool) -> None:
    from ftops.catalog import load_catalog
    from ftops.catalog.views import region_rows
    from ftops.cli import render

    catalog = load_catalog()
    region = _known_region(region)
    rows = region_rows(catalog, region, method, "vision" if vision else "text")
    if as_json:
        render.print_json({"region": region, "as_of": catalog.as_of, "models": rows})
        return
    if not rows:
        render.line(f"nothing can be fine-tuned from {region} per the catalog (as of {catalog.as_of}).")
        return
    render.table(
        f"fine-tuning from {region}",
        ["model", "version", "methods", "modalities", "path", "training types", "status"],
        (
            [
                r["model"],
                r["version"] or "-",
                render.csv(r["methods"]),
                render.csv(r["modalities"]),
                r["path"],
                render.csv(r["training_types"]),
                r["lifecycle"] or "-",
            ]
            for r in rows
        ),
        caption=f"catalog as of {catalog.as_of}",
    )
