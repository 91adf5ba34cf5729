"""`ftops eval`: did the fine-tune help? Base vs fine-tuned vs checkpoints on the Azure OpenAI Evals API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ftops.cli.options import JsonOption, OutputsOption, StackOption


def eval_(
    data: Annotated[
        Path, typer.Option("--data", help="Held-out JSONL (SFT, RFT or input/reference lines).", dir_okay=False)
    ],
    grader: Annotated[
        list[str],
        typer.Option(
            "--grader", help="A grader JSON file, or string_check[:OP] / text_similarity[:METRIC[:THRESHOLD]]."
        ),
    ],
    target: Annotated[
        list[str] | None, typer.Option("--target", help="LABEL=DEPLOYMENT on the account (e.g. base=gpt-41-mini).")
    ] = None,
    job: Annotated[str | None, typer.Option("--job", help="A fine-tuning job: its deployed model is a target.")] = None,
    checkpoint: Annotated[
        list[str] | None, typer.Option("--checkpoint", help="A checkpoint of --job (step number or id) to evaluate.")
    ] = None,
    deploy_checkpoints: Annotated[
        bool,
        typer.Option(
            "--deploy-checkpoints", help="Deploy undeployed checkpoints for the evaluation, then delete them."
        ),
    ] = False,
    region: Annotated[
        str | None, typer.Option("--region", help="The stack account's region (default: the job's, or the first).")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Label compared against (default: the first target).")
    ] = None,
    metric: Annotated[
        str, typer.Option("--metric", help="pass_rate, a grader's name (its mean score) or NAME.pass_rate.")
    ] = "pass_rate",
    pick: Annotated[
        bool, typer.Option("--pick", help="Name the best target by --metric and the command that ships it.")
    ] = False,
    fail_under: Annotated[
        float | None,
        typer.Option("--fail-under", help="Exit 1 unless the best target beats the baseline's --metric by this much."),
    ] = None,
    stack: StackOption = None,
    outputs: OutputsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare deployments, a fine-tuned model and its checkpoints on held-out data with graders.

    The service runs the completions and the graders (Evals API of the stack's account); ftops waits,
    then prints per-target scores, pass rates, tokens and which examples improved or regressed against
    the baseline. A rerun after an interruption reuses the eval and runs it created.

    Example: ftops eval --stack dev --data heldout.jsonl --target base=gpt-41-mini --job ftjob-abc123
    --checkpoint 20 --deploy-checkpoints --grader string_check --grader text_similarity:rouge_l:0.6 --pick
    """
    from ftops.cli import render
    from ftops.cli.progress import Steps
    from ftops.errors import UsageError
    from ftops.evals.flow import EvalRequest, run_eval
    from ftops.jobs.refs import load_stack_ref

    if not (stack or outputs):
        raise UsageError(
            "ftops eval needs the stack whose account holds the deployments", hint="pass --stack S or --outputs FILE"
        )
    steps = Steps(as_json)
    request = EvalRequest(
        data=data,
        graders=list(grader),
        targets=list(target or []),
        job=job,
        checkpoints=list(checkpoint or []),
        deploy_checkpoints=deploy_checkpoints,
        region=region,
        baseline=baseline,
        metric=metric,
        fail_under=fail_under,
    )
    note = (lambda text: None) if as_json else render.note  # --json: the costs are in the document
    result = run_eval(request, load_stack_ref(stack, outputs), on_step=lambda text: steps("eval", text), on_note=note)
    if as_json:
        render.print_json(result)
    else:
        _render(result, pick)
    gate = result.get("gate")
    if gate and not gate["passed"]:
        render.note(
            f"[bold red]error:[/] {gate['candidate']} beats {result['baseline']} by {gate['margin']:+.4f} on "
            f"{result['metric']}, under --fail-under {gate['fail_under']}"
        )
        raise typer.Exit(1)


def _render(result: dict, pick: bool) -> None:
    from rich.markup import escape

    from ftops.cli import render
    from ftops.evals.views import summary

    title, columns, rows, lines = summary(result, pick)
    render.table(title, columns, rows)
    for text in lines:
        render.line(escape(text))
