"""Peak memory and time of the worst local inputs: each is refused in one line, within a bound.

Each case runs `ftops ...` in a fresh child process (the CLI in-process through ftops.cli.app.run), so
its peak RSS (ru_maxrss) is its own; printed beside a baseline child that runs `ftops --help`. Figures
are measured, never asserted (tests/hostile asserts the outcomes). Before issue #22's fixes
`--grader /dev/zero` reached 7.65 GB, and the YAML/grader cases below ended in tracebacks.

    .venv/bin/python benchmarks/bench_hostile_memory.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import resource, sys, time
from ftops.cli.app import run
started = time.monotonic()
code, out, err = run(sys.argv[1:])
line = (err.strip().splitlines() or out.strip().splitlines() or [""])[0]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(peak, round(time.monotonic() - started, 2), code, "traceback" if "Traceback" in err else "", line[:70])
"""


def alias_flood(levels: int = 9) -> str:
    """Billion laughs: each level lists the previous one ten times (10**9 leaves once expanded)."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    return "\n      ".join(lines)


def write_cases(folder: Path) -> list[tuple[str, list[str]]]:
    dev = (REPO / "stacks" / "Pulumi.dev.yaml").read_text()
    rows = [{"messages": [{"role": "user", "content": f"{i}?"}], "answer": str(i)} for i in range(20)]
    rft = folder / "rft.jsonl"
    rft.write_text("".join(json.dumps(r) + "\n" for r in rows))
    files = {
        "grader-deep.json": '{"a": ' + "[" * 2_000_000 + "]" * 2_000_000 + "}",
        "grader-bigint.json": '{"a": ' + "9" * 3_000_000 + "}",
        "stack-deep.yaml": dev.replace("owner: ml-platform", "owner: " + "[" * 100_000 + "]" * 100_000),
        "stack-bigint.yaml": dev.replace("capacity: 10", "capacity: " + "9" * 3_000_000),
        "stack-aliases.yaml": dev.replace("owner: ml-platform", alias_flood()),
        "outputs-deep.json": '{"regions": ' + "[" * 2_000_000 + "]" * 2_000_000 + "}",
        "outputs-big.json": '{"x": "' + "y" * 15_000_000 + '"}',
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    grade = ["data", "validate", str(rft), "--model", "o4-mini", "--method", "rft", "--grader"]
    return [
        ("baseline (--help)", ["--help"]),
        ("grader /dev/zero", [*grade, "/dev/zero"]),
        ("grader 4M-deep nesting", [*grade, str(folder / "grader-deep.json")]),
        ("grader 3M-digit integer", [*grade, str(folder / "grader-bigint.json")]),
        ("training /dev/urandom", ["data", "validate", "/dev/urandom", "--model", "gpt-4.1-mini", "--method", "sft"]),
        ("stack 100k-deep YAML", ["check", "--stack", str(folder / "stack-deep.yaml")]),
        ("stack 3M-digit integer", ["check", "--stack", str(folder / "stack-bigint.yaml")]),
        ("stack alias flood", ["plan", "--stack", str(folder / "stack-aliases.yaml")]),
        ("outputs 4M-deep JSON", ["jobs", "list", "--outputs", str(folder / "outputs-deep.json")]),
        ("outputs 15 MB string", ["jobs", "list", "--outputs", str(folder / "outputs-big.json")]),
        ("outputs /dev/zero", ["jobs", "list", "--outputs", "/dev/zero"]),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        env = {**os.environ, "FTOPS_STATE_DIR": str(folder / "state")}
        env.pop("FTOPS_AZURE_EMULATOR", None)
        print(f"{'case':28} {'peak MB':>8} {'seconds':>8} {'exit':>5}  first line")
        for name, args in write_cases(folder):
            done = subprocess.run(
                [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env, timeout=600, cwd=REPO
            )
            fields = done.stdout.split(" ", 4) if done.returncode == 0 else ["?", "?", "?", "", done.stderr[-70:]]
            peak, seconds, code, traceback, line = (fields + [""] * 5)[:5]
            print(f"{name:28} {peak:>8} {seconds:>8} {code:>5}  {traceback}{line.strip()}")


if __name__ == "__main__":
    main()
