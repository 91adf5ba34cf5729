"""`ftops files list|delete|prune|import`: the fine-tuning files on a stack's accounts (core: ftops.jobs.files)."""

from __future__ import annotations

from typing import Annotated

import typer

from ftops.cli.options import JsonOption, OutputsOption, StackOption

app = typer.Typer(help="List, delete and prune fine-tuning files on the accounts.", no_args_is_help=True)
RegionOption = Annotated[str | None, typer.Option("--region", help="Only the account in this region.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")]


def _confirm(question: str, yes: bool) -> None:
    import sys

    from ftops.errors import UsageError

    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(f"{question} needs confirmation", hint="pass --yes (or --dry-run to look first)")
        typer.confirm(f"{question}?", abort=True)


@app.command("list")
def list_cmd(
    stack: StackOption = None, outputs: OutputsOption = None, region: RegionOption = None, as_json: JsonOption = False
) -> None:
    """Files on the stack's accounts, with the launches and jobs that still need each one.

    Example: ftops files list --stack dev
    """
    from ftops.cli import render
    from ftops.jobs.files import COLUMNS, cells, stack_files, stack_outputs

    rows = stack_files(stack_outputs(stack, outputs), region)
    data = {"files": [r.to_dict() for r in rows], "count": len(rows), "bytes": sum(r.bytes for r in rows)}
    render.result(data, as_json=as_json, columns=COLUMNS, rows=cells(rows))


@app.command("delete")
def delete_cmd(
    file_id: Annotated[str, typer.Argument(help="File id (file-...).")],
    stack: StackOption = None,
    outputs: OutputsOption = None,
    region: RegionOption = None,
    force: Annotated[bool, typer.Option("--force", help="Delete even if a launch or job needs it.")] = False,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Delete one file (asks first; --yes for scripts); refused while a launch or job needs it.

    Example: ftops files delete file-0123abcd --stack dev --yes
    """
    from ftops.azure.names import SERVICE_ID, check
    from ftops.cli import render
    from ftops.jobs.files import delete_in_stack, stack_outputs

    check(file_id, SERVICE_ID)
    found = stack_outputs(stack, outputs)
    _confirm(f"deleting file {file_id}", yes)
    row = delete_in_stack(found, file_id, region=region, force=force)
    render.print_json({"deleted": row.to_dict()}) if as_json else render.line(f"deleted {file_id} on {row.account}")


@app.command("prune")
def prune_cmd(
    stack: StackOption = None,
    outputs: OutputsOption = None,
    region: RegionOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would be deleted.")] = False,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Delete the files no unfinished launch needs and no job references (asks first; --dry-run to look).

    Example: ftops files prune --stack dev --dry-run
    """
    from ftops.cli import render
    from ftops.jobs.files import COLUMNS, cells, delete_rows, prunable, stack_files, stack_outputs

    found = stack_outputs(stack, outputs)
    rows = prunable(stack_files(found, region))
    freed = sum(r.bytes for r in rows)
    if not (dry_run or not rows):
        _confirm(f"deleting {len(rows)} file(s), {freed:,} bytes", yes)
        rows = delete_rows(found, rows)
    verb = "would delete" if dry_run else "deleted"
    data = {"dry_run": dry_run, "files": [r.to_dict() for r in rows], "bytes": freed}
    render.result(data, as_json=as_json, columns=COLUMNS, rows=cells(rows))
    if not as_json:
        render.line(f"{verb} {len(rows)} file(s), {freed:,} bytes" if rows else "nothing to prune")


@app.command("import")
def import_cmd(
    from_blob: Annotated[str, typer.Option("--from-blob", help="Blob (SAS) URL the service downloads the file from.")],
    filename: Annotated[str, typer.Option("--filename", help="Name of the file on the service.")],
    stack: StackOption = None,
    outputs: OutputsOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a file from a blob URL through `/files/import` (once: a file of that name is reused).

    Example: ftops files import --from-blob 'https://acct.blob.core.windows.net/d/t.jsonl?sv=...' --filename t.jsonl
    """
    from ftops.cli import render
    from ftops.jobs.files import import_in_stack, stack_outputs

    made = import_in_stack(stack_outputs(stack, outputs), from_blob, filename=filename, region=region)
    render.print_json(made) if as_json else render.line(f"imported {made['file']['id']} on {made['account']}")
