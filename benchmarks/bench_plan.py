"""Program evaluation time under mocks for 1, 4 and 16 regions x 4 projects; growth should be linear.

What `ftops plan` does (evaluate the program under mocks, then build the tree), timed as the best of N runs;
the sizes take turns, so a busy machine slows all of them alike.
Prints, against the 1-region run measured in the same process:
  - time per resource relative to 1 region (flat = linear; a fixed start-up cost makes small runs look dearer),
  - the marginal cost of each added resource between sizes (equal = linear, rising = worse than linear).
Usage: python benchmarks/bench_plan.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from ftops_infra.plan import run_program, tree
from plan_scale import wide_environment

DEPLOYER = "22222222-2222-2222-2222-222222222222"


def evaluate(regions: int) -> tuple[int, float]:
    environment = wide_environment(regions)
    start = time.perf_counter()
    plan = run_program(environment, deployer_principal_id=DEPLOYER)
    tree(plan)
    return len(plan.resources), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    evaluate(1)  # warm imports
    sizes = (1, 4, 16)
    best = dict.fromkeys(sizes, float("inf"))
    counts = {}
    for _ in range(repeat):
        for regions in sizes:
            counts[regions], seconds = evaluate(regions)
            best[regions] = min(best[regions], seconds)
    results = [(regions, counts[regions], best[regions]) for regions in sizes]
    base = results[0][2] / results[0][1]
    header = f"{'regions':>7} {'resources':>9} {'seconds':>8} {'per resource vs 1 region':>25}"
    print(f"{header} {'ms per added resource':>22}")
    previous = None
    for regions, count, seconds in results:
        marginal = "" if previous is None else f"{(seconds - previous[1]) / (count - previous[0]) * 1000:.2f}"
        print(f"{regions:>7} {count:>9} {seconds:>8.3f} {seconds / count / base:>24.2f}x {marginal:>22}")
        previous = (count, seconds)
    (_, n1, t1), (_, n4, t4), (_, n16, t16) = results
    growth = (t16 / t1) / (n16 / n1)
    step = ((t16 - t4) / (n16 - n4)) / ((t4 - t1) / (n4 - n1))
    print(f"time grows {growth:.2f}x as fast as the resource count (1.0 = linear, {n16 / n1:.1f} = quadratic)")
    print(f"marginal cost per resource, 4->16 regions vs 1->4 regions: {step:.2f}x (1.0 = linear)")


if __name__ == "__main__":
    main()
