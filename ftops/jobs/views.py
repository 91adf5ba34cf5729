"""Jobs as rows a person reads: the cells of `ftops jobs list|show|events|checkpoints` tables."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ftops.jobs.track import duration, when

LIST_COLUMNS = ["job", "model", "method", "region", "status", "created", "duration", "fine-tuned model", "ledger"]


def human_duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m{secs:02d}s"


def list_cells(rows: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    for r in rows:
        yield [
            r["job_id"] or f"(launch {r['launch']})",
            r["model"],
            r["method"],
            r["location"],
            r["status"],
            r.get("created"),
            human_duration(r.get("duration_seconds")),
            r["fine_tuned_model"],
            "yes" if r["in_ledger"] else "no",
        ]


def job_fields(found: Any) -> dict[str, Any]:
    """(field, value) rows of one job, leaving out what the service did not say."""
    rows = [
        ["id", found.get("id")],
        ["status", found.get("status")],
        ["model", found.get("model")],
        ["method", (found.get("method") or {}).get("type")],
        ["created", when(found.get("created_at"))],
        ["finished", when(found.get("finished_at"))],
        ["duration", human_duration(duration(found.get("created_at"), found.get("finished_at")))],
        ["fine-tuned model", found.get("fine_tuned_model")],
        ["training file", found.get("training_file")],
        ["validation file", found.get("validation_file")],
        ["trained tokens", found.get("trained_tokens")],
        ["lineage", lineage_line(found.get("lineage"))],
        ["error", (found.get("error") or {}).get("message")],
    ]
    return {"columns": ["field", "value"], "rows": [r for r in rows if r[1] is not None]}


def lineage_line(chain: Any) -> str | None:
    """base model -> job (method) -> ... -> this job; None (row left out) when no lineage was given."""
    from ftops.jobs.lineage import chain_line

    return chain_line(chain) if chain else None


def event_cells(found: Iterable[dict[str, Any]]) -> dict[str, Any]:
    rows = [[when(e.get("created_at")), e.get("level"), e.get("message")] for e in found]
    return {"columns": ["created", "level", "message"], "rows": rows}


def checkpoint_cells(found: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Checkpoints by step, numbered as `ftops deploy JOB --checkpoint N` counts them; validation loss when known."""
    from ftops.jobs.checkpoints import numbered

    rows = []
    for c in numbered(found):
        metrics = c.get("metrics") or {}
        valid = metrics.get("full_valid_loss", metrics.get("valid_loss"))
        model = c.get("fine_tuned_model_checkpoint")
        rows.append([c["number"], c.get("step_number"), c.get("id"), model, metrics.get("train_loss"), valid])
    return {"columns": ["#", "step", "id", "checkpoint model", "train loss", "valid loss"], "rows": rows}
