"""Live availability sweep: 30 regions through ARM with 200 ms injected latency, vs. one request.

Runs against the local emulator (no Azure). Prints both times and the ratio; the target is within 2x
(a sequential loop would take about 30x).

    .venv/bin/python benchmarks/bench_live_sweep.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time


def main() -> int:
    from ftops.azure import availability
    from ftops.azure.arm import ArmClient
    from ftops.azure.settings import EMULATOR_SUBSCRIPTION, load_settings
    from ftops.catalog import load_catalog
    from ftops.emulator.server import Emulator

    regions = sorted(load_catalog().azure_regions)[:30]
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="ftops-bench-")
    # Emulator page size is 5, so each region is 2 requests (nextLink); latency applies to each.
    with Emulator(faults="latency ms=200 on=GET:*", validate=False) as emulator:
        os.environ["FTOPS_AZURE_EMULATOR"] = emulator.url
        with ArmClient(EMULATOR_SUBSCRIPTION, settings=load_settings()) as arm:
            list(arm.location_models("eastus2"))  # warm the connection pool
            # Baseline: one region that needs the most pages (so the comparison is like for like).
            started = time.perf_counter()
            availability.sweep(arm, ["swedencentral"], use_cache=False)
            one = time.perf_counter() - started
            started = time.perf_counter()
            answers = availability.sweep(arm, regions, use_cache=False)
            sweep = time.perf_counter() - started
    failed = [r for r, a in answers.items() if a.error]
    ratio = sweep / one
    print(f"regions: {len(regions)}  failed: {len(failed)}")
    print(f"one region (baseline): {one * 1000:.0f} ms")
    print(f"30-region sweep:       {sweep * 1000:.0f} ms")
    print(f"ratio sweep/one: {ratio:.2f}x (target <= 2x; sequential would be ~{len(regions)}x)")
    return 0 if ratio <= 2 and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
