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
    return [m.name for m in load_catalog().models if normalize(m.name).startswith(key)]


def complete_region(incomplete: str) -> list[str]:
    from ftops.catalog import load_catalog

    return [r for r in sorted(load_catalog().azure_regions) if r.startswith(incomplete.lower())]


ModelOption = Annotated[
    str | None, typer.Option("--model", "-m", help="Model name, e.g. gpt-4.1-mini.", autocompletion=complete_model)
]
MethodOption = Annotated[
    MethodChoice | None, typer.Option("--method", help="sft (supervised), dpo (preference) or rft (reinforcement).")
]
VisionOption = Annotated[bool, typer.Option("--vision", help="Only image + text (vision) fine-tuning.")]
JsonOption = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def models(method: MethodOption = None, vision: VisionOption = False, as_json: JsonOption = False) -> None:
    """List the models ftops can fine-tune, with methods, modalities, offers and regions.

    Example: ftops models --method dpo --vision
    """
    from ftops.catalog import load_catalog
    from ftops.catalog.views import model_view
    from ftops.cli import render

    catalog = load_catalog()
    found = catalog.filter(method=method.value if method else None, vision=vision)
    views = [model_view(m, catalog) for m in found]
    if as_json:
        render.print_json({"as_of": catalog.as_of, "models": views})
        return
    render.table(
        None,
        ["model", "version", "provider", "methods", "modalities", "offers", "regions", "global", "context"],
        (
            [
                v["name"],
                v["version"],
                v["provider"],
                render.csv(v["methods"]),
                render.csv(v["modalities"]),
                render.csv(v["offers"]),
                _regions_cell(v["standard_regions"]),
                "yes" if v["global_training"] else "no",
                v["training_context_tokens"] or "-",
            ]
            for v in views
        ),
        caption=f"catalog as of {catalog.as_of}; `ftops availability --model M` for details",
    )


def _regions_cell(regions: list[str]) -> str:
    return "-" if not regions else regions[0] if len(regions) == 1 else f"{len(regions)} regions"


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

    Examples:
      ftops availability --model gpt-4.1 --method dpo
      ftops availability --model gpt-4o --vision --json
      ftops availability --region swedencentral
    """
    from ftops.errors import UsageError

    if (model is None) == (region is None):
        raise UsageError("give exactly one of --model or --region", hint="e.g. ftops availability --model gpt-4.1")
    if live:
        from ftops.cli.live import live_availability

        live_availability(
            model=model, region=region, method=method.value if method else None, vision=vision, as_json=as_json
        )
        return
    if model is not None:
        _model_availability(model, method.value if method else None, vision, as_json)
    else:
        _region_availability(region or "", method.value if method else None, vision, as_json)


def _model_availability(name: str, method: str | None, vision: bool, as_json: bool) -> None:
    from ftops.catalog import METHOD_NAMES, load_catalog
    from ftops.catalog.views import where_view
    from ftops.cli import render

    catalog = load_catalog()
    model = catalog.model(name)
    methods = [method] if method else list(model.methods)
    views = [where_view(catalog.where(model, m, "vision" if vision else "text"), catalog) for m in methods]
    if as_json:
        render.print_json(views[0] if method else {"model": model.name, "availability": views})
        return
    for view in views:
        render.table(
            f"{view['model']} {view['version'] or ''} — {METHOD_NAMES[view['method']]}, {view['modality']}",
            ["training type", "where", "regions"],
            [
                ["standard", view["runs_in"], render.csv(view["standard_regions"]) or "-"],
                ["global", "Azure OpenAI / Foundry resource", render.csv(view["global_training_regions"]) or "-"],
            ],
            caption=view["note"],
        )
    render.line(f"source: {model.source.document} (as of {model.source.as_of})")


def _region_availability(region: str, method: str | None, vision: bool, as_json: bool) -> None:
    from ftops.catalog import load_catalog
    from ftops.cli import render
    from ftops.errors import UserError

    catalog = load_catalog()
    region = region.lower()
    if region not in catalog.azure_regions:
        near = catalog.suggest_region(region)
        raise UserError(
            f"unknown Azure region '{region}'",
            hint=f"did you mean {' or '.join(near)}?" if near else "use an ARM location id such as swedencentral",
        )
    rows = [
        {
            "model": model.name,
            "version": model.version,
            "methods": list(model.methods),
            "modalities": list(model.modalities),
            "training_types": list(types),
            "offers": list(model.offers),
        }
        for model, types in catalog.trainable_in(region, method=method, modality="vision" if vision else "text")
    ]
    if as_json:
        render.print_json({"region": region, "as_of": catalog.as_of, "models": rows})
        return
    if not rows:
        render.line(f"nothing can be fine-tuned from {region} per the catalog (as of {catalog.as_of}).")
        return
    render.table(
        f"fine-tuning from {region}",
        ["model", "version", "methods", "modalities", "training types", "offers"],
        (
            [
                r["model"],
                r["version"],
                render.csv(r["methods"]),
                render.csv(r["modalities"]),
                render.csv(r["training_types"]),
                render.csv(r["offers"]),
            ]
            for r in rows
        ),
        caption=f"catalog as of {catalog.as_of}",
    )
