"""RFT graders checked by the service: `graders/validate` and `graders/run` (preview), before money is spent.

Microsoft's RFT docs validate a grader with `client.fine_tuning.alpha.graders.validate(grader=...)` and try it
on a sample with `graders.run`: the `openai` SDK's paths `POST /fine_tuning/alpha/graders/validate` and
`/run` on the account's data plane. They catch what ftops' static checks cannot: a python grader that raises,
a model grader the account cannot call. `service_check` runs both on the first row of the launch's data
before any upload (a launch skips it with `--no-service-check`); an account that does not offer the
endpoints (404) is noted and skipped. The row is the grader's `item`; the model sample is the row's
`model_sample` field if it has one, else its last assistant message, else empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftops.azure.errors import AzureNotFoundError
from ftops.errors import AzureRefusedError, UserError

if TYPE_CHECKING:
    from ftops.azure.openai import OpenAIDataPlane

VALIDATE = "/fine_tuning/alpha/graders/validate"
RUN = "/fine_tuning/alpha/graders/run"


class GraderRefusedError(UserError):
    """The service's grader check failed: the grader would fail the job (exit 1, the grader is the input)."""


def sample_rows(path: Path, count: int) -> list[dict[str, Any]]:
    """The first `count` JSON object rows of a JSONL file."""
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise UserError(
                    f"{path.name} line {number} is not JSON", hint="`ftops data validate` shows why"
                ) from None
            if isinstance(row, dict):
                rows.append(row)
            if len(rows) >= count:
                break
    if not rows:
        raise UserError(f"{path.name} has no rows to try the grader on", hint="pass a JSONL file of RFT rows")
    return rows


def model_sample(row: dict[str, Any]) -> str:
    if isinstance(row.get("model_sample"), str):
        return str(row["model_sample"])
    for message in reversed(row.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "assistant" and isinstance(message.get("content"), str):
            return str(message["content"])
    return ""


def run_problems(answer: dict[str, Any]) -> list[str]:
    """The error flags a `graders/run` answer raised, with the service's details."""
    errors = (answer.get("metadata") or {}).get("errors") or {}
    found = []
    for name, value in errors.items():
        if value is True:
            details = errors.get(f"{name}_details") or errors.get(f"{name}_type")
            found.append(f"{name}: {details}" if details else name)
    return found


def validate(plane: OpenAIDataPlane, grader: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(plane.call("POST", VALIDATE, json={"grader": grader}, idempotent=True))
    except AzureRefusedError as exc:
        if isinstance(exc, AzureNotFoundError) or exc.status != 400:
            raise
        raise GraderRefusedError(
            f"the service refused the grader: {exc.message}", hint="fix the grader file and rerun"
        ) from None


def run(plane: OpenAIDataPlane, grader: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    body = {"grader": grader, "model_sample": model_sample(row), "item": row}
    return dict(plane.call("POST", RUN, json=body, idempotent=True))


def service_check(
    plane: OpenAIDataPlane, grader: dict[str, Any], data: Path, say: Callable[[str, str], None]
) -> dict[str, Any] | None:
    """Validate the grader and run it on the first row; raise `GraderRefusedError` with the service's words.

    Returns the run's answer, or None when the account does not offer the grader endpoints."""
    try:
        validate(plane, grader)
    except AzureNotFoundError:
        say("grader", "the account offers no graders/validate; skipping the service's grader check")
        return None
    row = sample_rows(data, 1)[0]
    answer = run(plane, grader, row)
    if problems := run_problems(answer):
        raise GraderRefusedError(
            f"the service's grader run failed on the first row of {data.name}: {'; '.join(problems)}",
            hint="fix the grader, try it with `ftops data grader-run GRADER SAMPLE`, or skip with --no-service-check",
        )
    say("grader", f"the service ran the grader on the first row of {data.name}: reward {answer.get('reward')}")
    return answer


def grader_run(plane: OpenAIDataPlane, grader: dict[str, Any], sample: Path, rows: int) -> list[dict[str, Any]]:
    """`ftops data grader-run`: validate, then the reward and errors of each of the first `rows` rows."""
    validate(plane, grader)
    results = []
    for index, row in enumerate(sample_rows(sample, rows), start=1):
        answer = run(plane, grader, row)
        results.append({"row": index, "reward": answer.get("reward"), "errors": run_problems(answer)})
    return results


def grader_run_in_stack(
    grader_path: Path, sample: Path, stack: str | None, outputs: Path | None, region: str | None, rows: int
) -> list[dict[str, Any]]:
    """`grader_run` on the stack's account (the one in `region` when the stack has several)."""
    from ftops.data.grader import read_grader
    from ftops.jobs.clients import data_plane
    from ftops.jobs.files import accounts, stack_outputs

    grader = read_grader(grader_path)
    if grader is None:
        raise UserError("a grader file is needed", hint="pass GRADER as a JSON file")
    found = accounts(stack_outputs(stack, outputs), region)
    if len(found) != 1:
        raise UserError("the stack has several accounts", hint="pass --region to choose one")
    with data_plane(found[0][1]) as plane:
        return grader_run(plane, grader, sample, rows)
