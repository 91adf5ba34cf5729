"""`ftops data validate`: catch dataset problems locally, in seconds, before any upload."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ftops.cli.options import (
    JsonOption,
    MethodChoice,
    OutputsOption,
    StackOption,
    complete_model,
    validate_with_progress,
)

if TYPE_CHECKING:
    from ftops.data import ValidationReport

app = typer.Typer(help="Check training data before money is spent.", no_args_is_help=True)


@app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="Training data (JSONL).", dir_okay=False)],
    method: Annotated[MethodChoice, typer.Option("--method", help="sft, dpo or rft.", case_sensitive=False)],
    model: Annotated[str, typer.Option("--model", "-m", help="Base model.", autocompletion=complete_model)],
    validation: Annotated[Path | None, typer.Option("--validation", help="Validation data (JSONL).")] = None,
    grader: Annotated[Path | None, typer.Option("--grader", help="RFT grader (JSON file).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Validate a dataset for a method and model: format, sizes, tokens, duplicates; exit 1 on errors.

    Streams the file, so gigabyte files use little memory. Each problem names the line, the JSON path,
    what is wrong and how to fix it; repeated problems are listed up to 10 times and counted. Tokens are
    exact (the model's own vocabulary, offline) where ftops ships it, else a labelled estimate.

    Example: ftops data validate train.jsonl --method sft --model gpt-4.1-mini --validation valid.jsonl
    """
    from ftops.cli import render
    from ftops.data.grader import read_grader

    report = validate_with_progress(file, method.value, model, validation, read_grader(grader), as_json)
    if as_json:
        render.print_json(report.to_dict())
    else:
        _render(report)
    if not report.ok:
        raise typer.Exit(1)


@app.command("grader-run")
def grader_run(
    grader: Annotated[Path, typer.Argument(help="RFT grader (JSON file).", dir_okay=False)],
    sample: Annotated[Path, typer.Argument(help="Rows to grade (JSONL; model_sample or the last assistant turn).")],
    stack: StackOption = None,
    outputs: OutputsOption = None,
    region: Annotated[str | None, typer.Option("--region", help="The stack's account in this region.")] = None,
    rows: Annotated[int, typer.Option("--rows", min=1, max=20, help="How many rows to try.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Try a grader on a few rows through the service (graders/validate, then graders/run, preview).

    Example: ftops data grader-run grader.json valid.jsonl --stack dev --rows 3
    """
    from ftops.cli import render
    from ftops.jobs.graders import grader_run_in_stack

    found = grader_run_in_stack(grader, sample, stack, outputs, region, rows)
    columns = ["row", "reward", "errors"]
    cells = ([r["row"], r["reward"], "; ".join(r["errors"]) or "-"] for r in found)
    render.result({"results": found}, as_json=as_json, columns=columns, rows=cells)


def _render(report: ValidationReport) -> None:
    from ftops.cli import render

    rows = []
    for part in filter(None, (report.train, report.validation)):
        average = part.tokens_total // part.examples if part.examples else 0
        rows.append(
            [
                part.role,
                Path(part.file).name,
                f"{part.examples:,}",
                f"{part.bytes:,}",
                f"{part.tokens_total:,}",
                f"{average:,}",
                f"{part.tokens_max:,}",
                part.images,
                part.duplicates,
            ]
        )
    render.table(
        f"{report.model} {report.method}; tokens: {report.token_counting}",
        ["file", "name", "examples", "bytes", "tokens", "avg", "max", "images", "dupes"],
        rows,
    )
    if report.problems:
        render.table(
            None, ["", "where", "problem", "fix"], ([p.severity, p.where, p.message, p.fix] for p in report.problems)
        )
    for code, count in report.log.omitted().items():
        render.line(f"  … and {count} more '{code}' problem(s)")
    for note in report.notes:
        render.line(f"  note: {note}")
    if not report.ok:
        verdict = f"[red]✗ {report.log.error_count} error(s)[/]"
    else:
        verdict = "[green]✓ valid data[/]" if report.notes else "[green]✓ ready to launch[/]"
    render.line(f"{verdict}, {report.log.warning_count} warning(s)")
