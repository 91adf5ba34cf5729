"""One way out for everything the CLI prints: rich tables on a terminal, JSON with --json.

Machine output (--json) goes to stdout and nothing else does; messages and progress go to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

JSON_HELP = "Print machine-readable JSON on stdout instead of tables."


def _clean(value: Any, limit: int = 20_000) -> str:
    # Text shown on a terminal may carry what a server wrote: no escape sequences, no secrets.
    from ftops.azure.sanitize import clean_text

    return clean_text(value, limit, one_line=False)


def _plain(value: Any) -> Any:
    # Azure's typed replies print as the document Azure sent (ftops.azure.models.WireModel.wire).
    return value.wire() if hasattr(value, "wire") else str(value)


def print_json(data: Any) -> None:
    from ftops.azure.sanitize import clean_tree

    # Round-trip through JSON so typed replies become plain data, then bound and scrub every string.
    plain = json.loads(json.dumps(data, default=_plain))
    sys.stdout.write(json.dumps(clean_tree(plain), indent=2) + "\n")
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
        grid.add_row(*("" if v is None else _clean(v, 1000) for v in row))
    _console().print(grid)


def line(text: str = "") -> None:
    """A line of human output on stdout (never used in --json mode)."""
    _console().print(_clean(text))


def note(text: str) -> None:
    """A message for the person at the terminal; goes to stderr so it never pollutes data."""
    _console(stderr=True).print(_clean(text))


def show_error(error: Any, *, as_json: bool) -> None:
    """Print an FtopsError: one-line cause, the problems, and a hint, on stderr (and JSON on stdout)."""
    from rich.markup import escape

    from ftops.azure.sanitize import clean_text

    console = _console(stderr=True)
    console.print(f"[bold red]error:[/] {escape(clean_text(error.message, 2000))}")
    for problem in error.problems:  # one problem, one line, even in logs
        console.print(f"  - {escape(clean_text(problem, 2000))}", soft_wrap=True)
    if error.hint:
        console.print(f"[yellow]hint:[/] {escape(clean_text(error.hint, 2000))}")
    if as_json:
        print_json(error.to_dict())


def csv(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)


def result(data: Any, *, as_json: bool, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """The one ending of a read command: `data` as JSON with --json, else the table of `rows`."""
    if as_json:
        print_json(data)
    else:
        table(None, columns, rows)
