"""Memory and exactly-once of a 1 GB upload through the Uploads API, on the emulator in its own process.

Three client runs, each in a fresh child process so its peak RSS (ru_maxrss) is its own:

- a bare read of the file (`Path.read_bytes()`, what a one-POST upload holds) and a chunked read (the floor);
- `ftops.azure.uploads.upload_file` of the whole file (16 parts of 64 MB): peak RSS must stay under 150 MB;
- the same upload SIGKILLed once half the parts are sent (the process kills itself at a part boundary, so
  no part is in flight), then rerun with the same ledger: the rerun sends only the other half, and the
  emulator's counters show one Upload started, each part sent once (16 in all), one complete, one file.

    .venv/bin/python benchmarks/bench_upload.py            # 1 GB (10^9 bytes); --mb N for another size
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

LINE = b'{"messages": [{"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "4"}]}\n'
RSS_LIMIT_MB = 150

SERVER = r"""
import sys, time
from ftops.emulator.server import Emulator
emulator = Emulator().start()
print(emulator.url, emulator.admin_token, flush=True)
while True:
    time.sleep(3600)
"""

CLIENT = r"""
import resource, sys, time
from pathlib import Path
mode, path = sys.argv[1], Path(sys.argv[2])
started = time.monotonic()
if mode == "read":
    data = path.read_bytes()
    note = f"{len(data)} bytes in memory"
elif mode == "chunks":
    with path.open("rb") as handle:
        while handle.read(1 << 16):
            pass
    note = "64 KiB at a time"
else:
    from ftops.azure.openai import OpenAIDataPlane
    from ftops.azure.uploads import UploadReport, upload_file
    from ftops.jobs.ledger import Ledger
    import os, signal
    report = UploadReport()

    def on_part(index, count):
        print("part", index, count, flush=True)
        if mode == "kill" and index + 1 == count // 2:  # half the parts sent and recorded: die, no clean-up
            os.kill(os.getpid(), signal.SIGKILL)

    account = "bench" if mode == "upload" else "bench2"  # two accounts: each holds at most 1 GB of files
    with OpenAIDataPlane(f"https://{account}.openai.azure.com/") as plane, Ledger(Path(sys.argv[3])) as ledger:
        made = upload_file(plane, path, filename="ftops-bench.jsonl", store=ledger, key="bench",
                           on_part=on_part, report=report)
    note = f"{made['id']} parts sent {report.parts_sent}, reused {report.parts_reused}"
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print("done", rss, round(time.monotonic() - started, 1), note, flush=True)
"""


def generate(path: Path, size: int) -> None:
    """Whole JSONL lines, as many as fit in `size` bytes, written 1 MB at a time."""
    per_block = (1 << 20) // len(LINE)
    lines = size // len(LINE)
    with path.open("wb") as out:
        while lines > 0:
            take = min(per_block, lines)
            out.write(LINE * take)
            lines -= take


def state(url: str, token: str, account: str = "bench2") -> dict:
    request = urllib.request.Request(f"{url}/_emulator/state", headers={"x-ftops-emulator-token": token})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())["accounts"].get(account, {}).get("counters", {})


def run_client(env: dict, *args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CLIENT, *args], capture_output=True, text=True, env=env, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return done.stdout.split("\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1000, help="file size in MB (10^6 bytes); default 1000 (1 GB)")
    size = parser.parse_args().mb * 1_000_000
    with tempfile.TemporaryDirectory(prefix="ftops-bench-upload-") as folder:
        data = Path(folder) / "big.jsonl"
        generate(data, size)
        server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            url, token = server.stdout.readline().split()
            env = {**os.environ, "FTOPS_AZURE_EMULATOR": url, "FTOPS_AZURE_TOKEN": "bench"}
            env.pop("FTOPS_AZURE_OPENAI_KEY", None)
            print(f"file: {data.stat().st_size:,} bytes; emulator {url} in its own process")
            for mode in ("read", "chunks"):
                _, rss, seconds, *note = next(line for line in run_client(env, mode, str(data)) if line).split()
                print(f"  bare {mode:<6}  peak RSS {rss:>5} MB  {seconds:>6} s  {' '.join(note)}")
            whole = next(x for x in run_client(env, "upload", str(data), f"{folder}/a.db") if x.startswith("done"))
            _, rss, seconds, *note = whole.split()
            ok = int(rss) < RSS_LIMIT_MB
            print(f"  upload       peak RSS {rss:>5} MB  {seconds:>6} s  {' '.join(note)}  (< {RSS_LIMIT_MB} MB: {ok})")
            before = state(url, token)
            # SIGKILL (from within, at a part boundary) once half the parts are sent, then rerun with the same ledger.
            child = subprocess.run(
                [sys.executable, "-c", CLIENT, "kill", str(data), f"{folder}/b.db"],
                capture_output=True,
                text=True,
                env=env,
                timeout=3600,
            )
            assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
            count = int([x for x in child.stdout.split("\n") if x.startswith("part")][-1].split()[2])
            killed = state(url, token)
            rerun = next(x for x in run_client(env, "resume", str(data), f"{folder}/b.db") if x.startswith("done"))
            after = state(url, token)
            names = ("upload_starts", "upload_parts", "upload_completes", "uploads")
            delta = {k: after.get(k, 0) - before.get(k, 0) for k in names}
            at_kill = killed.get("upload_parts", 0) - before.get("upload_parts", 0)
            print(f"  SIGKILL after {at_kill} of {count} parts, then rerun: {rerun.split(None, 3)[3]}")
            print(f"  emulator counters for the killed upload and its rerun: {delta}")
            sent_again = int(rerun.split("parts sent ")[1].split(",")[0])
            once = delta == {"upload_starts": 1, "upload_parts": count, "upload_completes": 1, "uploads": 1}
            once = once and sent_again == count - at_kill
            print(f"  each part sent once, one file: {once}")
            return 0 if ok and once else 1
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
