"""Progress on a terminal, silence elsewhere: long-running commands report steps through here."""

from __future__ import annotations

import sys
from typing import Any


def interactive(as_json: bool) -> bool:
    """Progress is shown only to a person: on a TTY and without --json."""
    return not as_json and sys.stderr.isatty()


class Steps:
    """Prints one line per step to stderr when interactive; otherwise records them only."""

    def __init__(self, as_json: bool) -> None:
        self.enabled = interactive(as_json)
        self.seen: list[str] = []
        self._console: Any = None
        if self.enabled:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)

    def __call__(self, step: str, detail: str = "") -> None:
        text = f"{step}: {detail}" if detail else step
        self.seen.append(text)
        if self._console is not None:
            from rich.markup import escape

            self._console.print(f"[dim]•[/] {escape(text)}")


class LiveLine:
    """A single status line redrawn in place while following a job (TTY only)."""

    def __init__(self, as_json: bool) -> None:
        self.enabled = interactive(as_json)
        self._live: Any = None

    def __enter__(self) -> LiveLine:
        if self.enabled:
            from rich.console import Console
            from rich.live import Live

            self._live = Live("", console=Console(stderr=True), refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def update(self, text: str) -> None:
        if self._live is not None:
            self._live.update(text)

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)
