"""Options shared by several commands, defined once so their names and help never drift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ftops.cli.render import JSON_HELP

JsonOption = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
StackOption = Annotated[
    str | None,
    typer.Option("--stack", "-s", help="Pulumi stack whose outputs name the resources (pulumi stack output --json)."),
]
OutputsOption = Annotated[
    Path | None,
    typer.Option("--outputs", help="Read stack outputs from this JSON file instead of running pulumi.", exists=False),
]
