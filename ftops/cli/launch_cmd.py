"""`ftops launch`: validate a dataset, upload it and create the fine-tuning job, exactly once."""

from __future__ import annotations

from typing import Annotated

import typer

from ftops.cli.options import (
    ComputeChoice,
    FromOption,
    GraderOption,
    JsonOption,
    LaunchModelOption,
    MethodOption,
    OutputsOption,
    StackOption,
    TrainingTypeChoice,
    TrainOption,
    ValidationOption,
    complete_region,
)


def launch(
    method: MethodOption,
    train: TrainOption,
    model: LaunchModelOption = None,
    parent: FromOption = None,
    stack: StackOption = None,
    outputs: OutputsOption = None,
    validation: ValidationOption = None,
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
    grader: GraderOption = None,
    suffix: Annotated[str | None, typer.Option("--suffix", help="Added to the fine-tuned model's name.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for reproducible training.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Follow the job to its end.")] = False,
    new: Annotated[bool, typer.Option("--new", help="Launch again even if this exact launch exists.")] = False,
    live: Annotated[bool, typer.Option("--live", help="Only regions ARM reports can fine-tune the model now.")] = False,
    compute: Annotated[
        ComputeChoice, typer.Option("--compute", help="serverless, or managed: the stack's own cluster (open models).")
    ] = ComputeChoice.serverless,
    queue: Annotated[bool, typer.Option("--queue", help="If the account is full of jobs, wait in its queue.")] = False,
    no_service_check: Annotated[bool, typer.Option("--no-service-check", help="RFT: skip the grader run.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Validate the data, upload it, and create a fine-tuning job on the stack's resources.

    Exactly once: the same resources, model, method, hyperparameters and data make the same launch, whether
    --stack or --outputs named them; a rerun resumes (reuses uploads, finds the job) instead of paying twice.
    --new starts a deliberate second run. Without --region or --training-type, the stack's fine_tunes decide.
    --from continues a succeeded fine-tune (e.g. DPO after SFT) on the account that holds it.

    Example: ftops launch --stack dev --model gpt-4.1-mini --method sft --train train.jsonl --wait

    Example: ftops launch --stack dev --from ftjob-abc123 --method dpo --train preferences.jsonl
    """
    from ftops.catalog import load_catalog
    from ftops.cli import render
    from ftops.cli.follow import follow
    from ftops.cli.launch_view import say_launched
    from ftops.cli.progress import Steps
    from ftops.jobs import run
    from ftops.jobs.launch import LaunchRequest
    from ftops.jobs.refs import load_stack_ref

    catalog = load_catalog()
    resolved = catalog.model(model) if model else None  # an unknown name fails before anything else is read
    stack_ref = load_stack_ref(stack, outputs)
    request = LaunchRequest(
        stack=stack_ref.name,
        model=resolved,
        method=method.value,
        train=train,
        validation=validation,
        region=region,
        project=project,
        training_type=training_type.value if training_type else None,
        hyperparameters=run.hyperparameters(epochs, batch_size, learning_rate_multiplier, beta),
        grader=run.read_grader(grader),
        suffix=suffix,
        seed=seed,
        new=new,
        compute=compute.value,
        queue=queue,
        service_check=not no_service_check,
        parent=parent,
    )
    done = run.launch(request, stack_ref, catalog, live=live, on_step=Steps(as_json))
    result = done.to_dict()
    render.data_warnings(result.get("dataset"))  # the warnings `ftops data validate` shows
    if not as_json:
        say_launched(done, result, wait=wait)
    if wait:
        result["final"] = follow(done.job_ref, as_json=as_json, selector=stack_ref.selector, result=result)
    if as_json:
        render.print_json(result)
