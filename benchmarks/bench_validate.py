"""Validation throughput and peak memory on a generated SFT file, against bare parsing passes.

Baselines, each in its own process on the same file: `json.loads` per line (the target: ratio >= 1.0) and
`orjson.loads` per line (the fastest parser; the aim). Then `validate_files` with the labelled estimate
(the structural pass), and again with exact tokens (quicktok, o200k_base), reported as tokens/s.
Peak memory is the larger of the validating process and any child it starts (target < 150 MB); files over
64 MB are checked by two processes (one per core). Each time is the best of 5 interleaved runs, memory the
worst; the CPU-time ratio (all processes and threads) says what the pass costs whatever else the machine runs.
Usage: python benchmarks/bench_validate.py [--mb 100]   (--mb 300 for the issue's figure, --mb 1024 for 1 GB)
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

PARSE = """
import resource, sys, time
from {module} import loads
start = time.perf_counter()
with open(sys.argv[1], "rb") as handle:
    for line in handle:
        loads(line)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - start, usage.ru_maxrss, 0, usage.ru_utime + usage.ru_stime)
"""
VALIDATOR = """
import resource, sys, time
from pathlib import Path
from ftops.catalog import load_catalog
from ftops.data import validate_files
from ftops.data.tokens import counter_for
import numpy  # noqa: F401  (imported by the duplicate search on first use)
load_catalog()  # one-time fixed costs (YAML parse, numpy import, vocabulary load), not per-byte throughput
exact = sys.argv[2] == "exact"
if exact:
    counter_for("o200k_base")[0].count("warm up")
def cpu():
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime
start, used = time.perf_counter(), cpu()
report = validate_files(Path(sys.argv[1]), "sft", "gpt-4.1-mini", exact_tokens=exact)
seconds, used = time.perf_counter() - start, cpu() - used
assert report.ok and report.train.examples > 0, report.log.counts
assert report.token_counting.startswith("exact (o200k_base" if exact else "estimate")
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(seconds, peak, report.train.tokens_total, used)
"""


def generate(path: Path, megabytes: int) -> int:
    rng = random.Random(7)
    words = [
        "bike",
        "wheel",
        "chain",
        "brake",
        "gear",
        "saddle",
        "pedal",
        "frame",
        "tyre",
        "spoke",
        "rim",
        "hub",
        "valve",
        "lever",
        "cable",
    ]
    target = megabytes * 1024 * 1024
    written = count = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            question = " ".join(rng.choices(words, k=rng.randint(8, 40)))
            answer = " ".join(rng.choices(words, k=rng.randint(20, 120)))
            line = json.dumps({"messages": [
                {"role": "system", "content": "You are a helpful bike mechanic."},
                {"role": "user", "content": f"{question} #{count}?"},
                {"role": "assistant", "content": answer},
            ]}) + "\n"  # fmt: skip
            out.write(line)
            written += len(line)
            count += 1
    return count


REPEAT = 5  # each time is the best of this many runs, interleaved: on a shared machine the best is the least disturbed


def run(code: str, path: Path, *args: str) -> tuple[float, float, int, float]:
    done = subprocess.run([sys.executable, "-c", code, str(path), *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    seconds, max_rss_kb, tokens, cpu = done.stdout.split()
    return float(seconds), int(max_rss_kb) / 1024, int(tokens), float(cpu)


def measure_all(path: Path) -> dict[str, tuple[float, float, int, float]]:
    """(best seconds, worst peak MB, tokens, best CPU seconds) per pass, the passes taking turns."""
    passes = {
        "json": (PARSE.format(module="json"),),
        "orjson": (PARSE.format(module="orjson"),),
        "validate": (VALIDATOR, "estimate"),
        "exact": (VALIDATOR, "exact"),
    }
    runs: dict[str, list[tuple[float, float, int, float]]] = {name: [] for name in passes}
    for _ in range(REPEAT):
        for name, (code, *args) in passes.items():
            runs[name].append(run(code, path, *args))
    return {
        name: (min(r[0] for r in got), max(r[1] for r in got), got[0][2], min(r[3] for r in got))
        for name, got in runs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=100, help="size of the generated file in MB")
    size = parser.parse_args().mb
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for megabytes in (max(1, size // 4), size):
            path = Path(folder) / f"train-{megabytes}.jsonl"
            examples = generate(path, megabytes)
            rows.append((megabytes, examples, measure_all(path)))
            path.unlink()
    print(f"{'file':>8} {'examples':>10} {'json.loads':>11} {'orjson':>10} {'validate':>10} {'vs json':>8} "
          f"{'vs orjson':>9} {'cpu vs json':>11} {'peak RSS':>9} | {'exact tokens':>13} {'tokens/s':>11} "
          f"{'peak RSS':>9}")  # fmt: skip
    for megabytes, examples, m in rows:
        (json_s, _, _, json_cpu), (orjson_s, *_), (ours_s, ours_mb, _, ours_cpu) = m["json"], m["orjson"], m["validate"]
        exact_s, exact_mb, tokens, _ = m["exact"]
        print(f"{megabytes:>6}MB {examples:>10,} {megabytes / json_s:>7.0f}MB/s {megabytes / orjson_s:>6.0f}MB/s "
              f"{megabytes / ours_s:>6.0f}MB/s {json_s / ours_s:>8.2f} {orjson_s / ours_s:>9.2f} "
              f"{json_cpu / ours_cpu:>11.2f} {ours_mb:>7.0f}MB | "
              f"{megabytes / exact_s:>9.0f}MB/s {tokens / exact_s / 1e6:>8.1f}M/s {exact_mb:>7.0f}MB")  # fmt: skip
    megabytes, _, m = rows[-1]
    (json_s, _, _, json_cpu), (orjson_s, *_), (ours_s, ours_mb, _, ours_cpu) = m["json"], m["orjson"], m["validate"]
    exact_s, exact_mb, tokens, _ = m["exact"]
    print(f"throughput ratio to json.loads (target >= 1.0): {json_s / ours_s:.2f}; to orjson (aim 1.0): "
          f"{orjson_s / ours_s:.2f}; CPU time ratio to json.loads {json_cpu / ours_cpu:.2f}; "
          f"peak memory {ours_mb:.0f} MB (target < 150 MB)")  # fmt: skip
    print(f"with exact tokens (o200k_base): {exact_s:.2f} s, {tokens:,} tokens, {tokens / exact_s / 1e6:.1f}M/s, "
          f"{json_s / exact_s:.2f}x json.loads, peak memory {exact_mb:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
