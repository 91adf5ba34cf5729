"""Prices are figures published on a date by a named source, never "current"."""

from __future__ import annotations

import re
from pathlib import Path

from ftops.catalog import load_catalog
from ftops.catalog.prices import load_prices

COST_2026_03 = (
    Path(__file__).resolve().parents[1]
    / "fixtures/microsoft/azure-ai-docs/articles/foundry/openai/includes"
    / "how-to-fine-tuning-cost-management-content.12579eb37344040593f256c8d129e713aacbad75.md"
).read_text(encoding="utf-8")


def test_every_price_names_its_publication_date_and_source() -> None:
    prices = load_prices()
    assert prices.as_of.startswith("published ")
    for price in prices.models.values():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.published or ""), price.model
        assert price.source in prices.sources, price.model


def test_the_figures_from_the_march_cost_page_are_on_it() -> None:
    prices = load_prices()
    o4 = prices.price("o4-mini")
    assert (o4.source, o4.published) == ("cost-2026-03", "2026-03-19")
    assert f"${o4.training_per_hour:.0f} per hour of core training time for `o4-mini-2025-04-16`" in COST_2026_03
    assert f"${o4.hosting_per_hour:.2f}/hour hosting fee" in COST_2026_03
    assert "(10-30% discount from regional standard training)" in COST_2026_03 and prices.global_discount == 0.10
    assert "**$5,000**" in COST_2026_03 and load_catalog().limits.rft_auto_pause_usd == 5000


def test_the_newest_cost_page_has_no_dollar_figures_so_the_choice_is_recorded() -> None:
    newest = (
        Path(__file__).resolve().parents[1]
        / "fixtures/microsoft/azure-ai-docs/articles/foundry/openai/includes"
        / "how-to-fine-tuning-cost-management-content.md"
    ).read_text(encoding="utf-8")
    assert not re.search(r"\$\d", newest)
    assert load_catalog().choices["prices"]["sources"] == ["cost-2026-03"]
