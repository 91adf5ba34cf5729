"""`ftops --help` start-up time as a ratio to `python -c "import typer"`, measured in the same run.

Target: at most 1.5x. Heavy modules (pulumi, httpx, azure, pydantic) must stay out of start-up.
Usage: python benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def best_of(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    ftops = str(Path(sys.executable).with_name("ftops"))
    baseline = best_of([sys.executable, "-c", "import typer"], runs)
    help_time = best_of([ftops, "--help"], runs)
    models_time = best_of([ftops, "models", "--json"], runs)
    print(f"baseline  python -c 'import typer'  {baseline * 1000:7.1f} ms")
    ratio = help_time / baseline
    print(f"ftops --help                         {help_time * 1000:7.1f} ms  ratio {ratio:.2f}x (target <= 1.5x)")
    print(f"ftops models --json                  {models_time * 1000:7.1f} ms  ratio {models_time / baseline:.2f}x")


if __name__ == "__main__":
    main()
