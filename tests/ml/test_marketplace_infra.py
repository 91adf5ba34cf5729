"""The stack's marketplace subscription (Pulumi program under mocks) is the one a launch looks for."""

from __future__ import annotations

import json

from ftops_infra.plan import run_program

from ftops.azure.ml import AzureML
from ftops.catalog import load_catalog
from ftops.cli.app import run
from ftops.stack.naming import marketplace_subscription_name
from ftops.stack.schema import load_stack_file

SUBSCRIPTION = "azure-native:machinelearningservices:MarketplaceSubscription"


def test_program_declares_one_subscription_per_declared_model_in_its_project() -> None:
    plan = run_program(load_stack_file("open-models"), deployer_principal_id="22222222-2222-2222-2222-222222222222")
    [subscription] = plan.of_type(SUBSCRIPTION)
    catalog = load_catalog()
    assert subscription.inputs["name"] == marketplace_subscription_name("Ministral-3B") == "ministral-3b"
    assert subscription.inputs["properties"]["modelId"] == catalog.registry_model_id(catalog.model("Ministral-3B"))
    [project] = [
        w for w in plan.of_type("azure-native:machinelearningservices:Workspace") if w.inputs["kind"] == "Project"
    ]
    assert subscription.inputs["workspaceName"] == project.inputs["workspaceName"]
    assert "ftops:azure:HubProject" in subscription.parent


def test_a_launch_accepts_exactly_what_the_program_creates(emulator, hub_outputs, sft_file, project_id) -> None:
    """Create in the emulator the very subscription the program would create; the preflight must accept it."""
    plan = run_program(load_stack_file("open-models"), deployer_principal_id="22222222-2222-2222-2222-222222222222")
    [subscription] = plan.of_type(SUBSCRIPTION)
    with AzureML(sleep=lambda s: None) as ml:
        ml.begin_marketplace_subscription(
            project_id, subscription.inputs["name"], subscription.inputs["properties"]["modelId"]
        ).result(poll_seconds=0)
    args = ["launch", "--model", "Ministral-3B", "--method", "sft", "--train", str(sft_file), "--json"]
    code, out, err = run([*args, "--outputs", str(hub_outputs(marketplace=("Ministral-3B",)))])
    assert code == 0, err
    assert json.loads(out)["target"]["kind"] == "hub"
    assert emulator.ml.counters[f"subscription_creations:{project_id.rsplit('/', 1)[-1]}"] == 1


def test_a_subscription_for_another_model_under_that_name_is_refused(emulator, hub_outputs, sft_file, project_id):
    """Only a subscription to this model's registry asset counts, whatever its name."""
    with AzureML(sleep=lambda s: None) as ml:
        other = "azureml://registries/azureml-mistral/models/Mistral-small-2503"
        ml.begin_marketplace_subscription(project_id, marketplace_subscription_name("Ministral-3B"), other).result(
            poll_seconds=0
        )
    args = ["launch", "--model", "Ministral-3B", "--method", "sft", "--train", str(sft_file), "--json"]
    code, _, err = run([*args, "--outputs", str(hub_outputs(marketplace=("Ministral-3B",)))])
    assert code == 1 and "run `pulumi up`" in err
    assert not emulator.ml.jobs and not emulator.ml.blobs
