"""Training cost estimates from token counts and the dated price table."""

from __future__ import annotations

from typing import Any

from ftops.catalog import load_catalog
from ftops.catalog.prices import load_prices
from ftops.data import ValidationReport
from ftops.errors import NotAvailableError

MODEL_GRADERS = ("score_model", "label_model")


def _uses_model_grader(grader: Any) -> bool:
    if not isinstance(grader, dict):
        return False
    if grader.get("type") in MODEL_GRADERS:
        return True
    inner = grader.get("graders")
    return isinstance(inner, dict) and any(_uses_model_grader(g) for g in inner.values())


def estimate(
    report: ValidationReport, *, epochs: int | None, training_type: str, grader: dict | None = None
) -> dict[str, Any]:
    """Billed training tokens and price, plus what hosting the result costs per day."""
    catalog = load_catalog()
    model = catalog.model(report.model)
    if training_type == "global" and not model.global_training:
        raise NotAvailableError(
            f"{model.name} cannot be fine-tuned with global training",
            hint="use --training-type standard (see `ftops availability --model " + model.name + "`)",
        )
    prices = load_prices()
    price = prices.price(model.name)
    limits = catalog.limits
    used_epochs = epochs or prices.default_epochs(report.train.examples)
    billed_tokens = report.train.tokens_total * used_epochs
    result: dict[str, Any] = {
        "model": model.name,
        "method": report.method,
        "training_type": training_type,
        "epochs": used_epochs,
        "epochs_assumed": epochs is None,
        "training_tokens": report.train.tokens_total,
        "billed_tokens": billed_tokens,
        "token_counting": report.token_counting,
        "currency": prices.currency,
        "prices_as_of": prices.as_of,
        "prices_source": prices.source,
    }
    multiplier = prices.training_multiplier(training_type)
    if price.training_per_million is not None:
        result["training_cost"] = round(billed_tokens / 1e6 * price.training_per_million * multiplier, 2)
        result["training_price_per_million"] = round(price.training_per_million * multiplier, 4)
    if price.training_per_hour is not None:
        result["training_price_per_hour"] = round(price.training_per_hour * multiplier, 2)
        result["training_cost"] = None  # RFT bills time, which depends on the grader and the service
        result["auto_pause_usd"] = limits.rft_auto_pause_usd
        if _uses_model_grader(grader):
            result["grader_note"] = prices.rft_grader_note
    if price.hosting_per_hour is not None:
        result["hosting_per_day"] = round(price.hosting_per_hour * 24, 2)
        result["hosting_note"] = (
            f"a fine-tuned deployment bills {price.hosting_per_hour:.2f} {prices.currency}/hour while it exists, "
            f"used or not; one inactive for {limits.inactive_deployment_deleted_after_days} days is deleted"
        )
    return result
