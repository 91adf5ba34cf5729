"""`ftops catalog refresh`: the bundled catalog agrees with the carried docs, and an edited row is reported
exactly; `--write` updates the data file so the next refresh agrees."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ftops.catalog import data_path, parse_catalog
from ftops.catalog.refresh import refresh
from ftops.cli.app import run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "microsoft"
DOCS = FIXTURES / "azure-ai-docs"
SUPPORTED = "articles/foundry/includes/fine-tune-supported-models.md"
GLOBAL = "articles/foundry/openai/includes/fine-tune-global-training-regions.md"


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "azure-ai-docs"
    shutil.copytree(DOCS, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_bundled_catalog_matches_the_carried_docs() -> None:
    """A drift between models.yaml and Microsoft's pages (carried verbatim) fails here."""
    code, out, err = run(["catalog", "refresh", "--docs", str(DOCS), "--json"])
    assert code == 0, err
    assert json.loads(out) == {"docs": str(DOCS), "differences": 0, "changes": [], "written": None}


def test_editing_one_model_row_reports_exactly_that_row(docs_copy: Path) -> None:
    row = (
        "| `gpt-4o-mini`<br>(2024-07-18) | Managed: ✅ (SFT)<br>Interactive: ❌ | "
        "Standard: ✅<br>Data zone: ✅<br>Global: ✅<br>Developer: ✅ |"
    )
    edit(docs_copy / SUPPORTED, row, row.replace("Developer: ✅", "Developer: ❌"))
    code, out, _ = run(["catalog", "refresh", "--docs", str(docs_copy), "--json"])
    assert code == 0
    assert json.loads(out)["changes"] == [
        {
            "page": "supported-models",
            "kind": "changed",
            "subject": "model gpt-4o-mini",
            "detail": "training_types lost developer",
        }
    ]


def test_a_region_row_removed_and_a_model_added_are_each_one_change(docs_copy: Path) -> None:
    edit(docs_copy / GLOBAL, "| West US | ✅<sup>1</sup> | ❌ |\n", "")
    new_row = (
        "| `gpt-9`<br>(2027-01-01) | Managed: ✅ (SFT)<br>Interactive: ❌ | Standard: ❌<br>Data zone: ❌<br>Global: ✅"
        "<br>Developer: ❌ | Serverless: ✅<br>Managed compute: ❌<br>Fireworks: ❌ |\n"
    )
    edit(docs_copy / SUPPORTED, "| `gpt-4o-mini`<br>", new_row + "| `gpt-4o-mini`<br>")
    changes = refresh(str(docs_copy)).changes
    assert [(c.page, c.kind, c.subject) for c in changes] == [
        ("supported-models", "added", "model gpt-9"),
        ("global-training-regions", "removed", "region westus"),
    ]


def test_a_retirement_date_moved_on_the_schedule_is_one_change(docs_copy: Path) -> None:
    schedule = docs_copy / "articles/foundry/openai/includes/concepts-model-retirement-schedule-content.md"
    edit(
        schedule,
        "| gpt-4.1-mini | 2025-04-14 | Deprecated | 2027-04-14 | — |",
        "| gpt-4.1-mini | 2025-04-14 | Retired | 2026-11-30 | gpt-5 |",
    )
    changes = [(c.subject, c.detail) for c in refresh(str(docs_copy)).changes]
    assert changes == [
        ("model gpt-4.1-mini 2025-04-14", "lifecycle Deprecated -> Retired"),
        ("model gpt-4.1-mini 2025-04-14", "retirement 2027-04-14 -> 2026-11-30"),
        ("model gpt-4.1-mini 2025-04-14", "replacement None -> gpt-5"),
    ]


def test_a_footnote_change_is_reported_with_its_meaning(docs_copy: Path) -> None:
    edit(docs_copy / GLOBAL, "isn't supported in Poland Central.", "isn't supported in Poland Central or anywhere.")
    [change] = refresh(str(docs_copy)).changes
    assert change.subject == "footnote 3" and change.detail.startswith("text ")


def test_write_updates_the_data_file_and_the_catalog_follows(docs_copy: Path, tmp_path: Path) -> None:
    catalog_file = tmp_path / "models.yaml"
    catalog_file.write_text(data_path().read_text(encoding="utf-8"), encoding="utf-8")
    edit(docs_copy / GLOBAL, "| West US | ✅<sup>1</sup> | ❌ |\n", "")
    result = refresh(str(docs_copy), write=True, catalog_file=catalog_file)
    assert result.written == catalog_file and len(result.changes) == 1
    assert refresh(str(docs_copy), catalog_file=catalog_file).changes == []
    catalog = parse_catalog(catalog_file.read_text(encoding="utf-8"))
    where = catalog.where(catalog.model("gpt-4.1"), "sft")
    assert "westus" not in where.global_regions and len(where.global_regions) == 25
    # the curated part (comments, lifecycle, choices) is kept as it was
    head = data_path().read_text(encoding="utf-8").split("tables:", 1)[0]
    assert catalog_file.read_text(encoding="utf-8").startswith(head.split("\n# ---- Microsoft")[0])


def test_a_url_is_read_through_the_same_parser() -> None:
    """The same files served under a base URL (raw.githubusercontent.com layout) give the same answer."""

    def fetch(url: str) -> str:
        prefix = "https://example.test/MicrosoftDocs/azure-ai-docs/main/"
        commit_prefix = "https://example.test/MicrosoftDocs/azure-ai-docs/"
        if url.startswith(prefix):
            return (DOCS / url[len(prefix) :]).read_text(encoding="utf-8")
        commit, _, path = url[len(commit_prefix) :].partition("/")
        stem, _, ext = path.rpartition(".")
        return (DOCS / f"{stem}.{commit}.{ext}").read_text(encoding="utf-8")

    result = refresh("https://example.test/MicrosoftDocs/azure-ai-docs/main", fetch=fetch)
    assert result.changes == []


def test_a_folder_that_is_not_a_docs_tree_is_a_user_error(tmp_path: Path) -> None:
    code, _, err = run(["catalog", "refresh", "--docs", str(tmp_path)])
    assert code == 1 and "not a MicrosoftDocs/azure-ai-docs tree" in err and "Traceback" not in err


def test_catalog_show_lists_every_source_with_commit_and_date() -> None:
    code, out, _ = run(["catalog", "show", "--json"])
    assert code == 0
    data = json.loads(out)
    keys = {s["key"] for s in data["sources"]}
    assert {"supported-models", "global-training-regions", "quotas-limits", "retired-models"} <= keys
    assert {c["topic"] for c in data["choices"]} >= {"standard-training-regions", "gpt-4.1-nano-retirement", "prices"}
    limits = {e["name"]: e for e in data["limits"]["entries"]}
    assert (
        limits["running_jobs_per_resource"]["value"] == 3
        and limits["running_developer_jobs_per_resource"]["value"] == 5
    )
