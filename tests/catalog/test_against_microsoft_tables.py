"""Every model row of Microsoft's newest fine-tuning table, asked through `ftops availability --json`.

The expected answers are read here straight from the carried page (tests/fixtures/microsoft, verbatim), with
a parse of its own, so the catalog and its parser are checked against the page and not against themselves.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ftops.cli.app import run

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "microsoft" / "azure-ai-docs" / "articles"
TABLE = (DOCS / "foundry/includes/fine-tune-supported-models.md").read_text(encoding="utf-8")
REGIONS = (DOCS / "foundry/openai/includes/fine-tune-global-training-regions.md").read_text(encoding="utf-8")
LABELS = {"Standard": "standard", "Data zone": "data_zone", "Global": "global", "Developer": "developer"}
PREVIEW_ONLY = {"Qwen3.6-35B-A3B", "Qwen3.8-27B", "Muse-Glimmer-30B", "gpt-oss-120b"}  # footnotes 1 and 4


def table_rows() -> list[tuple[str, list[str], list[str]]]:
    rows = []
    for line in TABLE.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        name = re.search(r"`([^`]+)`", cells[0]).group(1)
        methods = [m.strip().lower() for m in re.search(r"Managed: ✅ \(([^)]*)\)", cells[1]).group(1).split(",")]
        if ":" in cells[2]:
            marks = re.findall(r"(Standard|Data zone|Global|Developer): (✅|❌)", cells[2])
            types = [LABELS[label] for label, mark in marks if mark == "✅"]
        else:
            types = [LABELS[cells[2]]]
        rows.append((name, methods, types))
    return rows


ROWS = table_rows()


def global_regions(model: str, modality: str) -> set[str]:
    """The Global region table with its footnotes, as the page words them."""
    found = set()
    for display, mark in re.findall(r"^\| ([A-Z][A-Za-z0-9 ]+?) \| (✅[^|]*) \|", REGIONS, flags=re.M):
        notes = set(re.findall(r"\d", mark))
        if "1" in notes and model in PREVIEW_ONLY:
            continue
        if "2" in notes and modality == "vision":
            continue
        if "3" in notes and model == "gpt-4.1-nano":
            continue
        if "4" in notes and model not in PREVIEW_ONLY:
            continue
        found.add(display.lower().replace(" ", ""))
    return found


def test_the_page_has_the_rows_the_issue_names() -> None:
    names = [name for name, _, _ in ROWS]
    assert len(names) == 18 and {"gpt-5", "gpt-oss-20b", "gpt-oss-120b", "Qwen3-32B", "Ministral-3B"} <= set(names)


@pytest.mark.parametrize(("name", "methods", "types"), ROWS, ids=[r[0] for r in ROWS])
def test_every_row_answers_with_the_tables_methods_types_and_global_regions(name, methods, types) -> None:
    code, out, err = run(["availability", "--model", name, "--json"])
    assert code == 0, err
    data = json.loads(out)
    entries = [e for e in data["availability"] if e["path"] == "foundry-resource"]
    assert sorted({e["method"] for e in entries}) == sorted(methods)
    for entry in entries:
        assert entry["training_types"] == types, (entry["method"], entry["modality"])
        expected = global_regions(name, entry["modality"]) if "global" in types else set()
        assert set(entry["global_training_regions"]) == expected, entry["modality"]
        assert entry["lifecycle"]["status"] in ("preview", "ga", "deprecated", "legacy")


@pytest.mark.parametrize(
    ("name", "modality", "count"),
    [("gpt-4.1", "text", 26), ("gpt-4.1", "vision", 25), ("gpt-4.1-nano", "text", 25), ("gpt-oss-120b", "text", 10)],
)
def test_global_region_counts(name: str, modality: str, count: int) -> None:
    args = ["availability", "--model", name, "--method", "sft", "--json"] + (
        ["--vision"] if modality == "vision" else []
    )
    data = json.loads(run(args)[1])
    [entry] = [e for e in data["availability"] if e["modality"] == modality]
    assert len(entry["global_training_regions"]) == count
    if name == "gpt-4.1-nano":
        assert "polandcentral" not in entry["global_training_regions"]
    if modality == "vision":
        assert "japaneast" not in entry["global_training_regions"]
    assert ("uaenorth" in entry["global_training_regions"]) == (name == "gpt-oss-120b")


def test_standard_training_regions_come_from_the_march_revision_where_the_newest_table_says_standard() -> None:
    data = json.loads(run(["availability", "--model", "o4-mini", "--json"])[1])
    [entry] = data["availability"]
    assert entry["standard_regions"] == ["eastus2", "swedencentral"]
    assert entry["data_zone"] == "US" and "eastus" in entry["data_zone_regions"]
    assert entry["developer_regions"] == entry["global_training_regions"]
    data = json.loads(run(["availability", "--model", "gpt-oss-20b", "--json"])[1])
    assert data["availability"][0]["standard_regions"] == [] and data["availability"][0]["developer_regions"] == []


def test_deployment_types_follow_the_legend_and_region_tables() -> None:
    def deployments(name: str) -> dict[str, list[str]]:
        entry = json.loads(run(["availability", "--model", name, "--json"])[1])["availability"][0]
        return {d["type"]: d["regions"] for d in entry["deployments"]}

    assert deployments("gpt-5") == {"Standard": ["northcentralus", "swedencentral"]}  # legend 4
    assert set(deployments("gpt-4o-mini")) == {"GlobalStandard", "DataZoneStandard", "Standard", "ProvisionedManaged"}
    assert deployments("gpt-4.1")["ProvisionedManaged"] == ["swedencentral"]
    assert "Developer" in deployments("gpt-4.1")  # no legend: Developer deployments offered
    assert deployments("Qwen3-32B") == {"GlobalStandard": []}  # legend 2
    assert set(deployments("gpt-oss-120b")) == {"managed-compute", "fireworks-provisioned"}


def test_open_models_on_foundry_resources_are_a_path_of_their_own() -> None:
    data = json.loads(run(["availability", "--model", "Ministral-3B", "--json"])[1])
    paths = {e["path"]: e for e in data["availability"]}
    assert set(paths) == {"hub-serverless", "foundry-resource"}
    assert paths["foundry-resource"]["training_types"] == ["data_zone", "global"]
    assert paths["hub-serverless"]["training_types"] == ["standard"]
    assert paths["hub-serverless"]["needs_marketplace_subscription"] is True
    assert "westus3" in paths["hub-serverless"]["standard_regions"]


@pytest.mark.parametrize(
    ("region", "answer"),
    [
        ("westeurope", ["global", "developer"]),
        ("swedencentral", ["standard", "global", "developer"]),
        ("eastus", ["data_zone", "global", "developer"]),
    ],
)
def test_can_a_model_train_from_a_region_and_how(region: str, answer: list[str]) -> None:
    code, out, err = run(["availability", "--model", "gpt-4.1-mini", "--region", region, "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["can_train"] and data["ways"][0]["training_types"] == answer


def test_a_region_that_cannot_train_the_model_says_where_it_can() -> None:
    code, _, err = run(["availability", "--model", "gpt-oss-120b", "--region", "westeurope"])
    assert code == 1
    assert "cannot be fine-tuned" in err and "australiaeast" in err


MAAS = (DOCS / "foundry-classic/includes/region-availability-maas.md").read_text(encoding="utf-8")


def maas_fine_tuning_rows() -> list[tuple[str, set[str]]]:
    """Rows of the hub region page whose last column lists fine-tuning regions (not "Not available")."""
    rows = []
    for line in MAAS.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or cells[0].startswith(("Model", "---", "-")) or "Not available" in cells[-1]:
            continue
        regions = {r.strip().lower().replace(" ", "") for r in cells[-1].split("<br>") if r.strip()}
        for name in cells[0].split("<br>"):
            rows.append((name.strip(), regions))
    return rows


@pytest.mark.parametrize(("name", "regions"), maas_fine_tuning_rows(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_hub_fine_tuning_row_is_a_catalog_record(name: str, regions: set[str]) -> None:
    from ftops.catalog import load_catalog

    model = load_catalog().model(name)
    hub = model.path("hub-serverless")
    assert set(hub.standard_regions) == regions
    code, _, err = run(["availability", "--model", name, "--json"])
    assert code == (0 if model.offered else 1), err


def test_the_hub_page_rows_are_the_ones_expected() -> None:
    names = {name for name, _ in maas_fine_tuning_rows()}
    assert {"Phi-4", "Ministral-3B", "tsuzumi-7b", "Llama 3.3 70B Instruct", "Llama 3.1 8B Instruct"} <= names
