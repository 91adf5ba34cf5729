"""The `ftops` typer app: wires the command modules together and maps errors to exit codes."""

from __future__ import annotations

import sys

import typer

from ftops.cli.lazy import LazyGroup

app = typer.Typer(
    name="ftops",
    cls=LazyGroup,
    help="Stand up Azure AI Foundry fine-tuning environments and run fine-tunes on them.\n\n"
    "Exit codes: 0 ok, 1 user error, 2 usage error, 3 Azure refused, 4 Azure or network failure.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root() -> None:
    """Commands are listed in ftops.cli.lazy.COMMANDS and imported on first use."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, turning ftops errors into a message and an exit code."""
    from ftops.errors import FtopsError

    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, prog_name="ftops")
    except FtopsError as error:
        from ftops.cli.render import show_error

        show_error(error, as_json="--json" in args)
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
