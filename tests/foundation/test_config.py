"""The environment schema: valid stacks load, broken ones fail with one problem per path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from ftops.errors import ConfigError
from ftops.stack.schema import load_stack_file, parse_environment

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = ["dev", "multi-region", "open-models", "managed-compute"]

BASE = {
    "name": "ftdemo",
    "resource_group": {"location": "swedencentral"},
    "regions": [{"location": "swedencentral", "projects": [{"name": "p1"}]}],
    "fine_tunes": [{"model": "gpt-4.1-mini", "method": "sft"}],
}


def problems_of(data: dict) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_environment(data)
    return {p.path: p.message for p in caught.value.problems}


@pytest.mark.parametrize("stack", EXAMPLES)
def test_example_stacks_validate(stack: str) -> None:
    env = load_stack_file(stack)
    assert env.name.startswith("ft")


def test_defaults_fill_in() -> None:
    env = parse_environment(BASE)
    assert env.network.mode == "public"
    assert env.resource_group_name == "rg-ftdemo"
    assert env.regions[0].deployments == []


def test_wrong_region_unknown_model_and_missing_field_each_get_a_path() -> None:
    data = copy.deepcopy(BASE)
    data["regions"].append({"location": "swedencentrl"})
    data["fine_tunes"].append({"model": "gpt-4.1-mni"})
    data["resource_group"] = {}
    # Structural problems are reported first, all at once.
    assert problems_of(data) == {"resource_group.location": "required field is missing"}
    data["resource_group"] = {"location": "swedencentral"}
    found = problems_of(data)
    assert "did you mean swedencentral" in found["regions[1].location"]
    assert "did you mean gpt-4.1-mini" in found["fine_tunes[1].model"]
    assert len(found) == 2


def test_unknown_key_lists_valid_keys() -> None:
    data = copy.deepcopy(BASE)
    data["regions"][0]["projects"][0]["nmae"] = "x"
    found = problems_of(data)
    assert "regions[0].projects[0].nmae" in found
    assert "valid keys: name, display_name, description" in found["regions[0].projects[0].nmae"]


def test_bad_project_name_says_what_is_valid() -> None:
    data = copy.deepcopy(BASE)
    data["regions"][0]["projects"][0]["name"] = "Bad_Name"
    found = problems_of(data)
    assert "lowercase letters, digits and '-'" in found["regions[0].projects[0].name"]


def test_fine_tune_in_region_that_cannot_train_names_regions_that_can() -> None:
    data = copy.deepcopy(BASE)
    data["regions"] = [{"location": "westeurope"}]
    data["fine_tunes"] = [{"model": "gpt-4.1", "method": "dpo", "region": "westeurope"}]
    message = problems_of(data)["fine_tunes[0].region"]
    assert "gpt-4.1" in message and "direct preference (DPO)" in message and "westeurope" in message
    assert "northcentralus, swedencentral" in message


def test_fine_tune_without_any_capable_declared_region() -> None:
    data = copy.deepcopy(BASE)
    data["regions"] = [{"location": "westeurope"}]
    message = problems_of(data)["fine_tunes[0].model"]
    assert "add a regions entry in one of: northcentralus, swedencentral" in message


def test_global_training_from_a_global_region_is_accepted_but_not_developer_for_gpt5() -> None:
    data = copy.deepcopy(BASE)
    data["regions"] = [{"location": "francecentral"}]
    data["fine_tunes"] = [{"model": "gpt-4.1-mini", "training_type": "global"}]
    parse_environment(data)
    data["fine_tunes"] = [{"model": "gpt-5", "method": "rft", "training_type": "developer"}]
    assert "offered: standard, data_zone, global training" in problems_of(data)["fine_tunes[0].training_type"]


def test_method_the_model_lacks() -> None:
    data = copy.deepcopy(BASE)
    data["fine_tunes"] = [{"model": "o4-mini", "method": "sft"}]
    assert "reinforcement (RFT)" in problems_of(data)["fine_tunes[0].method"]


def test_marketplace_model_needs_subscription_and_hub() -> None:
    data = {"name": "ftopen", "resource_group": {"location": "eastus2"}, "fine_tunes": [{"model": "tsuzumi-7b"}]}
    assert "add a 'hub' section" in problems_of(data)["fine_tunes[0]"]
    data["hub"] = {"projects": [{"name": "p1"}]}
    assert "marketplace_subscriptions" in problems_of(data)["fine_tunes[0].model"]
    data["hub"]["projects"][0]["marketplace_subscriptions"] = ["Tsuzumi 7B"]
    parse_environment(data)


def test_hub_model_in_wrong_hub_region() -> None:
    data = {
        "name": "ftopen",
        "resource_group": {"location": "westeurope"},
        "hub": {"projects": [{"name": "p1"}]},
        "fine_tunes": [{"model": "Phi-4"}],
    }
    assert "cannot train in the hub's region westeurope" in problems_of(data)["fine_tunes[0].model"]


def test_duplicates_are_reported_with_both_paths() -> None:
    data = copy.deepcopy(BASE)
    data["regions"][0]["projects"].append({"name": "p1"})
    assert "also at regions[0].projects[0].name" in problems_of(data)["regions[0].projects[1].name"]


def test_unknown_role_lists_valid_roles() -> None:
    data = copy.deepcopy(BASE)
    data["access"] = [{"principal_id": "00000000-0000-0000-0000-000000000001", "roles": ["Owner"]}]
    assert "valid roles: Azure AI User" in problems_of(data)["access[0].roles"]


def test_not_a_mapping() -> None:
    with pytest.raises(ConfigError, match="must be a mapping"):
        parse_environment(["x"])


def test_stack_file_errors(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "Pulumi.bad.yaml"
    bad_yaml.write_text("config:\n  ftops:environment: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_stack_file(str(bad_yaml))
    no_key = tmp_path / "Pulumi.nokey.yaml"
    no_key.write_text(yaml.safe_dump({"config": {"azure-native:location": "x"}}))
    with pytest.raises(ConfigError, match="has no 'ftops:environment'"):
        load_stack_file(str(no_key))
    with pytest.raises(ConfigError, match="not found") as caught:
        load_stack_file("nosuchstack")
    assert "dev" in caught.value.hint
