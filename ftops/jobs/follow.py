"""Follow a fine-tuning job to its end: status, step, loss from metric events, checkpoints."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ftops.azure.models import FineTuningJob, WireModel
from ftops.azure.openai import OpenAIDataPlane
from ftops.errors import AzureRefusedError


@dataclass
class JobProgress:
    """What a person following a job wants to see, updated on every poll."""

    job_id: str
    status: str = "unknown"
    step: int | None = None
    train_loss: float | None = None
    checkpoints: int = 0
    fine_tuned_model: str | None = None
    estimated_finish: int | None = None  # Unix time, when Azure gives one
    messages: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"job {self.job_id}", self.status]
        if self.step is not None:
            parts.append(f"step {self.step}")
        if self.train_loss is not None:
            parts.append(f"loss {self.train_loss:.4f}")
        if self.checkpoints:
            parts.append(f"{self.checkpoints} checkpoint{'s' if self.checkpoints != 1 else ''}")
        if self.status == "paused":
            parts.append("(paused by the service: following on)")
        elif self.estimated_finish and self.status not in ("succeeded", "failed", "cancelled"):
            import datetime as dt

            finish = dt.datetime.fromtimestamp(self.estimated_finish, dt.UTC)
            parts.append(f"estimated finish {finish:%Y-%m-%d %H:%M} UTC")
        return "  ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "status": self.status,
            "step": self.step,
            "train_loss": self.train_loss,
            "checkpoints": self.checkpoints,
            "fine_tuned_model": self.fine_tuned_model,
            "estimated_finish": self.estimated_finish,
        }


def follow_job(
    plane: OpenAIDataPlane,
    job_id: str,
    *,
    poll_seconds: float = 10.0,
    timeout: float = 721 * 3600.0,
    on_update: Callable[[JobProgress], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    user_paused: Callable[[], bool] | None = None,
) -> tuple[FineTuningJob, JobProgress]:
    """Poll until the job succeeds, fails or is cancelled, or a user paused it; return the job and its progress.

    A pause ends the wait only when `user_paused()` says someone paused it (the ledger records `ftops jobs
    pause`): Azure pauses and resumes jobs by itself too (Developer tier), and those are followed through.
    """
    from ftops.azure.models import Outcome
    from ftops.azure.poll import wait_until

    progress = JobProgress(job_id)
    seen_events: set[str] = set()

    def fetch() -> FineTuningJob:
        job = plane.fine_tuning.jobs.get(job_id)
        progress.status = job.get("status") or "unknown"
        progress.fine_tuned_model = job.get("fine_tuned_model")
        finish = job.get("estimated_finish")
        progress.estimated_finish = int(finish) if isinstance(finish, int | float) and finish > 0 else None
        _read_new_events(plane, job_id, seen_events, progress)
        if progress.status in ("running", "succeeded", "paused"):
            progress.checkpoints = sum(1 for _ in plane.fine_tuning.jobs.checkpoints(job_id))
        if on_update:
            on_update(progress)
        return job

    def ended(job: FineTuningJob) -> Outcome | None:
        outcome = job.outcome
        if outcome is Outcome.PAUSED and not (user_paused is not None and user_paused()):
            return None  # paused by the service: it resumes by itself
        return outcome

    # The one poller: Retry-After, interval cap and deadline live there (ftops.azure.poll).
    done = wait_until(
        fetch,
        lambda job: ended(job),  # succeeded, failed, cancelled, or paused by a user
        what=f"job {job_id}",
        interval=poll_seconds,
        timeout=timeout,
        state=lambda job: progress.status,
        sleep=sleep,
    )
    return done.value, progress


def _read_new_events(plane: OpenAIDataPlane, job_id: str, seen: set[str], progress: JobProgress) -> None:
    # Azure lists events oldest first (Microsoft's example); sort anyway, so either order reads the same.
    fresh = [e for e in plane.fine_tuning.jobs.events(job_id, max_items=500) if e.get("id") not in seen]
    for event in sorted(fresh, key=lambda e: e.get("created_at") or 0):
        seen.add(event.get("id", ""))
        data = event.get("data") or {}
        if event.get("type") == "metrics" and isinstance(data, dict):
            if isinstance(data.get("step"), int | float):
                progress.step = int(data["step"])
            if isinstance(data.get("train_loss"), int | float):
                progress.train_loss = float(data["train_loss"])
        elif event.get("message"):
            progress.messages.append(str(event["message"]))


def raise_if_failed(job: dict[str, Any] | WireModel) -> None:
    """A job the service failed ends the command with exit 3 and the service's reason."""
    if job.get("status") == "failed":
        error = job.get("error") or {}
        reason = error.get("message") or "the service gave no reason"
        raise AzureRefusedError(
            f"fine-tuning job {job.get('id')} failed: {reason}",
            hint="fix the cause (often the training data: `ftops data validate`), then start a fresh run: the same "
            "`ftops launch` with --new (without it, the launch is found again as it ended)",
            code=error.get("code"),
        )
    if job.get("status") == "cancelled":
        raise AzureRefusedError(
            f"fine-tuning job {job.get('id')} was cancelled",
            hint="to train again, run the same `ftops launch` with --new",
        )
