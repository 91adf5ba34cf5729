"""The `ftops` typer app: wires the command modules together and maps errors to exit codes."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import typer

from ftops.cli.lazy import LazyGroup

app = typer.Typer(
    name="ftops",
    cls=LazyGroup,
    help="Stand up Azure AI Foundry fine-tuning environments and run fine-tunes on them.\n\n"
    "Exit codes: 0 ok, 1 user error, 2 usage error, 3 Azure refused, 4 Azure or network failure, "
    "5 the same launch is running elsewhere, 130 interrupted.\n\n"
    "On every command: -o/--output json|table|tsv|yaml, --query JMESPATH, --subscription ID, "
    "--verbose, --debug, --version.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root() -> None:
    """Commands are listed in ftops.cli.lazy.COMMANDS and imported on first use."""


def _wants_json(args: list[str]) -> bool:
    """--json, -o json or --output json anywhere on the line (also before a usage error is parsed)."""
    from itertools import pairwise

    if "--json" in args or "--output=json" in args or "-ojson" in args or "--query" in args:
        return True
    return any(a in ("-o", "--output") and b == "json" for a, b in pairwise(args))


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, turning every failure into one message and its exit code.

    Exit codes (README, "Exit codes"): 0 ok, 1 user error or a declined prompt, 2 usage error, 3 Azure refused,
    4 Azure or network failure, 5 the same launch is running elsewhere, 130 interrupted (Ctrl-C).
    """
    # typer carries its own click (typer._click); its public names are Abort and TyperException.
    from typer import Abort, TyperException
    from typer._click.exceptions import UsageError as ClickUsageError

    from ftops.cli.conventions import apply, take, version
    from ftops.errors import FtopsError, UsageError, UserError

    args = sys.argv[1:] if argv is None else argv
    as_json = _wants_json(args)
    try:
        args, taken = take(list(args))  # -o/--output, --query, --subscription, --verbose/--debug, --version
    except FtopsError as error:
        _fail(error, as_json)
    if taken.version:
        sys.stdout.write(f"ftops {version()}\n")
        return
    apply(taken)
    as_json = as_json or "--json" in args
    try:
        # standalone_mode=False: click hands its usage errors and aborts to us, so they leave like ours do.
        code = app(args=args, prog_name="ftops", standalone_mode=False)
    except FtopsError as error:
        _fail(error, as_json)
    except Abort as abort:
        if isinstance(abort.__context__, (KeyboardInterrupt, EOFError)):
            _fail(_interrupted(), as_json)
        _fail(UserError("not deleted: answered no at the prompt"), as_json)
    except ClickUsageError as usage:
        if type(usage).__name__ == "NoArgsIsHelpError" and usage.ctx is not None:  # `ftops`, `ftops jobs`: help
            sys.stderr.write(usage.ctx.get_help() + "\n")
            sys.exit(usage.exit_code)
        path = usage.ctx.command_path if usage.ctx is not None else "ftops"
        _fail(UsageError(usage.format_message(), hint=f"see `{path} -h`"), as_json)
    except TyperException as other:
        _fail(UserError(other.format_message()), as_json)
    except Exception as unexpected:  # a path or ledger the core did not check: one line, never a traceback
        translated = _translate(unexpected)
        if translated is None:
            raise
        _fail(translated, as_json)
    if code == 130:
        _fail(_interrupted(), as_json)
    if isinstance(code, int) and not isinstance(code, bool) and code:
        sys.exit(code)


def _translate(error: Exception) -> Exception | None:
    """An OS or SQLite error on the user's own files as a UserError naming the file and the fix; else None."""
    import sqlite3

    from ftops.errors import UserError

    if isinstance(error, sqlite3.DatabaseError):
        from ftops.jobs.ledger import default_path

        return UserError(
            f"the ftops ledger {default_path()} is not readable: {error}",
            hint="move that file aside (it records what was launched from here), or point FTOPS_STATE_DIR elsewhere",
        )
    import os
    from pathlib import Path

    state = os.environ.get("FTOPS_STATE_DIR")
    if isinstance(error, OSError) and state and Path(state).exists() and not Path(state).is_dir():
        return UserError(f"FTOPS_STATE_DIR={state} is a file, not a folder", hint="point FTOPS_STATE_DIR at a folder")
    if isinstance(error, OSError) and error.filename is not None:
        reason = error.strerror or type(error).__name__
        return UserError(
            f"{error.filename}: {reason.lower()}",
            hint="pass a file (not a folder) whose folder exists; FTOPS_STATE_DIR must name a folder",
        )
    return None


def _interrupted() -> Exception:
    from ftops.errors import FtopsError

    error = FtopsError("interrupted", hint="run the same command again: launches and deployments resume")
    error.exit_code, error.kind = 130, "interrupted"
    return error


def _fail(error: Any, as_json: bool) -> NoReturn:
    from ftops.cli.render import show_error

    show_error(error, as_json=as_json)
    sys.exit(error.exit_code)


def run(args: list[str]) -> tuple[int, str, str]:
    """Run ftops in-process and return (exit code, stdout, stderr): for scripts and tests."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return code, out.getvalue(), err.getvalue()


if __name__ == "__main__":
    main()
