"""`ftops catalog`: the sources behind every answer, and a refresh against Microsoft's published tables."""

from __future__ import annotations

from typing import Annotated

import typer

from ftops.cli.render import JSON_HELP

app = typer.Typer(
    no_args_is_help=True, help="The fine-tuning catalog: its sources, and a refresh from Microsoft's docs."
)

JsonOption = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


@app.command()
def show(as_json: JsonOption = False) -> None:
    """Print the sources (repository, path, commit, page date) and choices behind the catalog.

    Example: ftops catalog show --json
    """
    from ftops.catalog import load_catalog
    from ftops.catalog.views import catalog_description
    from ftops.cli import render

    data = catalog_description(load_catalog())
    if as_json:
        render.print_json(data)
        return
    render.table(
        f"catalog as of {data['as_of']}: sources",
        ["key", "date", "repository", "path", "commit"],
        (
            [s["key"], s["date"], s["repo"] or "-", s["path"] or s["document"], (s["commit"] or "-")[:12]]
            for s in data["sources"]
        ),
    )
    render.table(
        "where sources disagree or say nothing: the choice made",
        ["topic", "choice", "why"],
        ([c["topic"], c["choice"], c["why"]] for c in data["choices"]),
    )
    render.table(
        f"limits (published {data['limits']['version']})",
        ["limit", "value", "scope", "applies to", "source"],
        ([e["name"], e["value"], e["scope"], e["applies_to"] or "-", e["source"]] for e in data["limits"]["entries"]),
    )


@app.command()
def refresh(
    docs: Annotated[
        str,
        typer.Option(
            "--docs",
            help="A MicrosoftDocs/azure-ai-docs checkout (folder holding articles/) or a raw base URL.",
        ),
    ],
    write: Annotated[
        bool, typer.Option("--write", help="Update the bundled catalog's tables with what was read.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Compare Microsoft's fine-tuning tables with the bundled catalog and print the differences.

    \b
    Examples:
      ftops catalog refresh --docs ~/src/azure-ai-docs
      ftops catalog refresh --docs https://raw.githubusercontent.com/MicrosoftDocs/azure-ai-docs/main --write
    """
    from ftops.catalog.refresh import refresh as run_refresh
    from ftops.cli import render

    result = run_refresh(docs, write=write)
    if as_json:
        render.print_json(result.to_dict())
        return
    if not result.changes:
        render.line(f"no differences: the bundled catalog matches {docs}")
        return
    render.table(
        f"{len(result.changes)} difference(s) between the bundled catalog and {docs}",
        ["page", "row", "change"],
        ([c.page, c.subject, c.detail] for c in result.changes),
    )
    if result.written:
        render.line(f"wrote {result.written}; review it with `git diff` and run the tests")
    else:
        render.note("nothing written; add --write to update the bundled tables")
