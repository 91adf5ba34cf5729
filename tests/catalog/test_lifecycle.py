"""Each model's lifecycle in the curated records agrees with the retirement pages' rows (as parsed into the
catalog's tables, which the refresh test keeps equal to the carried pages)."""

from __future__ import annotations

import pytest

from ftops.catalog import load_catalog, normalize

catalog = load_catalog()
SCHEDULE = catalog.tables["retirement-schedule"]["data"]
RETIRED = catalog.tables["retired-models"]["data"]
STAGES = {"GA": "ga", "Preview": "preview", "Deprecated": "deprecated", "Legacy": "legacy", "Retired": "retired"}


def row(rows: dict, model, version: str | None) -> dict | None:
    """The row for this model and version; else its only row (partner models carry a Foundry version such as
    "1" or "2" on this page, not the table's "(2411)")."""
    wanted = {normalize(f"{n} {version}") if version else normalize(n) for n in (model.name, *model.aliases)}
    exact = [v for k, v in rows.items() if normalize(k) in wanted]
    if exact or version is None:
        return exact[0] if exact else None
    names = {n.lower() for n in (model.name, *model.aliases)}
    by_name = [v for k, v in rows.items() if k.rsplit(" ", 1)[0].lower() in names]
    return by_name[0] if len(by_name) == 1 else None


SCHEDULED = [m for m in catalog.all_models if m.lifecycle and m.lifecycle.source.key == "retirement-schedule"]
LISTED = [m for m in catalog.all_models if m.lifecycle and m.lifecycle.source.key == "retired-models"]


@pytest.mark.parametrize("model", SCHEDULED, ids=lambda m: m.name)
def test_scheduled_lifecycle_is_the_schedules_row(model) -> None:
    found = row(SCHEDULE["models"], model, model.version or "—")
    assert found is not None, model.name
    life = model.lifecycle
    assert life.status == STAGES[found["lifecycle"]]
    assert (life.retired if life.status == "retired" else life.base_retirement) == found["retirement"]
    assert life.replacement == found["replacement"]
    tuned = row(SCHEDULE["fine_tuned"], model, model.version)
    if tuned is not None:
        assert (life.training_retirement, life.deployment_retirement) == (tuned["training"], tuned["deployment"])


@pytest.mark.parametrize("model", LISTED, ids=lambda m: m.name)
def test_listed_retirements_are_the_retired_pages_rows(model) -> None:
    found = row(RETIRED, model, None)
    if model.name == "gpt-35-turbo":  # only 0301 and 0613 are on the page; 0125 is withdrawn (choice gpt-35-turbo)
        found = row(RETIRED, model, "0301")
        assert found is not None and model.lifecycle.status == "withdrawn" and model.lifecycle.retired is None
        assert model.lifecycle.replacement in found["replacement"]
        return
    assert found is not None, model.name
    assert (model.lifecycle.retired, model.lifecycle.replacement) == (found["retired"], found["replacement"])


def test_every_offered_model_of_the_table_has_a_scheduled_or_table_lifecycle() -> None:
    for model in catalog.offered_models():
        assert model.lifecycle.source.key in ("retirement-schedule", "supported-models"), model.name
