"""The managed-compute stack's graph, `ftops quota` in table and JSON form, and the quota preflight of check."""

from __future__ import annotations

import json

import pytest
from ftops_infra.plan import run_program

from ftops.capacity.vm_quota import TOTAL, FamilyQuota, Need, compare
from ftops.catalog import load_catalog
from ftops.cli.app import run as cli_run
from ftops.errors import ConfigError
from ftops.stack.outputs import parse_outputs
from ftops.stack.schema import load_stack_file, parse_environment

DYNAMIC = "pulumi-python:dynamic:Resource"
COMPUTE = "azure-native:machinelearningservices:Compute"
A100 = "standardNCADSA100v4Family"


def run(*args: str) -> tuple[int, str, str]:
    return cli_run(list(args))


def test_quota_before_compute_in_the_hub_in_the_right_family():
    plan = run_program(load_stack_file("managed-compute"))
    (quota,) = plan.of_type(DYNAMIC)
    (cluster,) = plan.of_type(COMPUTE)
    assert any(dep.endswith(f"::{quota.name}") for dep in cluster.depends_on)  # no cluster before its quota
    hub = next(w for w in plan.of_type("azure-native:machinelearningservices:Workspace") if w.inputs["kind"] == "Hub")
    assert cluster.inputs["workspaceName"] == hub.inputs["workspaceName"]
    assert "ftops:azure:Hub$ftops:azure:ManagedCompute" in cluster.parent  # the component sits in the hub's
    size = cluster.props["properties"]["vmSize"]
    assert quota.inputs["family"] == load_catalog().vm_size(size).family == A100
    assert quota.inputs["vcpus"] == 96 + 24 and quota.inputs["location"] == hub.inputs["location"]
    scale = cluster.props["properties"]["scaleSettings"]
    assert scale["minNodeCount"] == 0 and scale["maxNodeCount"] == 4  # scales to zero when idle
    assert cluster.props["properties"]["vmPriority"] == "Dedicated"  # counted in the family's dedicated quota
    outputs = parse_outputs(plan.outputs, source="managed-compute")
    assert outputs.hub.compute.vm_family == A100 and outputs.hub.compute.vm_size == size
    assert outputs.hub.compute.name == cluster.inputs["computeName"] and len(outputs.hub.compute.name) <= 16


def test_recommended_sizes_are_known_sizes_with_a_source():
    catalog = load_catalog()
    for model, uses in catalog.recommended_sizes.items():
        catalog.model(model)  # a model the catalog knows
        assert set(uses) == {"training", "inference"}, model
        for use, sizes in uses.items():
            assert sizes and all(catalog.vm_size(s).gpus > 0 for s in sizes), (model, use)
            assert catalog.recommended_sizes_source[(model, use)].document
    # The Llama 2 lists are the model cards' allow-lists: 70B trains on 8-GPU ND A100 nodes only.
    assert catalog.recommended_sizes["Llama-2-70b"]["training"] == ("Standard_ND96asr_v4", "Standard_ND96amsr_A100_v4")
    assert catalog.recommended_sizes_source[("Llama-2-70b", "training")].key == "azureml-assets-specs"


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

    from ftops.stack.schema import stack_file

    data = yaml.safe_load(stack_file("managed-compute").read_text())["config"]["ftops:environment"]
    data["managed_compute"].update(change)
    with pytest.raises(ConfigError) as caught:
        parse_environment(data)
    found = {p.path: p.message for p in caught.value.problems}
    assert fragment in found[path]


def test_quota_json_compares_the_stack_with_what_is_free(emulator):
    code, out, err = run("quota", "--stack", "managed-compute", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    (need,) = data["stack"]["needs"]
    assert (need["family"], need["wanted"], need["free"], need["short"]) == (A100, 120, 0, 120)
    assert need["blocking"] is False and need["status"] == "short by 120: pulumi up requests a limit of 120"
    families = {q["family"]: q for q in data["vm_quota"]}
    assert (families["standardDSv2Family"]["used"], families["standardDSv2Family"]["free"]) == (4, 96)
    assert data["errors"] == {}


def test_quota_table_shows_usage_limit_free_and_what_the_stack_needs(emulator):
    code, out, _ = run("quota", "--stack", "managed-compute")
    assert code == 0
    rows = {
        line.split("│")[2].strip(): [c.strip() for c in line.split("│")[1:-1]]
        for line in out.splitlines()
        if "│" in line
    }
    assert rows["standardDSv2Family"] == ["westus3", "standardDSv2Family", "4", "100", "96"]
    assert "what managed-compute needs" in out and "Standard_NC24ads_A100_v4" in out and "short by 120" in out


def test_quota_filters_by_vm_size_or_family_and_sweeps_every_region(emulator):
    code, out, _ = run("quota", "--region", "westus3", "--vm-size", "standard_nc12s_v3")
    assert code == 0 and "standardNCSv3Family" in out and A100 not in out and "│ 24" in out
    code, out, _ = run("quota", "--all-regions", "--family", "standardNCSv3Family", "--json")
    assert code == 0
    rows = json.loads(out)["vm_quota"]
    assert {r["location"] for r in rows} == set(load_catalog().azure_regions)
    assert {r["family"] for r in rows} == {"standardNCSv3Family"}


def test_a_region_that_fails_is_reported_beside_the_others(emulator):
    emulator.set_faults("500 on=GET:*MachineLearningServices/locations/eastus/usages* retry-after=0")
    code, out, _ = run("quota", "--region", "eastus", "--stack", "managed-compute", "--json")
    data = json.loads(out)
    assert code == 0 and "eastus" in data["errors"] and {r["location"] for r in data["vm_quota"]} == {"westus3"}


def test_check_live_includes_the_vm_quota_preflight(emulator):
    code, out, _ = run("check", "--stack", "managed-compute", "--live", "--json")
    assert code == 0
    live = json.loads(out)["live"]
    (row,) = live["vm_quota"]
    assert live["ok"] is True
    assert (row["family"], row["wanted"], row["short"], row["blocking"]) == (A100, 120, 120, False)


def test_quota_usage_and_user_errors():
    assert run("quota")[0] == 2
    assert run("quota", "--region", "westus3", "--vm-size", "Standard_NC12s_v3", "--family", "x")[0] == 2
    code, _, err = run("quota", "--region", "westus3", "--vm-size", "Standard_NC7_v9")
    assert code == 1 and "unknown VM size 'Standard_NC7_v9'" in err and "Standard_NC24ads_A100_v4" in err
    code, _, err = run("quota", "--stack", "dev")
    assert code == 1 and "declares no managed compute" in err


def test_compare_blocks_what_pulumi_up_cannot_request():
    need = Need("eastus", A100, "Standard_NC24ads_A100_v4", 48)
    family = FamilyQuota("eastus", A100, A100, 0, 0)
    assert compare(need, {A100: family})["blocking"] is False  # pulumi up asks for the family
    total = FamilyQuota("eastus", TOTAL, "Total Cluster Dedicated Regional vCPUs", 14, 24)
    blocked = compare(need, {A100: family, TOTAL: total})
    assert blocked["blocking"] is True and "limit of 62 by hand" in blocked["status"]
    missing = compare(need, {})
    assert missing["blocking"] is True and "lists no" in missing["status"]
    # Azure's casing of family names varies; the match does not.
    assert compare(need, {A100.lower(): FamilyQuota("eastus", A100.lower(), "", 0, 48)})["status"] == "ok"
