"""`ftops models`: the models ftops can fine-tune, answered from the catalog."""

from __future__ import annotations

from typing import Annotated

import typer

from ftops.cli.options import JsonOption, MethodFilterOption, VisionOption


def models(
    method: MethodFilterOption = None,
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


def _status_cell(view: dict) -> str:
    life = view["lifecycle"] or {}
    status = life.get("status") or "-"
    if life.get("retired"):
        return f"{status} {life['retired']}"
    return status + (" (preview)" if view["preview"] and status != "preview" else "")
