"""`launch --training-type data_zone | developer` places the job where the catalog offers it and sends Azure's value."""

from __future__ import annotations

import json

import pytest

from ftops.azure.openai import TRAINING_TYPES
from ftops.catalog import load_catalog
from ftops.cli.app import run

catalog = load_catalog()
ACCOUNTS = [("swedencentral", "aisse"), ("eastus2", "aiseus2")]


def test_the_api_values_are_the_catalogs_cited_ones() -> None:
    cited = {kind: meaning["api_value"] for kind, meaning in catalog.training_type_meanings.items()}
    assert cited == TRAINING_TYPES


def _jobs(emulator) -> list[tuple[str, dict]]:
    """(account, create body) of every job the emulator holds."""
    return [(name, job.body) for name, a in emulator.dataplane.accounts.items() for job in a.jobs.values()]


@pytest.mark.parametrize(
    ("model", "kind", "wire", "where"),
    [
        ("gpt-4.1-mini", "data_zone", "DataZoneStandard", "eastus2"),  # the US data zone: not swedencentral
        ("gpt-4.1-mini", "developer", "Developer", "swedencentral"),  # the first stack region offering Developer
    ],
)
def test_a_training_type_is_placed_where_offered_and_sent(emulator, outputs_for, sft_file, model, kind, wire, where):
    offered = catalog.where(catalog.offered_model(model), "sft").regions_for(kind)
    assert where in offered and (kind != "data_zone" or "swedencentral" not in offered)
    outputs = str(outputs_for(ACCOUNTS))
    args = ["launch", "--outputs", outputs, "--model", model, "--method", "sft", "--train", str(sft_file)]
    args += ["--training-type", kind, "--json"]
    code, out, err = run([*args, "--wait"])
    assert code == 0, err
    launched = json.loads(out)
    assert launched["target"]["location"] == where and launched["final"]["status"] == "succeeded"
    [(account, body)] = _jobs(emulator)
    assert account == dict((loc, name) for loc, name in ACCOUNTS)[where] and body["trainingType"] == wire
    code, out, _ = run(args)  # the rerun finds the same job
    assert code == 0 and json.loads(out)["job_id"] == launched["job_id"] and len(_jobs(emulator)) == 1


def test_data_zone_training_without_a_us_account_names_the_regions(emulator, outputs_for, sft_file):
    outputs = str(outputs_for([("swedencentral", "aisse")]))
    args = ["launch", "--outputs", outputs, "--model", "gpt-4.1-mini", "--method", "sft", "--train", str(sft_file)]
    code, _, err = run([*args, "--training-type", "data_zone", "--json"])
    assert code == 1 and "data_zone training in eastus" in err and "eastus2" in err
    assert _jobs(emulator) == [] and all(not a.files for a in emulator.dataplane.accounts.values())
