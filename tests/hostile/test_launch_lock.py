"""Concurrent identical launches, as separate `ftops` processes against one emulator: one job, one upload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftops.jobs.lock import AlreadyRunningError, held, verified_bytes

FTOPS = str(Path(sys.executable).with_name("ftops"))
SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-ftdev"
ACCOUNT_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/aisse"
OUTPUTS = {
    "schema_version": 1,
    "environment": "ftdev",
    "subscription_id": SUB,
    "resource_group": RG,
    "location": "swedencentral",
    "network_mode": "public",
    "regions": [
        {
            "location": "swedencentral",
            "account_name": "aisse",
            "account_id": ACCOUNT_ID,
            "endpoint": "https://aisse.openai.azure.com/",
            "projects": [],
        }
    ],
}


def write_train(path: Path, n: int = 20) -> Path:
    rows = [
        {"messages": [{"role": "user", "content": f"What is {i} + {i}?"}, {"role": "assistant", "content": str(2 * i)}]}
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def launch_args(tmp_path: Path) -> list[str]:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(OUTPUTS))
    train = write_train(tmp_path / "train.jsonl")
    return ["launch", "--outputs", str(outputs), "--model", "gpt-4.1-mini", "--method", "sft", "--train", str(train)]


def test_eight_concurrent_identical_launches_make_one_job_and_one_upload(emulator, tmp_path):
    # The create answers slowly, so the first launch holds its lock while the others arrive.
    emulator.set_faults("slow-body on=POST:/openai/fine_tuning/jobs ms=3000")
    args = [FTOPS, *launch_args(tmp_path), "--json"]
    env = {**os.environ, "FTOPS_LOCK_WAIT": "0"}
    processes = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(8)]
    results = [(p.wait(120), p.stdout.read().decode(), p.stderr.read().decode()) for p in processes]
    for p in processes:
        p.stdout.close()
        p.stderr.close()
    counters = emulator.counters("aisse")
    assert counters["uploads"] == 1 and counters["job_creations"] == 1, counters
    codes = sorted(code for code, _, _ in results)
    assert set(codes) <= {0, 5}, results
    jobs = {json.loads(out)["job_id"] for code, out, _ in results if code == 0}
    assert len(jobs) == 1, results  # every process that finished reports the one job
    busy = [err for code, _, err in results if code == 5]
    assert busy, "no launch met the running one: the race was not exercised"
    for err in busy:
        assert "already running: " in err and "Traceback" not in err
        assert "launch " in err  # names the launch (and its job once created)


def test_a_waiting_launch_resumes_the_finished_one(emulator, tmp_path):
    """With time to wait, the second process reports the same job, having sent nothing."""
    emulator.set_faults("slow-body on=POST:/openai/fine_tuning/jobs ms=1500")
    args = [FTOPS, *launch_args(tmp_path), "--json"]
    env = {**os.environ, "FTOPS_LOCK_WAIT": "120"}
    processes = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [e for _, e in outs]
    docs = [json.loads(o) for o, _ in outs]
    assert len({d["job_id"] for d in docs}) == 1
    assert sum(not d["resumed"] for d in docs) == 1
    assert emulator.counters("aisse")["uploads"] == 1 and emulator.counters("aisse")["job_creations"] == 1


def test_held_refuses_a_second_holder_and_names_the_work(tmp_path):
    with held(tmp_path, "launch", "k1", wait=0, what="launch k1"):
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from ftops.jobs.lock import held\n"
                "with held(Path(sys.argv[1]), 'launch', 'k1', wait=0, what='launch k1'): pass",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert other.returncode != 0 and "already running: launch k1 in process" in other.stderr
        with held(tmp_path, "launch", "k2", wait=0):  # another identity is not blocked
            pass
    with held(tmp_path, "launch", "k1", wait=0):  # released on exit
        pass
    lock_files = list((tmp_path / "locks").iterdir())
    assert lock_files and all(f.stat().st_mode & 0o777 == 0o600 for f in lock_files)
    assert (tmp_path / "locks").stat().st_mode & 0o777 == 0o700


def test_already_running_is_exit_code_5():
    assert AlreadyRunningError("x").exit_code == 5


def test_a_file_changed_after_validation_is_refused(tmp_path):
    import hashlib

    path = write_train(tmp_path / "t.jsonl")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert verified_bytes(path, digest, limit=1 << 20) == path.read_bytes()
    path.write_text(path.read_text().replace("What", "Why"))
    with pytest.raises(Exception, match="changed after it was validated"):
        verified_bytes(path, digest, limit=1 << 20)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(Exception, match="not a regular file"):
        verified_bytes(fifo, digest, limit=1 << 20)


def test_launch_refuses_a_file_changed_between_validation_and_upload(emulator, tmp_path, monkeypatch, cli):
    import ftops.jobs.run as run_module

    validate = run_module.dataset_facts

    def validate_then_change(request):  # another writer edits the file right after validation
        facts = validate(request)
        with request.train.open("a") as handle:
            handle.write(json.dumps({"messages": [{"role": "user", "content": "unchecked"}]}) + "\n")
        return facts

    monkeypatch.setattr(run_module, "dataset_facts", validate_then_change)
    code, _, err = cli(*launch_args(tmp_path))
    assert code == 1 and "changed after it was validated" in err and "Traceback" not in err
    assert emulator.counters("aisse").get("uploads", 0) == 0


def test_launch_refuses_a_fifo_up_front(emulator, tmp_path, cli):
    args = launch_args(tmp_path)
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    args[args.index("--train") + 1] = str(fifo)
    code, _, err = cli(*args)  # would hang if anything opened the pipe for reading
    assert code == 2 and "is a FIFO" in err and "not a regular file" in err, err
    assert emulator.counters("aisse").get("uploads", 0) == 0
