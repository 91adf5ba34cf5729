"""Live availability: concurrent sweep through ARM, merged with the catalog, cached with a TTL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ftops.azure import availability
from ftops.catalog import load_catalog
from ftops.cli.app import app


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))


def test_live_model_availability_flags_where_arm_differs(emulator):
    emulator.arm.set_location_models("eastus", [emulator.arm.model_entry("gpt-4.1", "2025-04-14", fine_tune=True)])
    emulator.arm.set_location_models("swedencentral", [])
    result = CliRunner().invoke(app, ["availability", "--model", "gpt-4.1", "--live", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {r["region"]: r for r in data["regions"]}
    assert rows["eastus"] == {**rows["eastus"], "catalog": [], "live": True, "agrees": False}
    assert rows["swedencentral"]["live"] is False and rows["swedencentral"]["agrees"] is False
    assert rows["northcentralus"]["agrees"] is True
    assert data["differences"] == 2


def test_answers_are_cached_until_the_ttl_passes(emulator, arm):
    regions = ["swedencentral", "eastus2"]
    first = availability.sweep(arm, regions)
    asked = emulator.requests
    second = availability.sweep(arm, regions)
    assert emulator.requests == asked and all(a.cached for a in second.values())
    assert second["swedencentral"].offers == first["swedencentral"].offers
    availability.sweep(arm, regions, ttl=0)
    assert emulator.requests > asked


def test_a_failing_region_does_not_sink_the_sweep(emulator, arm):
    emulator.set_faults("drop-before on=GET:*/locations/westus/*")
    answers = availability.sweep(arm, ["westus", "eastus2"], use_cache=False)
    assert answers["westus"].error and not answers["eastus2"].error
    rows = availability.model_rows(load_catalog(), load_catalog().model("gpt-4.1"), None, False, answers)
    assert {r["region"]: r["agrees"] for r in rows} == {"eastus2": True, "westus": None}


def test_check_live_preflight_refuses_a_region_arm_says_cannot_train(emulator):
    emulator.arm.set_location_models("swedencentral", [])
    from ftops.errors import AzureRefusedError

    result = CliRunner().invoke(app, ["check", "--stack", "dev", "--live", "--json"])
    assert isinstance(result.exception, AzureRefusedError) and result.exception.exit_code == 3
    problems = [p.message for p in result.exception.problems]
    assert "gpt-4.1-mini (sft) cannot be fine-tuned in swedencentral per ARM" in problems
