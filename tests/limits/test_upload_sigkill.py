"""A real SIGKILL halfway through an upload in parts, then a rerun: each remaining part once, one file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from limits_support import LINE

from ftops.azure.uploads import UploadReport, upload_file
from ftops.jobs.ledger import Ledger

CHILD = r"""
import os, signal, sys
from pathlib import Path
from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.uploads import upload_file
from ftops.jobs.ledger import Ledger

def on_part(index, count):
    if index + 1 == count // 2:  # half the parts sent and committed: die without any clean-up
        os.kill(os.getpid(), signal.SIGKILL)

with OpenAIDataPlane("https://acct1.openai.azure.com/") as plane, Ledger(Path(sys.argv[2])) as ledger:
    upload_file(plane, Path(sys.argv[1]), filename="k.jsonl", store=ledger, key="k", threshold=1000,
                part_size=4000, on_part=on_part)
"""


def test_sigkill_halfway_then_rerun_sends_each_remaining_part_once(emulator, plane, tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(LINE * 340)  # 31,960 bytes: 8 parts of 4000
    ledger_path = tmp_path / "ledger.sqlite3"
    env = {**os.environ, "FTOPS_AZURE_TOKEN": "test"}
    killed = subprocess.run([sys.executable, "-c", CHILD, str(path), str(ledger_path)], env=env, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert emulator.counters("acct1")["upload_parts"] == 4 and emulator.counters("acct1").get("uploads", 0) == 0
    report = UploadReport()
    with Ledger(ledger_path) as ledger:
        made = upload_file(
            plane, path, filename="k.jsonl", store=ledger, key="k", threshold=1000, part_size=4000, report=report
        )
    counters = emulator.counters("acct1")
    assert (report.parts_reused, report.parts_sent) == (4, 4)
    assert (counters["upload_starts"], counters["upload_parts"], counters["upload_completes"]) == (1, 8, 1)
    assert counters["uploads"] == 1
    assert plane.files.content(made["id"]) == path.read_bytes()
