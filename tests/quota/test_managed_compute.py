"""The managed-compute stack's graph, and `ftops quota` in table and JSON form."""

from __future__ import annotations

import json

import pytest

from ftops.catalog import load_catalog
from ftops.cli.app import run as cli_run
from ftops.config import load_stack_file, parse_environment
from ftops.errors import ConfigError
from ftops.outputs import parse_outputs
from ftops.plan import run_program

DYNAMIC = "pulumi-python:dynamic:Resource"
COMPUTE = "azure-native:machinelearningservices:Compute"


def run(*args: str) -> tuple[int, str, str]:
    return cli_run(list(args))


def test_quota_before_compute_in_the_hub_in_the_right_family():
    plan = run_program(load_stack_file("managed-compute"))
    (quota,) = plan.of_type(DYNAMIC)
    (cluster,) = plan.of_type(COMPUTE)
    assert any(dep.endswith(f"::{quota.name}") for dep in cluster.depends_on)
    hub = next(w for w in plan.of_type("azure-native:machinelearningservices:Workspace") if w.inputs["kind"] == "Hub")
    assert cluster.inputs["workspaceName"] == hub.inputs["workspaceName"]
    size = cluster.props["properties"]["vmSize"]
    assert quota.inputs["family"] == load_catalog().vm_size(size).family == "standardNCADSA100v4Family"
    assert quota.inputs["vcpus"] == 120 and quota.inputs["location"] == hub.inputs["location"]
    scale = cluster.props["properties"]["scaleSettings"]
    assert scale["minNodeCount"] == 0 and scale["maxNodeCount"] == 4  # scales to zero when idle
    outputs = parse_outputs(plan.outputs, source="managed-compute")
    assert outputs.hub.compute.vm_family == "standardNCADSA100v4Family"
    assert outputs.hub.compute.name == cluster.inputs["computeName"] and len(outputs.hub.compute.name) <= 16


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        ({"vm_size": "Standard_NC24ads_A100_v9"}, "managed_compute.vm_size", "unknown VM size"),
        ({"training_vcpus": 12}, "managed_compute.training_vcpus", "cannot hold one"),
        ({"max_nodes": 8}, "managed_compute.max_nodes", "need 192 vCPUs"),
        (
            {"vm_size": "Standard_NC12s_v3", "training_vcpus": 12, "max_nodes": 1},
            "managed_compute.vm_size",
            "not a recommended training size",
        ),
    ],
)
def test_managed_compute_sizes_are_checked(change: dict, path: str, fragment: str):
    import yaml

    from ftops.config import stack_file

    data = yaml.safe_load(stack_file("managed-compute").read_text())["config"]["ftops:environment"]
    data["managed_compute"].update(change)
    with pytest.raises(ConfigError) as caught:
        parse_environment(data)
    found = {p.path: p.message for p in caught.value.problems}
    assert fragment in found[path]


def test_quota_table_and_json(emulator):
    code, out, _ = run("quota", "--stack", "managed-compute", "--json")
    assert code == 0
    data = json.loads(out)
    (need,) = data["stack"]["needs"]
    assert (need["family"], need["wanted"], need["free"], need["short"]) == ("standardNCADSA100v4Family", 120, 0, 120)
    families = {q["family"]: q for q in data["vm_quota"]}
    assert families["standardNCSv3Family"]["limit"] == 24
    code, out, _ = run("quota", "--region", "westus3", "--vm-size", "Standard_NC12s_v3")
    assert code == 0
    assert "standardNCSv3Family" in out and "standardNCADSA100v4Family" not in out
    code, out, _ = run("quota", "--all-regions", "--family", "standardNCSv3Family", "--json")
    assert code == 0 and len(json.loads(out)["vm_quota"]) == len(load_catalog().azure_regions)


def test_quota_usage_errors():
    assert run("quota")[0] == 2
    assert run("quota", "--region", "westus3", "--vm-size", "Standard_NC12s_v3", "--family", "x")[0] == 2
