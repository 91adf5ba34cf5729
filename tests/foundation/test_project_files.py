"""Project files that users and Pulumi read: Pulumi.yaml, the config reference, the README commands."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from ftops.stack.reference import render

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


def test_pulumi_yaml_obeys_pulumis_project_schema() -> None:
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    schema = json.loads((FIXTURES / "pulumi" / "project.schema.json").read_text())
    jsonschema.validate(project, schema)
    # No main: the program directory is the root, where the VmQuota provider finds .venv (docs/infra.md).
    assert "main" not in project and project["stackConfigDir"] == "stacks"
    assert project["runtime"]["name"] == "python"
    for key in project["config"].values():
        assert key["description"]


def test_config_reference_is_in_sync_with_the_schema() -> None:
    committed = (REPO / "docs" / "config.md").read_text()
    assert committed == render(), "run: python -m ftops.stack.reference > docs/config.md"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    test_command = "python -m pytest"
    assert test_command in readme and test_command in ci
