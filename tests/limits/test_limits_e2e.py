"""Per-resource limits, end to end through the `ftops` executable on the emulator: refused before any upload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from limits_support import LINE

from ftops.errors import AzureRefusedError

FTOPS = str(Path(sys.executable).with_name("ftops"))


def ftops(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([FTOPS, *args], capture_output=True, text=True, timeout=120, env=dict(os.environ))


def launch(outputs_file: Path, train: Path, *extra: str) -> subprocess.CompletedProcess:
    args = ("launch", "--outputs", str(outputs_file), "--model", "gpt-4.1-mini", "--method", "sft")
    return ftops(*args, "--train", str(train), *extra, "--json")


def running_jobs(plane, count: int) -> list[str]:
    """`count` jobs on the account, each read until the emulator runs it."""
    training = plane.files.upload(LINE * 20, filename="seed.jsonl")
    plane.files.wait_processed(training["id"], poll_seconds=0)
    ids = []
    for _ in range(count):
        job = plane.fine_tuning.jobs.create("gpt-4.1-mini-2025-04-14", training["id"])
        plane.fine_tuning.jobs.get(job["id"])
        ids.append(job["id"])
    assert [plane.fine_tuning.jobs.get(i)["status"] for i in ids] == ["running"] * count
    return ids


def test_three_running_jobs_refuse_a_launch_before_its_upload(emulator, aisse, outputs_file, train_file):
    ids = running_jobs(aisse, 3)
    uploads_before = emulator.counters("aisse")["uploads"]
    done = launch(outputs_file, train_file)
    assert done.returncode == 3, done.stderr
    error = json.loads(done.stdout or done.stderr)
    assert "running fine-tuning jobs: 3 in use + 1 new > limit 3" in error["message"]
    assert "ftops jobs cancel" in error["hint"] and "--queue" in error["hint"] and ids[0] in error["hint"]
    counters = emulator.counters("aisse")
    assert counters["uploads"] == uploads_before and counters["job_creations"] == 3  # nothing sent


def test_queue_lets_the_job_wait_behind_the_running_ones(emulator, aisse, outputs_file, train_file):
    running_jobs(aisse, 3)
    done = launch(outputs_file, train_file, "--queue")
    assert done.returncode == 0, done.stderr
    job = json.loads(done.stdout)["job_id"]
    assert aisse.fine_tuning.jobs.get(job)["status"] == "pending"  # Azure's queue: waits for a free slot
    assert emulator.counters("aisse")["job_creations"] == 4


def test_the_101st_file_is_refused_naming_the_prune_command(emulator, aisse, outputs_file, train_file):
    for i in range(100):
        aisse.files.upload(LINE, filename=f"old-{i}.jsonl")
    done = launch(outputs_file, train_file)
    assert done.returncode == 3, done.stderr
    error = json.loads(done.stdout or done.stderr)
    assert "fine-tuning files: 100 in use + 1 new > limit 100" in error["message"]
    assert f"ftops files prune --stack {'ftdev'}" in error["hint"]
    assert emulator.counters("aisse")["uploads"] == 100
    # The service refuses it too, in its own envelope, when no preflight runs:
    with pytest.raises(AzureRefusedError, match="at most 100") as refused:
        aisse.files.upload(LINE, filename="one-more.jsonl")
    assert refused.value.code == "quotaExceeded"


def test_prune_frees_the_files_nothing_needs_and_keeps_the_rest(emulator, aisse, outputs_file, train_file):
    launched = launch(outputs_file, train_file)
    assert launched.returncode == 0, launched.stderr
    kept = json.loads(launched.stdout)["training_file"]
    for i in range(3):
        aisse.files.upload(LINE, filename=f"old-{i}.jsonl")
    looked = ftops("files", "prune", "--outputs", str(outputs_file), "--dry-run", "--json")
    assert looked.returncode == 0, looked.stderr
    planned = json.loads(looked.stdout)
    assert sorted(f["filename"] for f in planned["files"]) == ["old-0.jsonl", "old-1.jsonl", "old-2.jsonl"]
    assert emulator.counters("aisse").get("file_deletes", 0) == 0  # a dry run deletes nothing
    refused = ftops("files", "prune", "--outputs", str(outputs_file))  # no tty, no --yes: asks, so refuses
    assert refused.returncode == 2 and "--yes" in refused.stderr
    pruned = ftops("files", "prune", "--outputs", str(outputs_file), "--yes", "--json")
    assert pruned.returncode == 0, pruned.stderr
    assert emulator.counters("aisse")["file_deletes"] == 3
    listed = json.loads(ftops("files", "list", "--outputs", str(outputs_file), "--json").stdout)
    left = {f["id"]: f for f in listed["files"]}
    assert kept in left and left[kept]["referenced_by_jobs"]  # the job's training file stays
    needed = ftops("files", "delete", kept, "--outputs", str(outputs_file), "--yes")
    assert needed.returncode == 1 and "still needed by" in needed.stderr
