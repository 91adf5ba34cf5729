"""The options Azure users bring from the az CLI, taken off the command line before typer parses it.

`-o/--output json|table|tsv|yaml`, `--query JMESPATH`, `--subscription ID`, `--verbose`, `--debug` and
`--version` work on every command, in any position, the way `az` takes them. A machine format turns on the
command's own `--json` (every command has it), and `render.print_json` then writes that one document in the
chosen format after `--query`. `--output FILE` of `ftops jobs show --metrics` is left alone (only the four
format names are taken), and so is `ftops plan --subscription` (its own option).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

FORMATS = ("json", "table", "tsv", "yaml")


@dataclass
class Conventions:
    output: str | None = None  # one of FORMATS, when given
    query: str | None = None
    verbose: bool = False
    debug: bool = False
    version: bool = False


CURRENT = Conventions()  # what this process was asked for (render reads it)


def take(args: list[str]) -> tuple[list[str], Conventions]:
    """(the arguments typer still has to parse, the conventions taken out of them)."""
    from ftops.errors import UsageError

    taken = Conventions()
    rest: list[str] = []
    command = next((a for a in args if not a.startswith("-")), "")
    i = 0
    while i < len(args):
        arg = args[i]
        name, _, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        value = inline or (args[i + 1] if i + 1 < len(args) else None)
        step = 1 if inline else 2
        if arg == "--":
            rest.extend(args[i:])
            break
        if name in ("-o", "--output") and value in FORMATS:
            taken.output = value
        elif name == "-o" or (name == "--output" and value is None):
            raise UsageError(f"-o/--output takes one of {', '.join(FORMATS)}", hint="e.g. -o json")
        elif name == "--query":
            if value is None:
                raise UsageError("--query needs a JMESPath expression", hint="e.g. --query 'jobs[].job_id'")
            taken.query = _compiled(value)
        elif name == "--subscription" and command != "plan":
            if value is None:
                raise UsageError(
                    "--subscription needs a subscription id",
                    hint="e.g. --subscription $(az account show --query id -o tsv)",
                )
            os.environ["AZURE_SUBSCRIPTION_ID"] = value  # read by ftops.azure.settings.subscription_id
        elif arg in ("--verbose", "--debug", "--version"):
            setattr(taken, arg[2:], True)
            step = 1
        else:
            rest.append(arg)
            step = 1
        i += step
    if taken.query and taken.output is None:
        taken.output = "json"  # a query answers with data: JSON unless table, tsv or yaml was asked
    # `-o table` alone keeps the command's own tables; with --query the queried data is drawn as a table.
    data_wanted = taken.output in ("json", "tsv", "yaml") or (taken.output == "table" and taken.query)
    if data_wanted and "--json" not in rest and not taken.version:
        rest = _with_json(rest)
    return rest, taken


def _compiled(expression: str) -> str:
    """The expression, checked before any work is done (a typo must not cost a sweep of every region)."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    from ftops.errors import UsageError

    try:
        jmespath.compile(expression)
    except JMESPathError as error:
        reason = " ".join(str(error).split())
        raise UsageError(f"--query is not valid JMESPath: {reason}", hint="see https://jmespath.org") from None
    return expression


def _with_json(args: list[str]) -> list[str]:
    # --json belongs to the command, so it goes before any `--` that ends the options
    if "--" in args:
        at = args.index("--")
        return [*args[:at], "--json", *args[at:]]
    return [*args, "--json"]


def apply(taken: Conventions) -> None:
    """Make the conventions take effect for this process: logging for --verbose/--debug."""
    CURRENT.__dict__.update(taken.__dict__)
    if taken.verbose or taken.debug:
        import logging

        # The transport logs each request (method, URL, status, request id, time) to `ftops.azure`;
        # headers and bodies are never logged, so no token or key can appear (ftops.azure.transport).
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger = logging.getLogger("ftops.azure")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if taken.debug else logging.INFO)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("ftops")
    except PackageNotFoundError:
        return "unknown"


def write(document: object, *, query: bool = True) -> str:
    """`document` (plain JSON data) after --query (unless `query` is False: errors), in the chosen format."""
    import json

    if CURRENT.query and query:
        import jmespath

        document = jmespath.search(CURRENT.query, document)
    if CURRENT.output == "yaml":
        import yaml

        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    if CURRENT.output == "tsv":
        return _tsv(document)
    if CURRENT.output == "table" and CURRENT.query and query:
        return _table(document)
    return json.dumps(document, indent=2) + "\n"


def _rows(document: object) -> list[object]:
    """The rows a document stands for, as az reads them: a list's items, the one list of an object, or itself."""
    if isinstance(document, dict):
        lists = [v for v in document.values() if isinstance(v, list)]
        document = lists[0] if len(lists) == 1 else [document]
    return document if isinstance(document, list) else [document]


def _cell(value: object) -> str:
    import json

    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value).replace("\t", " ").replace("\n", " ")


def _table(document: object) -> str:
    """Like az's `-o table` after `--query`: a column per key of the rows (first seen first), `Result` for scalars."""
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    rows = _rows(document)
    columns: list[str] = []
    for row in rows:
        for key in row if isinstance(row, dict) else ["Result"]:
            if key not in columns:
                columns.append(key)
    table = Table(*columns, box=None, header_style="bold", pad_edge=False)
    for row in rows:
        values = row if isinstance(row, dict) else {"Result": row}
        table.add_row(*(_cell(values.get(column)) for column in columns))
    out = StringIO()
    Console(file=out, width=200, color_system=None, soft_wrap=True).print(table)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())


def _tsv(document: object) -> str:
    """Like az's tsv: one row per list item, values only (nested values as JSON), no header."""
    rows = _rows(document)
    lines = ["\t".join(_cell(v) for v in row.values()) if isinstance(row, dict) else _cell(row) for row in rows]
    return "".join(line + "\n" for line in lines)
