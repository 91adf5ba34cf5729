"""One way out for everything the CLI prints: rich tables on a terminal, JSON with --json.

Machine output (--json) goes to stdout and nothing else does; messages and progress go to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

JSON_HELP = "Print machine-readable JSON on stdout instead of tables."


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def _console(stderr: bool = False):
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        # Piped output is read in logs and files: do not fold tables at 80 columns.
        console.width = 160
    return console


def table(
    title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, caption: str | None = None
) -> None:
    from rich.table import Table

    grid = Table(title=title, caption=caption, show_lines=False, title_justify="left", caption_justify="left")
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*("" if v is None else str(v) for v in row))
    _console().print(grid)


def line(text: str = "") -> None:
    """A line of human output on stdout (never used in --json mode)."""
    _console().print(text)


def note(text: str) -> None:
    """A message for the person at the terminal; goes to stderr so it never pollutes data."""
    _console(stderr=True).print(text)


def show_error(error: Any, *, as_json: bool) -> None:
    """Print an FtopsError: one-line cause, the problems, and a hint, on stderr (and JSON on stdout)."""
    from rich.markup import escape

    console = _console(stderr=True)
    console.print(f"[bold red]error:[/] {escape(error.message)}")
    for problem in error.problems:
        console.print(f"  - {escape(str(problem))}", soft_wrap=True)  # one problem, one line, even in logs
    if error.hint:
        console.print(f"[yellow]hint:[/] {escape(error.hint)}")
    if as_json:
        print_json(error.to_dict())


def csv(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)
