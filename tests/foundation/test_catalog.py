"""The catalog: its data is complete and consistent, and lookups behave as users expect."""

from __future__ import annotations

import pytest

from ftops.catalog import METHODS, load_catalog, normalize
from ftops.errors import NotAvailableError, UnknownModelError

catalog = load_catalog()

OVERVIEW_MODELS = [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "o4-mini",
    "Phi-4",
    "Phi-4-mini-instruct",
    "Mistral-Nemo",
    "Ministral-3B",
    "Mistral-Large-2411",
    "Meta-Llama-3.1-8B-Instruct",
    "tsuzumi-7b",
    "Llama-2-7b",
]


@pytest.mark.parametrize("name", OVERVIEW_MODELS)
def test_every_model_of_the_overview_is_in_the_catalog(name: str) -> None:
    assert catalog.model(name).name == name


def test_every_model_has_a_dated_source_and_known_regions() -> None:
    for model in catalog.models:
        assert model.source.document and model.source.as_of[:2] == "20"
        assert set(model.methods) <= set(METHODS)
        assert set(model.standard_regions) <= catalog.azure_regions, model.name
    assert set(catalog.global_training_regions) <= catalog.azure_regions


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("GPT-4.1", "gpt-4.1"),
        ("gpt-41", "gpt-4.1"),
        ("gpt41mini", "gpt-4.1-mini"),
        ("mistral large (2411)", "Mistral-Large-2411"),
        ("phi 4", "Phi-4"),
        ("gpt-3.5-turbo", "gpt-35-turbo"),
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
    keys = [normalize(m.name) for m in catalog.models]
    assert len(keys) == len(set(keys))


def test_gpt41_dpo_regions_and_global_training() -> None:
    where = catalog.where(catalog.model("gpt-4.1"), "dpo", "text")
    assert where.standard_regions == ("northcentralus", "swedencentral")
    assert "japaneast" in where.global_regions and "francecentral" in where.global_regions


def test_vision_global_training_excludes_japaneast() -> None:
    where = catalog.where(catalog.model("gpt-4.1"), "sft", "vision")
    assert "japaneast" not in where.global_regions
    assert "koreacentral" in where.global_regions


def test_o4_mini_refuses_sft_and_names_rft() -> None:
    with pytest.raises(NotAvailableError) as caught:
        catalog.where(catalog.model("o4-mini"), "sft")
    assert "reinforcement (RFT)" in caught.value.hint


def test_text_only_model_refuses_vision() -> None:
    with pytest.raises(NotAvailableError, match="does not train on images"):
        catalog.where(catalog.model("gpt-4.1-mini"), "sft", "vision")


def test_region_view_lists_standard_and_global() -> None:
    found = {m.name: types for m, types in catalog.trainable_in("swedencentral")}
    assert found["gpt-4.1"] == ("standard", "global")
    assert found["o4-mini"] == ("standard",)
    assert "Phi-4" not in found
    vision = {m.name for m, _ in catalog.trainable_in("japaneast", modality="vision")}
    assert vision == set()
