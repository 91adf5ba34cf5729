"""`ftops cost`: what a fine-tune will cost, from the data's tokens and the dated price table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ftops.cli.options import JsonOption, MethodChoice, TrainingTypeChoice, complete_model


def cost(
    model: Annotated[str, typer.Option("--model", "-m", help="Base model.", autocompletion=complete_model)],
    method: Annotated[MethodChoice, typer.Option("--method", help="sft, dpo or rft.", case_sensitive=False)],
    train: Annotated[Path, typer.Option("--train", help="Training data (JSONL).", dir_okay=False)],
    validation: Annotated[Path | None, typer.Option("--validation", help="Validation data (JSONL).")] = None,
    grader: Annotated[Path | None, typer.Option("--grader", help="RFT grader (JSON file).")] = None,
    epochs: Annotated[
        int | None, typer.Option("--epochs", min=1, max=50, help="n_epochs (default: what the service picks).")
    ] = None,
    training_type: Annotated[
        TrainingTypeChoice, typer.Option("--training-type", help="standard, global or developer.")
    ] = TrainingTypeChoice.standard,
    as_json: JsonOption = False,
) -> None:
    """Estimate what a fine-tune will cost before launching it.

    Counts the training tokens (exactly when the model's tokenizer is available offline, else an
    estimate), multiplies by epochs and the recorded price, and states the hosting cost of the result.

    Example: ftops cost --model gpt-4.1-mini --method sft --train train.jsonl --epochs 2
    """
    from ftops.cli import render
    from ftops.cli.options import validate_with_progress
    from ftops.data import raise_for_problems
    from ftops.data.cost import estimate
    from ftops.data.grader import read_grader

    grader_config = read_grader(grader)
    report = validate_with_progress(train, method.value, model, validation, grader_config, as_json)
    raise_for_problems(report)
    result = estimate(report, epochs=epochs, training_type=training_type.value, grader=grader_config)
    if as_json:
        render.print_json(result)
        return
    currency = result["currency"]
    epochs_note = " (what the service picks for this many examples; pass --epochs)" if result["epochs_assumed"] else ""
    render.line(f"{result['model']} {result['method']}, {result['training_type']} training")
    render.line(f"  training tokens: {result['training_tokens']:,} ({result['token_counting']})")
    render.line(f"  epochs: {result['epochs']}{epochs_note}; billed tokens: {result['billed_tokens']:,}")
    if result.get("training_cost") is not None:
        render.line(
            f"  [bold]estimated training cost: {result['training_cost']:,.2f} {currency}[/] "
            f"({result['training_price_per_million']} {currency} per 1M tokens)"
        )
    if "training_price_per_hour" in result:
        render.line(
            f"  RFT bills training time: {result['training_price_per_hour']} {currency}/hour; "
            f"jobs auto-pause at {result['auto_pause_usd']:,} {currency}"
        )
    if "grader_note" in result:
        render.line(f"  grading: {result['grader_note']}")
    if "hosting_note" in result:
        render.line(f"  hosting: {result['hosting_per_day']} {currency}/day — {result['hosting_note']}")
    render.note(f"prices as of {result['prices_as_of']}: {result['prices_source']}")
