"""`ftops jobs metrics JOB`: training curves from the job's results.csv (registered on the `jobs` group)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ftops.cli import render
from ftops.cli.options import JobArgument, JsonOption, OutputsOption, StackOption, locate


def metrics(
    job: JobArgument,
    output: Annotated[
        Path | None, typer.Option("--output", help="Also write the curves to FILE.png or FILE.html.", dir_okay=False)
    ] = None,
    stack: StackOption = None,
    outputs: OutputsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Training curves (loss by step) with checkpoints marked and overfitting flagged, from results.csv.

    Overfitting: validation loss rising after a step while training loss keeps falling; the step is
    reported. `--json` gives the series. The chart fits the terminal, at most 100 columns.

    Example: ftops jobs metrics ftjob-abc123 --output curves.png
    """
    import shutil

    from ftops.jobs.metrics import job_metrics

    columns = shutil.get_terminal_size((100, 24)).columns
    found = job_metrics(locate(job, stack, outputs), columns=columns, output=output)
    if as_json:
        render.print_json({k: v for k, v in found.items() if k != "chart"})
        return
    print(found["chart"])  # plain text: rich would re-wrap the chart's box drawing
    flagged = found["overfitting"]
    if flagged:
        render.line(f"[yellow]overfitting:[/] {flagged['message']}")
        render.line(f"  hint: {flagged['hint']}")
    else:
        render.line("no overfitting seen: validation loss did not turn up while training loss fell")
    if "output" in found:
        render.line(f"wrote {found['output']}")
