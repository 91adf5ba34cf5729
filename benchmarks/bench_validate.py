"""Validation throughput and peak memory on a generated SFT file, against a bare json.loads-per-line pass.

Targets: throughput ratio >= 0.5 of the bare pass; peak memory bounded whatever the size (one line at a
time plus a fixed-budget digest table), under 150 MB.
Usage: python benchmarks/bench_validate.py [--mb 100]   (--mb 1024 for the 1 GB figure)
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

BASELINE = """
import json, resource, sys, time
start = time.perf_counter()
with open(sys.argv[1], "rb") as handle:
    for line in handle:
        json.loads(line)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
VALIDATOR = """
import resource, sys, time
from pathlib import Path
from ftops.catalog import load_catalog
from ftops.data import validate_files
load_catalog()  # a one-time fixed cost (YAML parse), not part of the per-byte throughput
start = time.perf_counter()
report = validate_files(Path(sys.argv[1]), "sft", "gpt-4.1-mini")
assert report.train.examples > 0
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
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


def measure(code: str, path: Path) -> tuple[float, float]:
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    seconds, max_rss_kb = done.stdout.split()
    return float(seconds), int(max_rss_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=100, help="size of the generated file in MB")
    size = parser.parse_args().mb
    with tempfile.TemporaryDirectory() as folder:
        rows = []
        for megabytes in (max(1, size // 4), size):
            path = Path(folder) / f"train-{megabytes}.jsonl"
            examples = generate(path, megabytes)
            base_s, base_mb = measure(BASELINE, path)
            ours_s, ours_mb = measure(VALIDATOR, path)
            rows.append((megabytes, examples, base_s, ours_s, base_mb, ours_mb))
            path.unlink()
    print(f"{'file':>8} {'examples':>10} {'json.loads':>11} {'validate':>9} {'ratio':>6} {'peak RSS':>9} {'(bare)':>8}")
    for megabytes, examples, base_s, ours_s, base_mb, ours_mb in rows:
        ratio = base_s / ours_s  # throughput of the validator relative to the bare pass
        print(f"{megabytes:>6}MB {examples:>10,} {megabytes / base_s:>8.1f}MB/s {megabytes / ours_s:>6.1f}MB/s "
              f"{ratio:>6.2f} {ours_mb:>7.0f}MB {base_mb:>6.0f}MB")  # fmt: skip
    from ftops.data.digests import MAX_SLOTS

    # Memory = the interpreter and one line at a time (flat) + the digest table, which grows with the number
    # of distinct examples up to a fixed budget (MAX_SLOTS words; 1.5x that while it doubles the last time).
    budget_mb = MAX_SLOTS * 8 * 1.5 / 2**20
    ceiling = rows[0][5] + budget_mb
    print(f"throughput ratio (target >= 0.5): {rows[1][2] / rows[1][3]:.2f}; "
          f"peak memory {rows[0][5]:.0f} MB at {rows[0][0]} MB, {rows[1][5]:.0f} MB at {rows[1][0]} MB; "
          f"bound for any size: {ceiling:.0f} MB (target < 150 MB)")  # fmt: skip


if __name__ == "__main__":
    main()
