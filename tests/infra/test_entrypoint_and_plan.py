"""`infra/__main__.py` as Pulumi runs it (config in, exports out), and `ftops plan` as a user runs it."""

from __future__ import annotations

import asyncio
import json
import runpy
from pathlib import Path

import pulumi
import yaml
from ftops_infra.plan import make_mocks

from ftops.cli.app import run as cli_run
from ftops.stack.outputs import parse_outputs

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> tuple[int, str, str]:
    return cli_run(list(args))


def test_main_reads_stack_config_and_exports_the_contract() -> None:
    stack = yaml.safe_load((REPO / "stacks" / "Pulumi.multi-region.yaml").read_text())["config"]
    recorded: list = []
    exported: dict = {}
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_mocks(make_mocks(recorded), project="ftops", stack="multi-region", preview=False)
    pulumi.runtime.set_all_config(
        {
            "ftops:environment": json.dumps(stack["ftops:environment"]),
            "ftops:protect": "false",
            "ftops:deployerPrincipalId": "33333333-3333-3333-3333-333333333333",
            "ftops:deployerPrincipalType": "ServicePrincipal",
        }
    )
    original_export = pulumi.export
    pulumi.export = lambda key, value: exported.__setitem__(key, value)

    @pulumi.runtime.test
    def program():
        runpy.run_path(str(REPO / "infra" / "__main__.py"))
        return pulumi.Output.all(**exported).apply(lambda values: exported.update(values))

    try:
        program()
    finally:
        pulumi.export = original_export
        pulumi.runtime.set_all_config({})
    outputs = parse_outputs(exported, source="multi-region")
    assert [r.location for r in outputs.regions] == ["swedencentral", "eastus2", "francecentral"]
    deployer = [r for r in recorded if r.inputs.get("principalId") == "33333333-3333-3333-3333-333333333333"]
    assert deployer and {r.inputs["principalType"] for r in deployer} == {"ServicePrincipal"}
    assert len(recorded) == len({(r.type, r.name) for r in recorded}) > len(deployer)


def test_plan_json_lists_the_tree_and_outputs() -> None:
    code, out, err = run_cli("plan", "--stack", "open-models", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    rows = data["resources"]
    types = {r["type"] for r in rows}
    assert {"azure-native:machinelearningservices:Workspace", "azure-native:network:PrivateEndpoint"} <= types
    parse_outputs(data["outputs"], source="plan")
    hub = next(r for r in rows if r["key"].get("kind") == "Hub")
    assert hub["parent"] == "ftops:azure:Hub::ftops-hub" and hub["key"]["protect"] is True
    # A tree, depth first: the root first, and every row's parent is an earlier row one level up.
    assert (rows[0]["type"], rows[0]["depth"], rows[0]["parent"]) == ("ftops:azure:FineTuningEnvironment", 0, "")
    for i, row in enumerate(rows[1:], start=1):
        parent = next(r for r in reversed(rows[:i]) if f"{r['type']}::{r['name']}" == row["parent"])
        assert parent["depth"] == row["depth"] - 1
    assert {r["key"].get("location") for r in rows} - {None} == {"eastus2", "global"}


def test_plan_table_shows_the_tree_and_the_outputs() -> None:
    code, out, _ = run_cli("plan", "--stack", "dev", "--deployer", "22222222-2222-2222-2222-222222222222")
    assert code == 0
    assert "dev: 7 Azure resources in 3 components" in out
    assert "  cognitiveservices:Account" in out and "role=Cognitive Services Usages Reader" in out
    assert json.loads(out[out.index("outputs:") + len("outputs:") :])["environment"] == "ftdev"


def test_plan_unprotected_and_bad_deployer() -> None:
    code, out, _ = run_cli("plan", "--stack", "dev", "--unprotected", "--json")
    assert code == 0 and not any(r["key"].get("protect") for r in json.loads(out)["resources"])
    code, out, err = run_cli("plan", "--stack", "dev", "--deployer", "someone", "--json")
    assert code == 1 and "ftops:deployerPrincipalId: 'someone' is not an object id" in err
    assert json.loads(out)["error"] == "config_error"


def test_plan_stops_on_bad_config_with_the_check_message(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "config": {
                    "ftops:environment": {
                        "name": "ftbad",
                        "resource_group": {"location": "swedencentral"},
                        "regions": [{"location": "swedncentral"}],
                    }
                }
            }
        )
    )
    plan_code, _, plan_err = run_cli("plan", "--stack", str(bad))
    check_code, _, check_err = run_cli("check", "--stack", str(bad))
    assert plan_code == check_code == 1
    assert plan_err == check_err and "regions[0].location: unknown Azure region 'swedncentral'" in plan_err


def test_demo_outputs_match_the_dev_plan(tmp_path: Path) -> None:
    saved = tmp_path / "outputs.json"
    code, _, _ = run_cli("plan", "--stack", "dev", "--save-outputs", str(saved), "--json")
    assert code == 0
    assert json.loads(saved.read_text()) == json.loads((REPO / "examples" / "dev-outputs.json").read_text())
