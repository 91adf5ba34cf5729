"""Ctrl-C while following stops following only: the job keeps running and the message says how to resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ftops.azure.openai import OpenAIDataPlane

FTOPS = str(Path(sys.executable).with_name("ftops"))
LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'


def test_ctrl_c_leaves_the_job_running(emulator, outputs_file, monkeypatch):
    with OpenAIDataPlane("https://aisse.openai.azure.com/", sleep=lambda s: None) as plane:
        training = plane.files.upload(LINE * 12, filename="t.jsonl")
        plane.files.wait_processed(training["id"], poll_seconds=0)
        job = plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", training["id"])
    before = emulator.requests
    env = {**os.environ, "FTOPS_POLL_SECONDS": "30"}  # the follower waits between polls: room for Ctrl-C
    process = subprocess.Popen(
        [FTOPS, "jobs", "wait", job["id"], "--outputs", str(outputs_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and emulator.requests < before + 2:  # it is following: job and events read
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert f"job {job['id']} keeps running" in stderr and f"ftops jobs wait {job['id']}" in stderr
    with OpenAIDataPlane("https://aisse.openai.azure.com/") as plane:
        assert plane.fine_tuning.jobs.get(job["id"])["status"] not in ("cancelled", "failed")
    assert emulator.counters("aisse").get("job_cancels", 0) == 0
