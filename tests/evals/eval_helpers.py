"""Helpers of the eval tests: the emulator's accounts as stack outputs, SFT data with known answers, CLI runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import stack_outputs

ACCOUNT = "aisse"
FTOPS = str(Path(sys.executable).with_name("ftops"))


OUTPUTS = stack_outputs.outputs([("swedencentral", ACCOUNT)])


def prompt(i: int) -> str:
    return f"What is {i} plus {i}?"


def answer(i: int) -> str:
    return f"{i} plus {i} is {2 * i}"


def sft_line(i: int) -> dict:
    return {"messages": [{"role": "user", "content": prompt(i)}, {"role": "assistant", "content": answer(i)}]}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def ftops(*args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([FTOPS, *args], capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ))


def ok_json(*args: str) -> dict:
    done = ftops(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def unigram_f1(output: str, reference: str) -> float:
    """ROUGE-1 F1 over lower-cased words, written here from its definition (not the emulator's code)."""
    got, want = Counter(re.findall(r"\w+", output.lower())), Counter(re.findall(r"\w+", reference.lower()))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)
