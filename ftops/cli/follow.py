"""Following a job on the terminal: a live line, Ctrl-C that leaves the job running, and the closing lines."""

from __future__ import annotations

from typing import Any

import typer


def follow(ref: Any, *, as_json: bool, selector: str | None = None, result: dict | None = None) -> dict[str, Any]:
    """Follow `ref` to its end and record it; raise (exit 3) if it failed. Returns the final document."""
    from ftops.cli import render
    from ftops.cli.progress import LiveLine
    from ftops.jobs.clients import poll_seconds
    from ftops.jobs.follow import raise_if_failed
    from ftops.jobs.track import follow_and_record

    try:
        with LiveLine(as_json) as live:
            followed = follow_and_record(ref, on_update=live.update, every=poll_seconds(10.0))
    except KeyboardInterrupt:
        render.note(f"stopped following; job {ref.job_id} keeps running. Resume with: ftops jobs wait {ref.job_id}")
        raise typer.Exit(130) from None
    if followed.job.get("status") == "failed" and as_json and result is not None:
        render.print_json({**result, "final": followed.final})
    raise_if_failed(followed.job)
    if not as_json:
        render.line(f"[green]✓[/] {followed.line}")
        if followed.job.get("fine_tuned_model"):
            # The flag the user gave, so the line pastes as is; without one, say which flag is needed.
            where = selector or "--stack STACK (the stack it trained on)"
            render.line(f"  deploy it: ftops deploy {ref.job_id} {where}")
    return followed.final
