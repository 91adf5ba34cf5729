"""The catalog: its data is complete, consistent and sourced, and lookups behave as users expect."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ftops.catalog import METHODS, TRAINING_TYPES, RetiredModelError, load_catalog, normalize
from ftops.errors import NotAvailableError, UnknownModelError

catalog = load_catalog()
SOURCES_TSV = Path(__file__).resolve().parents[1] / "fixtures" / "microsoft" / "SOURCES.tsv"

RETIRED = {
    "Llama-2-7b": ("2025-06-30", "Meta-Llama-3.1-8B-Instruct"),
    "Mistral-Nemo": ("2026-01-30", "Mistral-small-2503"),
    "Mistral-Large-2411": ("2026-01-30", "Mistral-medium-2505"),
    "Meta-Llama-3.1-8B-Instruct": ("2026-06-13", None),
    "Llama-3.2-11B-Vision-Instruct": ("2026-06-13", None),
}


def test_every_source_is_a_carried_revision_with_its_commit_and_date() -> None:
    with SOURCES_TSV.open(encoding="utf-8") as handle:
        carried = {
            (row["repo_path"], row["commit"]): row["ms.date_or_api-version"]
            for row in csv.DictReader(handle, delimiter="\t")
        }
    for source in catalog.sources.values():
        if source.repo is None:
            continue  # the few facts outside the carried docs say so in their description
        assert (source.path, source.commit) in carried, source.key
        written = carried[(source.path, source.commit)]
        assert catalog.raw["sources"][source.key]["date"] == written, source.key


def test_table_pages_and_their_sources_carry_the_same_date() -> None:
    for key, page in catalog.tables.items():
        assert catalog.raw["sources"][key]["date"] == page["date"], key


def test_every_model_has_a_dated_source_and_known_regions() -> None:
    for model in catalog.all_models:
        assert model.source.document and model.source.as_of[:2] == "20", model.name
        assert set(model.methods) <= set(METHODS)
        assert model.lifecycle is not None and model.lifecycle.source.as_of[:2] == "20", model.name
        for path in model.paths:
            assert set(path.training_types) <= set(TRAINING_TYPES)
            for kind in path.training_types:
                for modality in model.modalities:
                    assert set(path.regions_for(kind, modality)) <= catalog.azure_regions, (model.name, kind)
    assert set(catalog.global_training_regions) <= catalog.azure_regions
    assert len(catalog.global_training_regions) == 27


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("GPT-4.1", "gpt-4.1"),
        ("gpt-41", "gpt-4.1"),
        ("gpt41mini", "gpt-4.1-mini"),
        ("mistral large (2411)", "Mistral-Large-2411"),
        ("phi 4", "Phi-4"),
        ("gpt-3.5-turbo", "gpt-35-turbo"),
        ("Qwen-32B", "Qwen3-32B"),
        ("Llama 3.1 8B Instruct", "Meta-Llama-3.1-8B-Instruct"),
    ],
)
def test_model_names_match_forgivingly(typed: str, expected: str) -> None:
    assert catalog.model(typed).name == expected


def test_near_miss_suggests_the_right_model() -> None:
    with pytest.raises(UnknownModelError) as caught:
        catalog.model("gpt-4.1-mni")
    assert caught.value.suggestions[0] == "gpt-4.1-mini"
    assert "did you mean gpt-4.1-mini" in caught.value.hint


def test_forgiving_keys_do_not_merge_distinct_models() -> None:
    keys = [normalize(m.name) for m in catalog.all_models]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("name", sorted(RETIRED))
def test_retired_models_are_records_that_say_when_and_what_instead(name: str) -> None:
    model = catalog.model(name)  # still resolves, so the answer can name the date
    assert not model.offered and model not in catalog.offered_models()
    date, replacement = RETIRED[name]
    assert model.lifecycle.retired == date and model.lifecycle.replacement == replacement
    with pytest.raises(RetiredModelError) as caught:
        catalog.offered_model(name)
    assert f"retired on {date}" in caught.value.message and caught.value.exit_code == 1
    assert caught.value.hint.startswith(("use ", "Microsoft"))


def test_a_retired_replacement_is_followed_to_what_can_be_fine_tuned() -> None:
    hint = catalog.replacement_hint(catalog.model("Llama-2-7b"))
    assert "Meta-Llama-3.1-8B-Instruct is retired too" in hint and "Llama-3.3-70B-Instruct" in hint
    assert catalog.replacement_hint(catalog.model("Llama-2-70b")) == "use Llama-3.3-70B-Instruct"


def test_gpt35_turbo_is_no_longer_offered() -> None:
    with pytest.raises(RetiredModelError, match="no longer offered") as caught:
        catalog.offered_model("gpt-35-turbo")
    assert caught.value.hint.startswith("use gpt-4o-mini")


def test_gpt41_dpo_regions_per_training_type() -> None:
    where = catalog.where(catalog.model("gpt-4.1"), "dpo", "text")
    assert where.standard_regions == ("northcentralus", "swedencentral")
    assert where.training_types == ("standard", "data_zone", "global", "developer")
    for region in ("westeurope", "uksouth", "eastus", "westus", "westus3", "canadacentral", "canadaeast", "southindia"):
        assert region in where.global_regions
    assert "uaenorth" not in where.global_regions  # only the four preview models (footnote 4)


def test_vision_global_training_excludes_japaneast() -> None:
    where = catalog.where(catalog.model("gpt-4.1"), "sft", "vision")
    assert "japaneast" not in where.global_regions and "japaneast" not in where.developer_regions
    assert "koreacentral" in where.global_regions


def test_o4_mini_refuses_sft_and_names_rft() -> None:
    with pytest.raises(NotAvailableError) as caught:
        catalog.where(catalog.model("o4-mini"), "sft")
    assert "reinforcement (RFT)" in caught.value.hint


def test_text_only_model_refuses_vision() -> None:
    with pytest.raises(NotAvailableError, match="does not train on images"):
        catalog.where(catalog.model("gpt-4.1-mini"), "sft", "vision")


def test_region_view_lists_every_training_type_offered_there() -> None:
    found = {m.name: types for m, types in catalog.trainable_in("swedencentral")}
    assert found["gpt-4.1"] == ("standard", "global", "developer")
    assert found["gpt-5"] == ("standard", "global")
    assert "Phi-4" not in found and "Mistral-Nemo" not in found
    vision = {m.name for m, _ in catalog.trainable_in("japaneast", modality="vision")}
    assert vision == set()


def test_limits_are_versioned_with_scope_and_source() -> None:
    limits = catalog.limits
    assert limits.version == "02/17/2026" and limits.source.key == "quotas-limits"
    expected = {
        "running_jobs_per_resource": 3,
        "running_developer_jobs_per_resource": 5,
        "queued_jobs_per_resource": 20,
        "jobs_per_resource": 100,
        "training_files_per_resource": 100,
        "training_files_total_bytes_per_resource": 1024**3,
        "fine_tuned_deployments_per_resource": 10,
        "upload_requests_per_second": 30,
        "max_job_tokens": 2_000_000_000,
    }
    for name, value in expected.items():
        entry = limits.entries[name]
        assert (entry.value, entry.source.key) == (value, "quotas-limits"), name
        assert entry.scope in ("resource", "job")


def test_graders_and_metrics_are_the_newest_rft_docs_lists() -> None:
    rules = catalog.data_format
    assert rules["grader_models"] == ["gpt-4o-2024-08-06", "o3-mini-2025-01-31"]
    assert "cosine" not in rules["similarity_metrics"]
    assert rules["similarity_metrics"][:4] == ["fuzzy_match", "bleu", "gleu", "meteor"]


def test_every_choice_names_sources_that_exist() -> None:
    for topic, choice in catalog.choices.items():
        assert choice["choice"] and choice["why"], topic
        assert set(choice["sources"]) <= set(catalog.sources), topic


def test_a_model_the_table_adds_is_offered_without_a_curated_record() -> None:
    import copy

    from ftops.catalog import Catalog

    raw = copy.deepcopy(catalog.raw)
    row = copy.deepcopy(raw["tables"]["supported-models"]["data"]["models"]["gpt-oss-20b"])
    raw["tables"]["supported-models"]["data"]["models"]["gpt-9"] = row
    fresh = Catalog(raw)
    assert fresh.offered_model("gpt-9").training_types == ("data_zone", "global")


def test_as_of_is_the_newest_page_date_the_catalog_cites() -> None:
    cited = [s.as_of for s in catalog.sources.values() if s.repo is not None]
    assert catalog.as_of == max(cited) == "2026-10-07"
