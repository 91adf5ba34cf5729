"""Every open model in the catalog launches serverlessly in a hub project in one of its regions."""

from __future__ import annotations

import json

import pytest

from ftops.azure.ml import AzureML
from ftops.catalog import load_catalog
from ftops.cli.app import run
from ftops.stack.naming import marketplace_subscription_name

catalog = load_catalog()
OPEN = [m for m in catalog.models if {"serverless-hub", "serverless-marketplace"} & set(m.offers)]


def test_the_catalog_has_the_issues_open_models() -> None:
    names = {m.name for m in OPEN}
    assert {"Phi-4", "Phi-4-mini-instruct", "Mistral-Nemo", "Ministral-3B", "Mistral-Large-2411"} <= names
    assert {"Meta-Llama-3.1-8B-Instruct", "tsuzumi-7b"} <= names


@pytest.mark.parametrize("model", OPEN, ids=lambda m: m.name)
def test_each_open_model_launches_in_its_region(model, emulator, hub_outputs, sft_file, project_id) -> None:
    region = model.standard_regions[0]
    declared = (model.name,) if model.needs_marketplace else ()
    if model.needs_marketplace:
        with AzureML(sleep=lambda s: None) as ml:
            model_id = catalog.registry_model_id(model)
            ml.begin_marketplace_subscription(project_id, marketplace_subscription_name(model.name), model_id).result(
                poll_seconds=0
            )
    outputs = str(hub_outputs(marketplace=declared, location=region))
    args = ["launch", "--outputs", outputs, "--model", model.name, "--method", "sft", "--train", str(sft_file)]
    code, out, err = run([*args, "--json", "--wait"])
    assert code == 0, err
    launched = json.loads(out)
    assert launched["target"]["location"] == region and launched["final"]["status"] == "succeeded"
    [job] = emulator.ml.jobs.values()
    assert job["properties"]["fineTuningDetails"]["model"]["uri"] == catalog.registry_model_id(model)
    assert "computeId" not in job["properties"]  # serverless: Azure's capacity, not the stack's cluster
