"""Typed access to the dated fine-tuning price table (`prices.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from ftops.errors import NotAvailableError


@dataclass(frozen=True)
class ModelPrice:
    model: str
    training_per_million: float | None  # USD per 1M billed training tokens, standard training
    training_per_hour: float | None  # USD per training hour (RFT)
    hosting_per_hour: float | None
    published: str | None = None  # the date the figure was published (never "current")
    source: str | None = None  # key into PriceTable.sources


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    source: str
    currency: str
    global_discount: float
    developer_discount: float
    models: dict[str, ModelPrice]
    auto_epochs: dict[str, int]
    rft_grader_note: str
    sources: dict[str, dict[str, str]] | None = None

    def price(self, model: str) -> ModelPrice:
        found = self.models.get(model)
        if found is None:
            raise NotAvailableError(
                f"no recorded price for {model}",
                # Microsoft's cost pages give figures for OpenAI's models only (prices.yaml's sources).
                hint="no figure is published for it: on a Foundry resource see https://aka.ms/oai/pricing; "
                "in a hub project it bills through its marketplace offer or VM hours",
            )
        return found

    def default_epochs(self, examples: int) -> int:
        """The epochs the service picks for `examples` training examples when n_epochs is not set."""
        rule = self.auto_epochs
        epochs = rule["target"]
        if examples * epochs < rule["min_examples"]:
            epochs = min(rule["max"], rule["min_examples"] // max(examples, 1))
        elif examples * epochs > rule["max_examples"]:
            epochs = max(rule["min"], rule["max_examples"] // examples)
        return epochs

    def training_multiplier(self, training_type: str) -> float:
        if training_type == "global":
            return 1 - self.global_discount
        if training_type == "developer":
            return (1 - self.global_discount) * (1 - self.developer_discount)
        return 1.0


@cache
def load_prices() -> PriceTable:
    import yaml

    raw = yaml.safe_load(resources.files("ftops.catalog").joinpath("prices.yaml").read_text(encoding="utf-8"))
    return PriceTable(
        as_of="published " + str(raw["published"]),  # a date of publication, shown with every estimate
        source=raw["source"],
        currency=raw["currency"],
        global_discount=float(raw["global_training_discount"]),
        developer_discount=float(raw["developer_training_discount"]),
        auto_epochs={key: int(value) for key, value in raw["auto_epochs"].items()},
        rft_grader_note=raw["rft_grader_note"],
        models={
            name: ModelPrice(
                name,
                v.get("training_per_million"),
                v.get("training_per_hour"),
                v.get("hosting_per_hour"),
                str(v["published"]),
                v["source"],
            )
            for name, v in raw["models"].items()
        },
        sources=raw["sources"],
    )
