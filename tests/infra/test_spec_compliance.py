"""What the program would send to ARM uses only property names and enum values the official specs define."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs"
COGNITIVE = json.loads((SPECS / "arm-cognitiveservices-2026-09-01.json").read_text())["definitions"]
WORKSPACE = json.loads((SPECS / "arm-machinelearningservices-2025-12-01-workspaceRP.json").read_text())["definitions"]

# Inputs the Pulumi SDK takes outside `properties` (URL parts and top-level ARM fields).
ENVELOPE = {"resourceGroupName", "location", "tags", "identity", "kind", "sku", "accountName", "projectName",
            "deploymentName", "workspaceName", "properties"}  # fmt: skip


def spec_properties(definitions: dict, name: str) -> set[str]:
    return set(definitions[name]["properties"])


def enum_values(definitions: dict, name: str) -> set[str]:
    definition = definitions[name]
    return set(definition.get("enum") or [])


@pytest.mark.parametrize("stack", ["dev", "multi-region", "open-models"])
def test_account_bodies(plan_for, stack: str) -> None:
    for account in plan_for(stack).of_type("azure-native:cognitiveservices:Account"):
        assert set(account.inputs) <= ENVELOPE
        assert set(account.props) <= spec_properties(COGNITIVE, "AccountProperties")
        assert set(account.props["networkAcls"]) <= spec_properties(COGNITIVE, "NetworkRuleSet")
        assert account.props["networkAcls"]["defaultAction"] in enum_values(COGNITIVE, "NetworkRuleAction")
        assert account.props["publicNetworkAccess"] in enum_values(COGNITIVE, "PublicNetworkAccess")
        assert account.inputs["identity"]["type"] in enum_values(COGNITIVE, "ResourceIdentityType")
        assert set(account.inputs["sku"]) <= spec_properties(COGNITIVE, "Sku")


def test_project_and_deployment_bodies(plan_for) -> None:
    plan = plan_for("dev")
    for project in plan.of_type("azure-native:cognitiveservices:Project"):
        assert set(project.props) <= spec_properties(COGNITIVE, "ProjectProperties")
    for deployment in plan.of_type("azure-native:cognitiveservices:Deployment"):
        assert set(deployment.props) <= spec_properties(COGNITIVE, "DeploymentProperties")
        assert set(deployment.props["model"]) <= spec_properties(COGNITIVE, "DeploymentModel")
        assert set(deployment.inputs["sku"]) <= spec_properties(COGNITIVE, "Sku")


@pytest.mark.parametrize("stack", ["open-models", "managed-compute"])
def test_workspace_bodies(plan_for, stack: str) -> None:
    properties = spec_properties(WORKSPACE, "WorkspaceProperties")
    for workspace in plan_for(stack).of_type("azure-native:machinelearningservices:Workspace"):
        flattened = set(workspace.inputs) - ENVELOPE  # the SDK flattens `properties` into top-level inputs
        assert flattened <= properties, flattened - properties
        assert workspace.inputs["kind"] in {"Hub", "Project"}
        access = WORKSPACE["WorkspaceProperties"]["properties"]["publicNetworkAccess"]["enum"]
        assert workspace.inputs["publicNetworkAccess"] in access
        if "managedNetwork" in workspace.inputs:
            settings = WORKSPACE["ManagedNetworkSettings"]["properties"]
            assert set(workspace.inputs["managedNetwork"]) <= set(settings)
            assert workspace.inputs["managedNetwork"]["isolationMode"] in enum_values(WORKSPACE, "IsolationMode")
