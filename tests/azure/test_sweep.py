"""The one region sweep: bounded parallel reads, errors per region, input order, one deadline."""

from __future__ import annotations

import threading

from ftops.azure.sweep import by_region, sweep
from ftops.errors import AzureFailureError


def test_results_keep_the_input_order_and_each_regions_error():
    def read(region: str) -> int:
        if region == "bad":
            raise AzureFailureError("bad is down")
        return len(region)

    results = sweep(read, ["westus3", "bad", "eastus", "westus3"])
    assert [(r.region, r.value, r.error) for r in results] == [
        ("westus3", 7, None),
        ("bad", None, "bad is down"),
        ("eastus", 6, None),
    ]
    assert by_region(results) == ({"westus3": 7, "eastus": 6}, {"bad": "bad is down"})


def test_no_more_reads_run_at_once_than_the_bound():
    running = 0
    most = 0
    lock = threading.Lock()
    gate = threading.Barrier(3, timeout=10)  # three reads must be in flight together for any to finish

    def read(region: str) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        gate.wait()
        with lock:
            running -= 1
        return region

    regions = [f"r{i}" for i in range(9)]
    assert [r.value for r in sweep(read, regions, max_workers=3)] == regions
    assert most == 3


def test_a_region_that_does_not_answer_by_the_deadline_is_an_error_not_a_hang():
    release = threading.Event()

    def read(region: str) -> str:
        if region == "slow":
            release.wait(30)
        return region

    try:
        results = sweep(read, ["fast", "slow"], timeout=0.2)
    finally:
        release.set()
    assert results[0].value == "fast"
    assert results[1].error == "no answer within 0s" and results[1].value is None


def test_an_empty_sweep_reads_nothing():
    assert sweep(lambda region: 1 / 0, []) == []
