"""The emulator's AzureML contract against Microsoft's shapes, and what ftops sends against the contract."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

from ftops.azure.settings import ML_API_VERSION
from ftops.cli.app import run
from ftops.emulator.http import Request
from ftops.emulator.mlplane import MlPlane, contract

EXAMPLES = Path(__file__).parent / "spec_examples"
WS_PATH = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/prj"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def put(plane: MlPlane, path: str, body: dict) -> tuple[int, list[str]]:
    violations: list[str] = []
    request = Request("PUT", WS_PATH + path, {"api-version": ML_API_VERSION}, {}, b"", json=body, base_url="http://x")
    return plane.handle(request, violations.append).status, violations


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def test_the_contract_speaks_the_clients_api_version() -> None:
    assert contract()["api_version"] == ML_API_VERSION == "2025-12-01"  # tests/azure checks it is a saved spec's


def test_microsofts_fine_tuning_job_example_passes_the_contract() -> None:
    status, violations = put(MlPlane(), "/jobs/example", example("FineTuningJob_createOrUpdate.request.json"))
    assert (status, violations) == (201, [])


@pytest.mark.parametrize(
    ("change", "flagged"),
    [
        (lambda p: p.update(jobType="Command"), "jobType 'Command'"),
        (lambda p: p.update(hyperparameters={"epochs": "1"}), "unknown job property hyperparameters"),
        (lambda p: p["fineTuningDetails"].update(modelProvider="OpenAI"), "modelProvider 'OpenAI'"),
        (lambda p: p["fineTuningDetails"].update(taskType="chat"), "taskType 'chat'"),
        (lambda p: p["fineTuningDetails"]["trainingData"].update(jobInputType="file"), "trainingData.jobInputType"),
        (lambda p: p.pop("outputs"), "outputs are required"),
    ],
)
def test_the_emulator_flags_a_job_that_breaks_the_contract(change, flagged: str) -> None:
    body = example("FineTuningJob_createOrUpdate.request.json")
    change(body["properties"])
    status, violations = put(MlPlane(), "/jobs/broken", body)
    assert status == 400 and len(violations) == 1 and flagged in violations[0]


def test_subscription_and_serverless_fragments_match_the_generated_2025_12_01_types() -> None:
    from pulumi_azure_native.machinelearningservices import _enums, _inputs, marketplace_subscription

    assert "Uses Azure REST API version 2025-12-01" in inspect.getsource(marketplace_subscription)
    subscription = inspect.signature(_inputs.MarketplaceSubscriptionPropertiesArgs.__init__).parameters
    rules = contract()["marketplace_subscription"]
    assert {camel(p) for p in subscription if p != "__self__"} == set(rules["properties"]) == set(rules["required"])
    endpoint = inspect.signature(_inputs.ServerlessEndpointPropertiesArgs.__init__).parameters
    assert {camel(p) for p in endpoint if p != "__self__"} == set(contract()["serverless_endpoint"]["properties"])
    modes = {mode.value for mode in _enums.ServerlessInferenceEndpointAuthMode}
    assert modes == set(contract()["serverless_endpoint"]["authMode"])


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/marketplaceSubscriptions/m", {"properties": {}}, 400),
        ("/marketplaceSubscriptions/m", {"properties": {"modelId": "x", "plan": "p"}}, 400),
        ("/serverlessEndpoints/e", {"location": "eastus2", "properties": {"authMode": "AMLToken"}}, 400),
    ],
)
def test_the_emulator_flags_subscription_and_endpoint_bodies_that_break_the_contract(path, body, status) -> None:
    got, violations = put(MlPlane(), path, body)
    assert got == status and len(violations) == 1


def test_what_a_launch_sends_uses_only_the_examples_names(emulator, hub_outputs, sft_file) -> None:
    outputs = str(hub_outputs())
    args = ["launch", "--outputs", outputs, "--model", "Phi-4", "--method", "sft", "--train", str(sft_file)]
    code, _, err = run([*args, "--epochs", "3", "--batch-size", "4", "--json"])
    assert code == 0, err
    [(_, job)] = [(k, v) for k, v in emulator.ml.jobs.items()]
    sent, shown = job["properties"], example("FineTuningJob_createOrUpdate.request.json")["properties"]
    assert set(sent) <= set(contract()["job"]["properties"])
    assert sent["jobType"] == shown["jobType"] and sent["fineTuningDetails"]["modelProvider"] == "Custom"
    details = sent["fineTuningDetails"]
    assert set(details["model"]) <= set(shown["fineTuningDetails"]["model"])
    assert set(details["trainingData"]) <= set(shown["fineTuningDetails"]["trainingData"])
    assert re.fullmatch(
        r"azureml:/.+/workspaces/prj-open/data/ftops-[0-9a-f]{16}/versions/1", details["trainingData"]["uri"]
    )
    assert details["hyperParameters"] == {"num_train_epochs": "3", "per_device_train_batch_size": "4"}
    [output] = sent["outputs"].values()
    assert set(output) <= set(next(iter(shown["outputs"].values())))
