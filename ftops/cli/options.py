"""Options and choices shared by several commands, defined once so their names and help never drift.

Command modules import from here (and from render/progress), never from each other.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ftops.cli.render import JSON_HELP

if TYPE_CHECKING:
    from ftops.data import ValidationReport


class MethodChoice(StrEnum):
    sft = "sft"
    dpo = "dpo"
    rft = "rft"


class TrainingTypeChoice(StrEnum):
    standard = "standard"
    data_zone = "data_zone"
    global_ = "global"
    developer = "developer"


class ComputeChoice(StrEnum):
    serverless = "serverless"
    managed = "managed"


class SkuChoice(StrEnum):
    standard = "Standard"
    global_standard = "GlobalStandard"
    data_zone_standard = "DataZoneStandard"
    developer = "Developer"


def complete_model(incomplete: str) -> list[str]:
    from ftops.catalog import load_catalog, normalize

    key = normalize(incomplete)
    return [m.name for m in load_catalog().offered_models() if normalize(m.name).startswith(key)]


def complete_region(incomplete: str) -> list[str]:
    from ftops.catalog import load_catalog

    return [r for r in sorted(load_catalog().azure_regions) if r.startswith(incomplete.lower())]


def complete_stack(incomplete: str) -> list[str]:
    """Stack names from the project's stack files (stacks/Pulumi.<name>.yaml), for shell completion."""
    from ftops.stack.schema import project_dir

    names = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (project_dir() / "stacks").glob("Pulumi.*.yaml"))
    return [n for n in names if n.startswith(incomplete)]


JsonOption = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
StackOption = Annotated[
    str | None,
    typer.Option(
        "--stack",
        "-s",
        help="Pulumi stack whose outputs name the resources (pulumi stack output --json).",
        autocompletion=complete_stack,
    ),
]
OutputsOption = Annotated[
    Path | None,
    typer.Option(
        "--outputs",
        help="Read stack outputs from this JSON file instead of running pulumi.",
        exists=False,
        dir_okay=False,
    ),
]
# `check` and `plan` read the stack file itself (offline), not its outputs.
StackFileOption = Annotated[
    str,
    typer.Option(
        "--stack", "-s", help="Stack name (stacks/Pulumi.<name>.yaml) or a path.", autocompletion=complete_stack
    ),
]
JobArgument = Annotated[str, typer.Argument(help="Job id (ftjob-...) or launch key.")]
MethodOption = Annotated[MethodChoice, typer.Option("--method", help="sft, dpo or rft.", case_sensitive=False)]
TrainOption = Annotated[Path, typer.Option("--train", help="Training data (JSONL).", dir_okay=False)]
ValidationOption = Annotated[Path | None, typer.Option("--validation", help="Validation data (JSONL).", dir_okay=False)]
GraderOption = Annotated[Path | None, typer.Option("--grader", help="RFT grader (JSON file).", dir_okay=False)]
# `launch`: the base model, or the fine-tune to continue (then the base comes from its name).
LaunchModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", help="Base model, e.g. gpt-4.1-mini (optional with --from).", autocompletion=complete_model
    ),
]
FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Continue this fine-tune: a succeeded job id, launch key or fine-tuned model id (OpenAI models).",
    ),
]
# `models` and `availability` filter by method (optional there), vision, model and region.
MethodFilterOption = Annotated[
    MethodChoice | None,
    typer.Option("--method", help="sft (supervised), dpo (preference) or rft (reinforcement).", case_sensitive=False),
]
VisionOption = Annotated[bool, typer.Option("--vision", help="Only image + text (vision) fine-tuning.")]
ModelFilterOption = Annotated[
    str | None, typer.Option("--model", "-m", help="Model name, e.g. gpt-4.1-mini.", autocompletion=complete_model)
]
RegionFilterOption = Annotated[
    str | None,
    typer.Option("--region", "-r", help="Azure region, e.g. swedencentral.", autocompletion=complete_region),
]


def validate_with_progress(
    train: Path, method: str, model: str, validation: Path | None, grader: dict | None, as_json: bool
) -> ValidationReport:
    """validate_files, with a status line on a terminal (big files take seconds) and silence elsewhere."""
    from ftops.cli.progress import LiveLine
    from ftops.data import validate_files

    with LiveLine(as_json) as live:

        def progress(name: str, done: int, total: int) -> None:
            live.update(f"validating {name}: {done / max(total, 1):.0%} of {total / 1e6:,.0f} MB")

        return validate_files(train, method, model, validation, grader, progress if live.enabled else None)


def locate(job: str, stack: str | None, outputs: Path | None) -> Any:
    """The JobRef a job command's JOB, --stack and --outputs name (imports kept lazy for start-up)."""
    from ftops.jobs.refs import optional_stack_ref
    from ftops.jobs.track import locate as locate_job

    return locate_job(job, optional_stack_ref(stack, outputs))


def selector(stack: str | None, outputs: Path | None) -> str | None:
    """The flag that names the same stack again, for follow-up commands a user can paste."""
    return f"--outputs {outputs}" if outputs is not None else (f"--stack {stack}" if stack else None)


def confirm_delete(question: str) -> None:
    """Ask before deleting; "n" prints "not deleted" and exits 1 (a declined prompt is not a crash)."""
    from ftops.cli import render

    if not typer.confirm(f"{question}?", default=False):
        render.note("not deleted")
        raise typer.Exit(1)


def writable_file(path: Path | None, flag: str) -> None:
    """Refuse an output path that cannot be written before any work is done (a folder, a missing folder)."""
    from ftops.errors import UsageError

    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a folder", hint=f"name a file, e.g. {flag} {path / 'outputs.json'}")
    if not path.parent.is_dir():
        raise UsageError(f"{flag} {path}: the folder {path.parent} does not exist", hint=f"mkdir -p {path.parent}")
