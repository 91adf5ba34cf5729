"""Running the real `ftops` executable in tests, as a user runs it (pipes, no terminal)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FTOPS = str(Path(sys.executable).with_name("ftops"))


def ftops(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The real `ftops` executable, as a user runs it (no terminal: stdin, stdout and stderr are pipes)."""
    return subprocess.run(
        [FTOPS, *args],
        capture_output=True,
        text=True,
        timeout=180,
        input=stdin,
        env={**os.environ, **(env or {})},
    )


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr


def sft_rows(n: int = 20) -> list[dict]:
    return [
        {"messages": [{"role": "user", "content": f"What is {i} + {i}?"}, {"role": "assistant", "content": str(2 * i)}]}
        for i in range(n)
    ]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
