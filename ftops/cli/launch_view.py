"""What `ftops launch` prints on a terminal: the launch, the fine-tune it continues, and how to follow it.

Kept out of `ftops.cli.launch_cmd` so that command module stays a thin parse -> core call -> render.
"""

from __future__ import annotations

from typing import Any

from ftops.cli import render


def say_launched(done: Any, result: dict[str, Any], *, wait: bool) -> None:
    """The lines a person reads after `ftops launch` (nothing of this with --json)."""
    job, target = done.job, done.target
    where = f"{done.outcome.launch.model} {done.outcome.launch.method} on {target.name} "
    where += f"({target.location}, {target.training_type} training)"
    if done.ended:  # resuming a launch whose job ended: nothing new happens, and that is not a success
        render.line(
            f"[yellow]![/] launch {result['launch']} already ran: job [bold]{job.get('id')}[/] is "
            f"{job.get('status')} ({where})"
        )
        render.line("  to start again: the same `ftops launch` command with --new")
        return
    verb = "resumed" if done.outcome.resumed else "launched"
    render.line(f"[green]✓[/] {verb} fine-tuning job [bold]{job.get('id')}[/] ({job.get('status')}): {where}")
    if parent := result.get("parent"):
        render.line(f"  continues job {parent['job_id']}: trains from {parent['fine_tuned_model']}")
    if done.outcome.reused_files:
        render.line(f"  reused uploads: {render.csv(done.outcome.reused_files)}")
    if not wait:
        render.line(f"  follow it: ftops jobs wait {job.get('id')}")
