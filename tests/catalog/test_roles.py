"""Role names: the Foundry names and the former Azure AI names are one role (same id)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftops.errors import ConfigError
from ftops.stack.roles import ROLES
from ftops.stack.schema import parse_environment

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "microsoft" / "azure-ai-docs" / "articles"
ENV = {"name": "ftroles", "resource_group": {"location": "swedencentral"}, "regions": [{"location": "swedencentral"}]}
PRINCIPAL = "3f2b6c1e-8d4a-4e6b-9a1c-2d7e5f8a9b0c"


def test_the_rename_note_names_the_pairs_the_table_accepts() -> None:
    note = (DOCS / "foundry/includes/role-rename-note.md").read_text(encoding="utf-8")
    assert (
        "**Foundry User**" in note and "Azure AI User" in note and "role IDs and core permissions are unchanged" in note
    )
    assert ROLES["Foundry User"] is ROLES["Azure AI User"]
    assert ROLES["Foundry Project Manager"].definition_id == ROLES["Azure AI Project Manager"].definition_id
    assert list(ROLES).count("Azure AI User") == 1 and "Foundry User" not in list(ROLES)  # listed once


@pytest.mark.parametrize("role", ["Foundry User", "Azure AI User"])
def test_a_stack_may_grant_either_name(role: str) -> None:
    env = parse_environment({**ENV, "access": [{"principal_id": PRINCIPAL, "roles": [role]}]})
    assert ROLES[env.access[0].roles[0]].definition_id == "53ca6127-db72-4b80-b1b0-d745d6d5456d"


def test_an_unknown_role_is_still_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_environment({**ENV, "access": [{"principal_id": PRINCIPAL, "roles": ["Foundry Userr"]}]})
    assert "unknown role 'Foundry Userr'" in str(caught.value.problems[0])
