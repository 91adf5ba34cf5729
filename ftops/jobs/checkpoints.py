"""A job's checkpoints as a person picks them: numbered in training order, the best by its metrics, found by id.

Microsoft's advice (fine-tuning-job-management.md, "Monitor the job and select a checkpoint"): "Inspect the
returned checkpoint identifiers and metrics rather than assuming the latest version performs best." So
`--best` reads the metrics, and `--checkpoint N` counts checkpoints by step (1 = the earliest), the same
numbers `ftops jobs checkpoints` shows, whatever order the service lists them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ftops.errors import UsageError, UserError
from ftops.jobs.refs import JobRef, StackRef

CHECKPOINT_PREFIX = "ftchkpt-"  # a checkpoint's id (the docs deploy a checkpoint by passing it as the model name)
# Which metric decides `--best`, in order: the full validation loss (the whole validation set, at epoch ends),
# the validation loss (a sample), else the training loss when no validation file was given.
BEST_METRICS = ("full_valid_loss", "valid_loss", "train_loss")
MAX_JOBS_PER_ACCOUNT = 100  # bounds the search of a checkpoint id over a stack's accounts
NO_CHECKPOINTS_YET = ("validating_files", "queued", "pending")


@dataclass(frozen=True)
class Chosen:
    """One checkpoint picked for a deploy, and why."""

    checkpoint: dict[str, Any]
    number: int  # 1-based, by step
    of: int  # how many checkpoints the job has
    metric: str | None = None  # the metric that decided (--best), else None
    value: float | None = None

    @property
    def id(self) -> str:
        return str(self.checkpoint.get("id") or "")

    @property
    def step(self) -> int | None:
        step = self.checkpoint.get("step_number")
        return int(step) if isinstance(step, int | float) else None

    @property
    def model(self) -> str:
        """The checkpoint model name (`<base>.ft-…:ckpt-step-N`), which says its base model."""
        return str(self.checkpoint.get("fine_tuned_model_checkpoint") or "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "of": self.of,
            "step": self.step,
            "checkpoint_model": self.model or None,
            "metric": self.metric,
            "value": self.value,
            "metrics": dict(self.checkpoint.get("metrics") or {}),
        }


def numbered(found: Iterable[Any]) -> list[dict[str, Any]]:
    """Checkpoints by step, each with its `number` (1-based): the order `--checkpoint N` counts in."""
    rows = [dict(c.wire() if hasattr(c, "wire") else c) for c in found]
    rows.sort(key=lambda c: (c.get("step_number") or 0, c.get("created_at") or 0))
    return [{"number": i, **c} for i, c in enumerate(rows, start=1)]


def choose(
    job_id: str, found: Iterable[Any], *, number: int | None = None, best: bool = False, wanted_id: str | None = None
) -> Chosen:
    """The checkpoint `--checkpoint N`, `--best` or a checkpoint id names, or a one-line refusal."""
    if number is not None and best:
        raise UsageError("give --checkpoint N or --best, not both", hint="--best picks by validation loss")
    rows = numbered(found)
    if not rows:
        raise UserError(
            f"job {job_id} has no checkpoints",
            hint="checkpoints appear as training progresses; see `ftops jobs checkpoints "
            f"{job_id}`, or deploy the job's final model without --checkpoint/--best",
        )
    if wanted_id is not None:
        row = next((c for c in rows if c.get("id") == wanted_id), None)
        if row is None:
            raise UserError(
                f"job {job_id} has no checkpoint {wanted_id}", hint=f"list them with `ftops jobs checkpoints {job_id}`"
            )
        return Chosen(row, row["number"], len(rows))
    if number is not None:
        if not 1 <= number <= len(rows):
            raise UserError(
                f"job {job_id} has {len(rows)} checkpoint{'s' if len(rows) != 1 else ''}; "
                f"there is no checkpoint {number}",
                hint=f"pass --checkpoint 1..{len(rows)} (numbered by step in `ftops jobs checkpoints {job_id}`)",
            )
        row = rows[number - 1]
        return Chosen(row, number, len(rows))
    for metric in BEST_METRICS:
        scored = [(float(v), c) for c in rows if isinstance(v := (c.get("metrics") or {}).get(metric), int | float)]
        if scored:
            value, row = min(scored, key=lambda s: (s[0], -s[1]["number"]))  # a tie goes to the later checkpoint
            return Chosen(row, row["number"], len(rows), metric, value)
    raise UserError(
        f"the checkpoints of job {job_id} report none of {', '.join(BEST_METRICS)}",
        hint="pick one with --checkpoint N after comparing them (`ftops jobs checkpoints`, `ftops eval`)",
    )


def find_checkpoint(checkpoint_id: str, stack: StackRef) -> tuple[JobRef, list[Any]]:
    """The job (on one of the stack's accounts) that has checkpoint `checkpoint_id`, and its checkpoints.

    The ledger's jobs on the stack are asked first (this machine launched them), then each account's jobs,
    newest first, at most MAX_JOBS_PER_ACCOUNT per account: Azure has no lookup of a checkpoint by id."""
    from ftops.azure.errors import AzureNotFoundError
    from ftops.jobs.clients import data_plane
    from ftops.jobs.ledger import Ledger
    from ftops.jobs.refs import job_ref_of, realm

    endpoints = {r.endpoint.rstrip("/") for r in stack.outputs.regions}
    with Ledger() as ledger:
        launches = ledger.all(stacks=(stack.name, stack.outputs.environment), realm=realm())
    candidates: list[JobRef] = []
    for launch in launches:
        if launch.job_id and launch.kind not in ("hub", "managed") and (launch.endpoint or "").rstrip("/") in endpoints:
            candidates.append(job_ref_of(launch))
    asked: set[str] = set()
    for ref in candidates:
        asked.add(ref.job_id)
        with data_plane(ref.require_openai("deploy")) as plane:
            try:
                found = list(plane.fine_tuning.jobs.checkpoints(ref.job_id))
            except AzureNotFoundError:
                continue  # deleted on the service since this machine launched it: the accounts are scanned below
        if any(c.get("id") == checkpoint_id for c in found):
            return ref, found
    for region in stack.outputs.regions:
        with data_plane(region.endpoint) as plane:
            for job in plane.fine_tuning.jobs.list(max_items=MAX_JOBS_PER_ACCOUNT):
                if job["id"] in asked or job.get("status") in NO_CHECKPOINTS_YET:
                    continue
                asked.add(job["id"])
                found = list(plane.fine_tuning.jobs.checkpoints(job["id"]))
                if any(c.get("id") == checkpoint_id for c in found):
                    return JobRef(kind="openai", job_id=job["id"], endpoint=region.endpoint, job=job), found
    raise UserError(
        f"no job on the accounts of stack {stack.outputs.environment} has checkpoint {checkpoint_id}",
        hint=f"list a job's checkpoints with `ftops jobs checkpoints JOB {stack.selector}`, or deploy "
        "JOB --checkpoint N",
    )
