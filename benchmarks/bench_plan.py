"""Program evaluation time under mocks for 1, 4 and 16 regions x 4 projects; growth should be linear.

Prints seconds, resources, and time per resource relative to the 1-region run (flat = linear growth).
Usage: python benchmarks/bench_plan.py [--repeat N]
"""

from __future__ import annotations

import argparse
import time

from ftops.plan import run_program
from ftops.plan_scale import wide_environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    run_program(wide_environment(1))  # warm imports
    results = []
    for regions in (1, 4, 16):
        environment = wide_environment(regions)
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            plan = run_program(environment)
            best = min(best, time.perf_counter() - start)
        results.append((regions, len(plan.resources), best))
    base = results[0][2] / results[0][1]
    print(f"{'regions':>7} {'resources':>9} {'seconds':>8} {'per resource vs 1 region':>25}")
    for regions, count, seconds in results:
        print(f"{regions:>7} {count:>9} {seconds:>8.3f} {seconds / count / base:>24.2f}x")
    growth = (results[2][2] / results[0][2]) / (results[2][1] / results[0][1])
    print(f"time grows {growth:.2f}x as fast as the resource count (1.0 = linear)")


if __name__ == "__main__":
    main()
