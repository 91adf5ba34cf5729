"""Training curves from a job's results file, overfitting flagged, drawn in the terminal or to a file.

Azure attaches `results.csv` to a finished fine-tuning job: a header and a row per training step with
`step`, `train_loss`, `train_mean_token_accuracy`, `valid_loss`, `validation_mean_token_accuracy`,
`full_valid_loss`, `full_valid_mean_token_accuracy` (Microsoft's fine-tuning docs; validation columns are
empty without validation data or between evaluations). Overfitting is Microsoft's rule of thumb ("if your
training and validation data diverge, you might be overfitting"): after the step where validation loss is
lowest, it rises persistently while training loss keeps falling; that step is reported.

The chart is plotext (small, pure Python, no dependencies) and never wider than 100 columns; a picture
(`.png`, or `.html` holding an SVG) is matplotlib, an optional extra (`pip install 'ftops[plots]'`).
Both are imported only when drawing, never on the CLI's start-up path.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftops.errors import UsageError, UserError

MAX_COLUMNS = 100
CHART_ROWS = 20
RISE = 0.02  # validation loss this far (relative) above its minimum counts as risen, not noise
COLUMNS = (
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "validation_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
)


@dataclass
class Curves:
    """The series of a results file, by column; None where the file left a cell empty."""

    steps: list[int] = field(default_factory=list)
    series: dict[str, list[float | None]] = field(default_factory=dict)

    def points(self, column: str) -> tuple[list[int], list[float]]:
        pairs = [(s, v) for s, v in zip(self.steps, self.series.get(column, []), strict=False) if v is not None]
        return [s for s, _ in pairs], [v for _, v in pairs]


def _number(cell: str | None) -> float | None:
    try:
        return float(cell) if cell not in (None, "") else None
    except ValueError:
        return None


def parse_results(content: bytes) -> Curves:
    """`results.csv` as series; a file without a `step` column is refused with what it has instead."""
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig", "replace")))
    header = [h.strip() for h in reader.fieldnames or []]
    if "step" not in header:
        raise UserError(
            f"the results file has no step column (columns: {', '.join(header) or 'none'})",
            hint="it should be the job's results.csv (`ftops jobs show JOB` lists result_files)",
        )
    curves = Curves(series={c: [] for c in COLUMNS if c in header})
    for row in reader:
        step = _number((row.get("step") or "").strip())
        if step is None:
            continue
        curves.steps.append(int(step))
        for column in curves.series:
            curves.series[column].append(_number(row.get(column)))
    return curves


def _smooth(values: list[float], window: int) -> list[float]:
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value - (values[i - window] if i >= window else 0.0)
        out.append(total / min(i + 1, window))
    return out


def overfitting(curves: Curves) -> dict[str, Any] | None:
    """Where validation loss turned up while training loss kept falling, or None."""
    column = "full_valid_loss" if len(curves.points("full_valid_loss")[0]) >= 3 else "valid_loss"
    steps, valid = curves.points(column)
    if len(steps) < 3:
        return None
    window = max(1, len(valid) // 20)  # batch validation loss is noisy; a short moving mean steadies it
    smooth = _smooth(valid, window)
    near = min(range(len(smooth)), key=smooth.__getitem__)
    span = range(max(0, near - window), min(len(valid), near + window + 1))
    low = min(span, key=valid.__getitem__)  # the lowest reading where the smoothed curve bottoms out
    tail = smooth[low + 1 :]
    if not tail or min(tail[len(tail) // 2 :]) <= smooth[low] * (1 + RISE):
        return None  # no persistent rise: the second half after the minimum must stay above it
    train_steps, train = curves.points("train_loss")
    before = [v for s, v in zip(train_steps, train, strict=True) if s <= steps[low]]
    after = [v for s, v in zip(train_steps, train, strict=True) if s > steps[low]]
    if not before or not after or min(after) >= before[-1]:
        return None  # training loss did not fall either: not the divergence that means overfitting
    return {
        "step": steps[low],
        "column": column,
        "lowest_validation_loss": round(valid[low], 6),
        "last_validation_loss": round(valid[-1], 6),
        "message": f"validation loss rises after step {steps[low]} while training loss keeps falling",
        "hint": "use the checkpoint nearest that step, or fewer epochs or a smaller learning rate",
    }


def chart(curves: Curves, checkpoints: list[int], *, title: str, columns: int) -> str:
    """The loss curves as text, at most `columns` (<= 100) wide, checkpoints and the overfit step marked."""
    import plotext as plt

    width = max(40, min(MAX_COLUMNS, columns))
    fig = plt.figure
    fig.clear()
    plt.terminal.limit(False, False)
    fig.plot_size(width, CHART_ROWS)
    steps, train = curves.points("train_loss")
    key = []
    if steps:
        fig.draw(fig.signal(steps, train, marker="•").lines())
        key.append("• train loss")
        at = dict(zip(steps, train, strict=True))
        marked = [s for s in checkpoints if s in at]
        if marked:
            fig.draw(fig.signal(marked, [at[s] for s in marked], marker="◆"))
            key.append("◆ checkpoint")
    valid_steps, valid = curves.points("valid_loss")
    if valid_steps:
        fig.draw(fig.signal(valid_steps, valid, marker="+").lines())
        key.append("+ validation loss")
    flagged = overfitting(curves)
    if flagged:
        at = dict(zip(*curves.points(flagged["column"]), strict=True))
        fig.draw(fig.signal([flagged["step"]], [at[flagged["step"]]], marker="▲").fillx())
        key.append(f"▲ overfitting from step {flagged['step']}")
    fig.title(title[: width - 4])
    fig.label("step", axis="x")
    text = fig.build().string(colorless=True).rstrip("\n")
    lines = [line.rstrip()[:width] for line in text.splitlines()]
    return "\n".join([*lines, "   ".join(key)[:width]])


def write_picture(curves: Curves, checkpoints: list[int], path: Path, *, title: str) -> Path:
    """A PNG, or an HTML page holding an SVG, of the loss and accuracy curves (matplotlib)."""
    suffix = path.suffix.lower()
    if suffix not in (".png", ".html"):
        raise UsageError(f"--output {path}: write a .png or an .html file", hint="e.g. --output curves.png")
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        from matplotlib import pyplot
    except ImportError:
        raise UserError("writing a picture needs matplotlib", hint="pip install 'ftops[plots]'") from None
    figure, (loss, accuracy) = pyplot.subplots(1, 2, figsize=(12, 4.5))
    for axis, columns, name in (
        (loss, ("train_loss", "valid_loss", "full_valid_loss"), "loss"),
        (
            accuracy,
            ("train_mean_token_accuracy", "validation_mean_token_accuracy", "full_valid_mean_token_accuracy"),
            "mean token accuracy",
        ),
    ):
        for column in columns:
            steps, values = curves.points(column)
            if steps:
                axis.plot(steps, values, label=column, marker="o" if column.startswith("full_") else None)
        for step in checkpoints:
            axis.axvline(step, color="grey", linewidth=0.6, linestyle=":")
        axis.set_xlabel("step")
        axis.set_title(name)
        axis.legend(fontsize=8)
    flagged = overfitting(curves)
    if flagged:
        loss.axvline(flagged["step"], color="red", linewidth=1.2, label=f"overfitting from step {flagged['step']}")
        loss.legend(fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        figure.savefig(path, format="png", dpi=110)
    else:
        svg = io.StringIO()
        figure.savefig(svg, format="svg")
        from html import escape

        path.write_text(f"<!doctype html>\n<meta charset=utf-8>\n<title>{escape(title)}</title>\n{svg.getvalue()}\n")
    pyplot.close(figure)
    return path


def job_metrics(ref: Any, *, columns: int, output: Path | None = None) -> dict[str, Any]:
    """`ftops jobs metrics` as one call: the job's results file read, analysed, drawn; the --json document."""
    from ftops.jobs.clients import data_plane

    endpoint = ref.require_openai("training curves")
    with data_plane(endpoint) as plane:
        job = ref.job or plane.fine_tuning.jobs.get(ref.job_id)
        found = job if isinstance(job, dict) else job.wire()
        files = list(found.get("result_files") or [])
        if not files:
            raise UserError(
                f"job {ref.job_id} has no results file yet ({found.get('status')})",
                hint=f"Azure attaches results.csv when the job ends: `ftops jobs wait {ref.job_id}`",
            )
        curves = parse_results(plane.files.content(files[0]))
        checkpoints = sorted(int(c.get("step_number") or 0) for c in plane.fine_tuning.jobs.checkpoints(ref.job_id))
    title = f"{ref.job_id}: loss by step"
    result: dict[str, Any] = {
        "job_id": ref.job_id,
        "results_file": files[0],
        "steps": curves.steps,
        "series": curves.series,
        "checkpoints": checkpoints,
        "overfitting": overfitting(curves),
        "chart": chart(curves, checkpoints, title=title, columns=columns),
    }
    if output is not None:
        result["output"] = str(write_picture(curves, checkpoints, output, title=title))
    return result
