"""`ftops launch`: validate a dataset, upload it and create the fine-tuning job, exactly once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ftops.cli.catalog_cmds import MethodChoice, complete_model, complete_region
from ftops.cli.options import JsonOption, OutputsOption, StackOption

if TYPE_CHECKING:
    from ftops.catalog import Catalog
    from ftops.cli.progress import Steps
    from ftops.jobs.launch import DatasetFacts, LaunchOutcome, LaunchRequest
    from ftops.jobs.ledger import Launch, Ledger
    from ftops.jobs.targets import Target
    from ftops.stack.outputs import StackOutputs


class ComputeChoice(StrEnum):
    serverless = "serverless"
    managed = "managed"


class TrainingTypeChoice(StrEnum):
    standard = "standard"
    global_ = "global"
    developer = "developer"


def launch(
    model: Annotated[
        str, typer.Option("--model", "-m", help="Base model, e.g. gpt-4.1-mini.", autocompletion=complete_model)
    ],
    method: Annotated[MethodChoice, typer.Option("--method", help="sft, dpo or rft.")],
    train: Annotated[Path, typer.Option("--train", help="Training data (JSONL).", dir_okay=False)],
    stack: StackOption = None,
    outputs: OutputsOption = None,
    validation: Annotated[Path | None, typer.Option("--validation", help="Validation data (JSONL).")] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="Train on the stack's account in this region.", autocompletion=complete_region),
    ] = None,
    project: Annotated[str | None, typer.Option("--project", help="Foundry project of that account.")] = None,
    training_type: Annotated[
        TrainingTypeChoice | None,
        typer.Option("--training-type", help="standard (in-region) or global; default: standard where possible."),
    ] = None,
    epochs: Annotated[int | None, typer.Option("--epochs", min=1, max=50, help="n_epochs.")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", min=1, help="batch_size.")] = None,
    learning_rate_multiplier: Annotated[
        float | None, typer.Option("--learning-rate-multiplier", min=0.0, help="learning_rate_multiplier.")
    ] = None,
    beta: Annotated[float | None, typer.Option("--beta", min=0.0, help="DPO beta.")] = None,
    grader: Annotated[Path | None, typer.Option("--grader", help="RFT grader (JSON file).")] = None,
    suffix: Annotated[str | None, typer.Option("--suffix", help="Added to the fine-tuned model's name.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for reproducible training.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Follow the job to its end.")] = False,
    new: Annotated[bool, typer.Option("--new", help="Launch again even if this exact launch exists.")] = False,
    live: Annotated[
        bool, typer.Option("--live", help="Only use regions that ARM reports can fine-tune the model right now.")
    ] = False,
    compute: Annotated[
        ComputeChoice, typer.Option("--compute", help="serverless, or managed: the stack's own cluster (open models).")
    ] = ComputeChoice.serverless,
    as_json: JsonOption = False,
) -> None:
    """Validate the data, upload it, and create a fine-tuning job on the stack's resources.

    Exactly once: the same stack, target, model, method, hyperparameters and dataset bytes make the
    same launch; running it again resumes (reuses uploads, finds the created job) instead of paying
    twice. --new starts a deliberate second run.

    Example: ftops launch --stack dev --model gpt-4.1-mini --method sft --train train.jsonl --wait
    """
    from ftops.catalog import load_catalog
    from ftops.cli import render
    from ftops.cli.progress import Steps
    from ftops.jobs.clients import data_plane, poll_seconds
    from ftops.jobs.launch import Launcher, LaunchOutcome, LaunchRequest, plan_launch
    from ftops.jobs.ledger import Ledger
    from ftops.stack.outputs import load_outputs

    catalog = load_catalog()
    catalog.model(model)  # an unknown name fails before anything else is read
    stack_outputs = load_outputs(stack, outputs)
    stack_name = stack or stack_outputs.environment
    hyperparameters = {
        key: value
        for key, value in (
            ("n_epochs", epochs),
            ("batch_size", batch_size),
            ("learning_rate_multiplier", learning_rate_multiplier),
            ("beta", beta),
        )
        if value is not None
    }
    request = LaunchRequest(
        stack=stack_name,
        model=model,
        method=method.value,
        train=train,
        validation=validation,
        region=region,
        project=project,
        training_type=training_type.value if training_type else None,
        hyperparameters=hyperparameters,
        grader=read_grader(grader),
        suffix=suffix,
        seed=seed,
        new=new,
        compute=compute.value,
    )
    steps = Steps(as_json)
    steps("validate", f"checking {train.name}" + (f" and {validation.name}" if validation else ""))
    facts = dataset_facts(request)
    live_regions = _live_regions(stack_outputs, model) if live else None
    with Ledger() as ledger:
        target, planned, resumed = plan_launch(
            request, stack_outputs, catalog, facts, ledger, live_regions=live_regions
        )
        if resumed:
            steps("resume", f"continuing launch {planned.key} (state {planned.state})")
        if target.kind == "openai":
            with data_plane(target.endpoint or "") as plane:
                launcher = Launcher(plane, ledger, catalog, on_step=steps, poll_seconds=poll_seconds(2.0))
                outcome = launcher.run(planned, request, target, LaunchOutcome(planned, resumed))
        else:
            outcome = _launch_on_hub(planned, request, target, stack_outputs, ledger, catalog, steps, resumed)
    job = outcome.job or {}
    result: dict[str, Any] = {
        "launch": outcome.launch.key,
        "resumed": outcome.resumed,
        "job_id": job.get("id"),
        "status": job.get("status"),
        "model": outcome.launch.model,
        "method": outcome.launch.method,
        "target": {
            "kind": target.kind,
            "location": target.location,
            "account": target.name,
            "project": target.project,
            "training_type": target.training_type,
            "endpoint": target.endpoint,
        },
        "training_file": outcome.launch.train_file_id,
        "validation_file": outcome.launch.validation_file_id,
        "reused_files": outcome.reused_files,
        "recovered_job": outcome.recovered_job,
        "suffix": outcome.launch.suffix,
        "dataset": facts.summary,
        "follow": f"ftops jobs wait {job.get('id')}",
    }
    if not as_json:
        verb = "resumed" if outcome.resumed else "launched"
        render.line(
            f"[green]✓[/] {verb} fine-tuning job [bold]{job.get('id')}[/] ({job.get('status')}): "
            f"{outcome.launch.model} {outcome.launch.method} on {target.name} "
            f"({target.location}, {target.training_type} training)"
        )
        if outcome.reused_files:
            render.line(f"  reused uploads: {render.csv(outcome.reused_files)}")
        if not wait:
            render.line(f"  follow it: ftops jobs wait {job.get('id')}")
    if wait:
        from ftops.cli.jobs_cmd import follow_and_record

        endpoint = target.endpoint if target.kind == "openai" else target.resource_id
        result["final"] = follow_and_record(job["id"], endpoint or "", as_json=as_json, result=result)
    if as_json:
        render.print_json(result)


def _launch_on_hub(
    planned: Launch,
    request: LaunchRequest,
    target: Target,
    outputs: StackOutputs,
    ledger: Ledger,
    catalog: Catalog,
    steps: Steps,
    resumed: bool,
) -> LaunchOutcome:
    """Open models: data asset + AzureML FineTuning job in the stack's hub project."""
    from ftops.azure.arm import ArmClient
    from ftops.azure.ml import AzureML
    from ftops.jobs.launch import LaunchOutcome
    from ftops.jobs.launch_hub import HubLauncher

    with AzureML() as ml, ArmClient(outputs.subscription_id) as arm:
        launcher = HubLauncher(ml, arm, ledger, catalog, outputs, on_step=steps)
        return launcher.run(planned, request, target, LaunchOutcome(planned, resumed))


