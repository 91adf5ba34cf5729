"""The emulator's open-model data (ftops/emulator/fine_tuning_models.yaml) held to Microsoft's carried pages.

The emulator is another service: its methods, training types and region lists for the open models must be
the page's, read here with a parse of its own (not ftops' catalog, which the emulator tests). A row of the
table without `Standard: ✅` is an open model whose job needs a trainingType.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from ftops.emulator.dataplane import model_rules

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "microsoft" / "azure-ai-docs" / "articles"
TABLE = (DOCS / "foundry/includes/fine-tune-supported-models.md").read_text(encoding="utf-8")
REGIONS = (DOCS / "foundry/openai/includes/fine-tune-global-training-regions.md").read_text(encoding="utf-8")
# The data plane's words: method.type and the trainingType values (the REST page's `GlobalStandard`; the
# Developer and Data Zone values as the emulator's existing entries spell them).
METHODS = {"SFT": "supervised", "DPO": "dpo", "RFT": "reinforcement"}
TYPES = {"Data zone": "DataZoneStandard", "Global": "GlobalStandard", "Developer": "Developer"}
REGION_IDS = {"UAE North": "uaenorth", "UK South": "uksouth", "East US 2": "eastus2"}


def open_model_rows() -> dict[str, tuple[set[str], set[str]]]:
    """Model -> (methods, training types) for every row that offers no Standard training (medical models aside:
    they are not in the fine-tuning API's emulated models)."""
    rows = {}
    for line in TABLE.splitlines():
        if not line.startswith("| `") or "Standard: ❌" not in line:
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        name = re.search(r"`([^`]+)`", cells[0]).group(1)
        methods = {METHODS[m.strip()] for m in re.search(r"Managed: ✅ \(([^)]*)\)", cells[1]).group(1).split(",")}
        marks = re.findall(r"(Data zone|Global|Developer): (✅|❌)", cells[2])
        rows[name] = (methods, {TYPES[label] for label, mark in marks if mark == "✅"})
    return rows


def mismatches(emulated: dict[str, dict], rows: dict[str, tuple[set[str], set[str]]]) -> list[str]:
    """Where the emulator's models differ from the table's open-model rows."""
    found = []
    for name, (methods, types) in rows.items():
        entry = emulated.get(name)
        if entry is None:
            found.append(f"{name}: not emulated")
            continue
        if set(entry["methods"]) != methods:
            found.append(f"{name}: methods {sorted(entry['methods'])}, the table {sorted(methods)}")
        if set(entry.get("training_types", ())) != types:
            found.append(f"{name}: training types {sorted(entry.get('training_types', ()))}, the table {sorted(types)}")
    return found


def _region_id(name: str) -> str:
    return REGION_IDS.get(name, name.lower().replace(" ", ""))


def test_every_open_model_of_the_table_is_emulated_with_its_methods_and_training_types():
    rows = open_model_rows()
    assert len(rows) == 9 and {"MAI-Code-1.1-Flash", "gpt-oss-120b", "Qwen3-32B"} <= set(rows)
    assert mismatches(model_rules()["models"], rows) == []
    assert rows["MAI-Code-1.1-Flash"] == ({"reinforcement"}, {"GlobalStandard", "Developer"})
    assert rows["Qwen3-32B"] == ({"supervised"}, {"DataZoneStandard", "GlobalStandard"})


def test_the_preview_models_regions_are_the_global_tables_without_footnote_1():
    """Footnote 1 excludes the four preview models from a region; footnote 4 lets only them into UAE North."""
    free, everywhere = [], []
    for line in REGIONS.splitlines():
        found = re.match(r"\| ([A-Za-z0-9 ]+) \| ✅(?:<sup>([\d,]+)</sup>)? \|", line)
        if not found:
            continue
        notes = set((found.group(2) or "").split(","))
        if "1" not in notes:
            free.append(_region_id(found.group(1)))
        if "4" not in notes:
            everywhere.append(_region_id(found.group(1)))
    rules = model_rules()
    footnote_1 = re.search(r"<sup>1</sup> Managed fine-tuning for (.*) isn't supported", REGIONS).group(1)
    preview = set(re.findall(r"`([^`]+)`", footnote_1))
    assert preview == {"Qwen3.6-35B-A3B", "Qwen3.8-27B", "Muse-Glimmer-30B", "gpt-oss-120b"}
    for name in preview:
        assert sorted(rules["model_regions"][name]) == sorted(free), name
        assert name in rules["location_models"]
    assert "uaenorth" in free and "westeurope" not in free
    # MAI-Code-1.1-Flash is in no footnote: every managed fine-tuning region but UAE North (footnote 4)
    assert "MAI-Code-1.1-Flash" not in rules["model_regions"] and "MAI-Code-1.1-Flash" in rules["location_models"]
    assert sorted(rules["training_regions"]) == sorted(everywhere)


def test_a_broken_emulator_entry_fails_the_check():
    """The comparison can fail: entries that lost Developer, gained a method or went missing are named."""
    broken = copy.deepcopy(model_rules()["models"])
    broken["gpt-oss-120b"]["training_types"] = ["GlobalStandard"]
    broken["Qwen3-32B"]["methods"] = ["supervised", "reinforcement"]
    del broken["Muse-Glimmer-30B"]
    assert sorted(mismatches(broken, open_model_rows())) == [
        "Muse-Glimmer-30B: not emulated",
        "Qwen3-32B: methods ['reinforcement', 'supervised'], the table ['supervised']",
        "gpt-oss-120b: training types ['GlobalStandard'], the table ['Developer', 'GlobalStandard']",
    ]


LEGEND_SKUS = {"2": ["GlobalStandard"], "4": ["Standard"]}
DEFAULT_SKUS = ["Standard", "GlobalStandard", "DataZoneStandard", "ProvisionedManaged"]  # plus Developer


def deployment_rows() -> dict[str, list[str] | None]:
    """Model -> the deployment types its fine-tunes are restricted to by the table's Deployment column and
    legend (None: the default, every type), read from the carried page."""
    rows: dict[str, list[str] | None] = {}
    for line in TABLE.splitlines():
        if not line.startswith("| `") or "Serverless:" not in line:
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        name = re.search(r"`([^`]+)`", cells[0]).group(1)
        serverless = re.search(r"Serverless: (✅|❌)(?:<sup>(\d)</sup>)?", cells[3])
        if serverless.group(1) == "❌":
            rows[name] = []
        elif serverless.group(2) in LEGEND_SKUS:
            rows[name] = LEGEND_SKUS[serverless.group(2)]
        elif serverless.group(2) == "5":  # "Developer deployment type is not supported"
            rows[name] = DEFAULT_SKUS
        else:
            rows[name] = None
    return rows


def test_the_deployment_types_of_fine_tuned_models_are_the_tables():
    emulated = model_rules()["fine_tuned_deployment_skus"]
    expected = {name: skus for name, skus in deployment_rows().items() if skus is not None}
    expected = {name: skus for name, skus in expected.items() if name in model_rules()["models"]}  # medical aside
    assert {name: sorted(skus) for name, skus in emulated.items()} == {
        name: sorted(skus) for name, skus in expected.items()
    }
    broken = dict(emulated, **{"Qwen3-32B": ["GlobalStandard", "Standard"]})  # a wrong entry is caught
    assert broken != emulated and sorted(broken["Qwen3-32B"]) != sorted(expected["Qwen3-32B"])
