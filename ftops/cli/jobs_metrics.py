"""`ftops jobs show JOB --metrics`: training curves from the job's results.csv.

`metrics_option(app)` adds `--metrics` and `--output` to the `jobs` group's `show` command (keeping every
parameter `show` has), so the curves live here and `jobs_cmd` stays a thin command module.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ftops.cli import render

MetricsOption = Annotated[
    bool, typer.Option("--metrics", help="Training curves from results.csv: checkpoints marked, overfitting flagged.")
]
PictureOption = Annotated[
    Path | None, typer.Option("--output", help="With --metrics: also write FILE.png or FILE.html.", dir_okay=False)
]
HELP = """

With --metrics: loss by step from the job's results.csv, checkpoints marked, and overfitting flagged
(validation loss rising after a step while training loss keeps falling; the step is reported), in at most
100 columns; --json gives the series, --output FILE.png|FILE.html writes a picture.

Example: ftops jobs show ftjob-abc123 --metrics --output curves.png
"""


def show_metrics(ref: Any, output: Path | None, as_json: bool) -> None:
    import shutil

    from ftops.jobs.metrics import job_metrics

    found = job_metrics(ref, columns=shutil.get_terminal_size((100, 24)).columns, output=output)
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


def with_metrics(show: Callable[..., None]) -> Callable[..., None]:
    """`show` with `--metrics` and `--output` added to its parameters."""
    from ftops.cli.options import locate
    from ftops.errors import UsageError

    signature = inspect.signature(show, eval_str=True)

    @functools.wraps(show)
    def command(*args: Any, metrics: bool = False, output: Path | None = None, **kwargs: Any) -> None:
        if not metrics:
            if output is not None:
                raise UsageError("--output goes with --metrics", hint="ftops jobs show JOB --metrics --output FILE.png")
            show(*args, **kwargs)
            return
        ref = locate(kwargs["job"], kwargs.get("stack"), kwargs.get("outputs"))
        show_metrics(ref, output, bool(kwargs.get("as_json")))

    extra = [
        inspect.Parameter("metrics", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=MetricsOption),
        inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=PictureOption),
    ]
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in signature.parameters.values()]
    command.__signature__ = signature.replace(parameters=[*params, *extra])  # type: ignore[attr-defined]
    command.__doc__ = inspect.cleandoc(show.__doc__ or "") + HELP
    return command


def metrics_option(app: typer.Typer) -> None:
    """Give the group's `show` command `--metrics` and `--output`."""
    for info in app.registered_commands:
        if info.name == "show" and info.callback is not None:
            info.callback = with_metrics(info.callback)
