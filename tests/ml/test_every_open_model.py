"""Every open model in the catalog launches serverlessly in a hub project in one of its regions."""

from __future__ import annotations

import json

import pytest

from ftops.azure.ml import AzureML
from ftops.catalog import load_catalog
from ftops.cli.app import run
from ftops.stack.naming import marketplace_subscription_name

catalog = load_catalog()
HUB = {"serverless-hub", "serverless-marketplace"}
OPEN = [m for m in catalog.offered_models() if HUB & set(m.offers)]


def test_the_catalog_has_the_current_open_models_and_no_retired_one() -> None:
    names = {m.name for m in OPEN}
    assert {"Phi-4", "Phi-4-mini-instruct", "Ministral-3B", "Llama-3.3-70B-Instruct", "tsuzumi-7b"} <= names
    assert not {"Mistral-Nemo", "Mistral-Large-2411", "Meta-Llama-3.1-8B-Instruct"} & names


@pytest.mark.parametrize("name", ["Mistral-Nemo", "Mistral-Large-2411", "Meta-Llama-3.1-8B-Instruct", "Llama-2-7b"])
def test_a_retired_open_model_is_refused_with_its_date_and_replacement(emulator, hub_outputs, sft_file, name) -> None:
    life = catalog.model(name).lifecycle
    assert life is not None and life.retired
    args = ["launch", "--outputs", str(hub_outputs()), "--model", name, "--method", "sft", "--train", str(sft_file)]
    code, out, err = run([*args, "--json"])
    assert code == 1 and f"retired on {life.retired}" in err
    assert "fine-tunable" in json.loads(out)["hint"] or "use " in json.loads(out)["hint"]
    assert not emulator.ml.blobs and not emulator.ml.data and not emulator.ml.jobs


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
