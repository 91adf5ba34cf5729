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


def print_json(data: Any, *, query: bool = True) -> None:
    from ftops.azure.sanitize import clean_tree

    # Round-trip through JSON so typed replies become plain data, then bound and scrub every string.
    from ftops.cli.conventions import write

    plain = json.loads(json.dumps(data, default=_plain))
    sys.stdout.write(write(clean_tree(plain), query=query))  # JSON, or -o yaml|tsv, after --query
    sys.stdout.flush()


def _console(stderr: bool = False):
    import os

    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        # Piped without COLUMNS: nothing is folded (a log keeps whole lines); COLUMNS, when set, wins.
        console.width = 1000
    return console


def _widths(header: Sequence[str], rows: list[list[str]], room: int) -> tuple[list[int], list[int]]:
    """Column widths that fit `room` without folding a token, and the columns kept (secondary ones dropped).

    A token (an id, an account or model name, a word) is never cut: each column is at least as wide as
    its longest token; text wraps between tokens. When even that does not fit, columns are dropped from
    the right, the first one (what a row is about) always kept.
    """
    from rich.cells import cell_len

    def tokens(i: int) -> int:
        return max(cell_len(t) for v in [header[i], *(r[i] for r in rows)] for t in (v.split() or [""]))

    def natural(i: int) -> int:
        return max(cell_len(part) for v in [header[i], *(r[i] for r in rows)] for part in (v.splitlines() or [""]))

    kept = list(range(len(header)))
    least = {i: tokens(i) for i in kept}
    most = {i: max(natural(i), least[i]) for i in kept}

    def space() -> int:  # what the borders and padding leave: 3 per column and one more
        return room - (3 * len(kept) + 1)

    while len(kept) > 1 and sum(least[i] for i in kept) > space():
        kept.pop()
    widths = {i: least[i] for i in kept}
    spare = space() - sum(widths.values())
    while spare > 0:  # share what is left with the columns that would wrap, one cell at a time
        wanting = [i for i in kept if widths[i] < most[i]]
        if not wanting:
            break
        for i in wanting[:spare]:
            widths[i] += 1
        spare = space() - sum(widths.values())
    return [widths[i] for i in kept], kept


def table(
    title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, caption: str | None = None
) -> None:
    """A table that never folds an identifier: it narrows wrapping columns, then drops trailing ones."""
    from rich.markup import escape
    from rich.table import Table

    cells = [["" if v is None else _clean(v, 1000) for v in row] for row in rows]
    console = _console()
    widths, kept = _widths(list(columns), cells, console.width)
    grid = Table(title=title, caption=caption, show_lines=False, title_justify="left", caption_justify="left")
    for width, i in zip(widths, kept, strict=True):
        grid.add_column(columns[i], width=width, overflow="fold")
    for row in cells:
        grid.add_row(*(escape(row[i]) for i in kept))
    console.print(grid)
    if len(kept) < len(columns):
        dropped = ", ".join(c for i, c in enumerate(columns) if i not in kept)
        note(f"(not shown at {console.width} columns: {dropped}; widen the terminal or use --json)")


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
    # soft_wrap: an error is one line (a URL or an id in it is never cut); the terminal wraps it if it must.
    console.print(f"[bold red]error:[/] {escape(clean_text(error.message, 2000))}", soft_wrap=True)
    for problem in error.problems:  # one problem, one line, even in logs
        console.print(f"  - {escape(clean_text(problem, 2000))}", soft_wrap=True)
    if error.hint:
        console.print(f"[yellow]hint:[/] {escape(clean_text(error.hint, 2000))}", soft_wrap=True)
    if as_json:
        print_json(error.to_dict(), query=False)  # an error document is never filtered away


def data_warnings(dataset: dict | None) -> None:
    """A validation summary's `warning_list`, one line each on stderr, as `ftops data validate` shows them."""
    for warning in (dataset or {}).get("warning_list", []):
        note(f"[yellow]warning:[/] {warning['file']}: {warning['message']} ({warning['fix']})")


def csv(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)


def result(data: Any, *, as_json: bool, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """The one ending of a read command: `data` as JSON with --json, else the table of `rows`."""
    if as_json:
        print_json(data)
    else:
        table(None, columns, rows)