def _live_regions(stack_outputs: StackOutputs, model: str) -> frozenset[str]:
    """The stack's regions whose live ARM model list has the model with the fine-tune capability."""
    from ftops.azure import availability
    from ftops.azure.arm import ArmClient
    from ftops.catalog import load_catalog

    found = load_catalog().model(model)
    with ArmClient(stack_outputs.subscription_id) as arm:
        answers = availability.sweep(arm, [r.location for r in stack_outputs.regions])
    return frozenset(region for region, answer in answers.items() if answer.offers_model(found))


def read_grader(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    import json

    from ftops.errors import UserError

    try:
        grader = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UserError(f"grader file {path} not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"grader file {path} is not JSON: {exc}", hint="the grader is one JSON object") from None
    if not isinstance(grader, dict):
        raise UserError(f"grader file {path} must hold one JSON object (a grader)")
    return grader


def dataset_facts(request: LaunchRequest) -> DatasetFacts:
    """Validate the datasets with the same checks as `ftops data validate`; refuse before any upload."""
    from ftops.data import raise_for_problems, validate_files
    from ftops.jobs.launch import DatasetFacts

    report = validate_files(request.train, request.method, request.model, request.validation, request.grader)
    raise_for_problems(report)
    return DatasetFacts(
        train_sha256=report.train.sha256,
        validation_sha256=report.validation.sha256 if report.validation else None,
        vision=report.has_images,
        summary=report.summary(),
    )
