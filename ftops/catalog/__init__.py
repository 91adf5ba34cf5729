"""Typed, read-only access to the fine-tuning catalog (`models.yaml`).

The YAML file is the data; this module only parses it and answers questions about it:
which models exist, what each can be trained with, and where.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

from ftops.errors import NotAvailableError, UnknownModelError, UserError

Method = Literal["sft", "dpo", "rft"]
Modality = Literal["text", "vision"]
TrainingType = Literal["standard", "global", "developer"]
Offer = Literal["serverless-openai", "serverless-hub", "serverless-marketplace", "managed-compute"]

METHODS: tuple[Method, ...] = ("sft", "dpo", "rft")
MODALITIES: tuple[Modality, ...] = ("text", "vision")
TRAINING_TYPES: tuple[TrainingType, ...] = ("standard", "global", "developer")
OFFERS: tuple[Offer, ...] = ("serverless-openai", "serverless-hub", "serverless-marketplace", "managed-compute")
METHOD_NAMES = {"sft": "supervised (SFT)", "dpo": "direct preference (DPO)", "rft": "reinforcement (RFT)"}


@dataclass(frozen=True)
class Source:
    key: str
    document: str
    as_of: str


@dataclass(frozen=True)
class Model:
    name: str
    provider: str
    offers: tuple[Offer, ...]
    methods: tuple[Method, ...]
    modalities: tuple[Modality, ...]
    standard_regions: tuple[str, ...]
    global_training: bool
    source: Source
    version: str | None = None
    other_versions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    training_context_tokens: int | None = None
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    marketplace_countries: str | None = None
    recommended_for: str | None = None
    legacy: bool = False
    tokenizer: str | None = None  # tiktoken encoding, for exact token counts when available offline

    @property
    def is_openai(self) -> bool:
        """Trained through the Azure OpenAI fine-tuning API on an AI Services account."""
        return "serverless-openai" in self.offers

    @property
    def serverless(self) -> bool:
        return any(o.startswith("serverless") for o in self.offers)

    @property
    def needs_marketplace(self) -> bool:
        return "serverless-marketplace" in self.offers

    @property
    def managed_compute(self) -> bool:
        return "managed-compute" in self.offers


@dataclass(frozen=True)
class VmSize:
    name: str
    family: str  # the quota family Azure Machine Learning counts it in
    vcpus: int
    gpus: int


@dataclass(frozen=True)
class Limits:
    source: Source
    values: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name: str) -> int:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Where:
    """Where one model can be fine-tuned with one method and modality."""

    model: Model
    method: Method
    modality: Modality
    standard_regions: tuple[str, ...]
    global_regions: tuple[str, ...]

    def regions_for(self, training_type: TrainingType) -> tuple[str, ...]:
        if training_type == "global":
            return self.global_regions
        if training_type == "standard":
            return self.standard_regions
        return ()

    @property
    def all_regions(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.standard_regions) | set(self.global_regions)))


def normalize(name: str) -> str:
    """Forgiving key for model names: case, dots, dashes, spaces and brackets do not matter."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


class Catalog:
    def __init__(self, raw: dict) -> None:
        self.as_of: str = str(raw["as_of"])
        self.sources = {
            key: Source(key, value["document"], str(value["as_of"])) for key, value in raw["sources"].items()
        }
        self.global_training_regions: tuple[str, ...] = tuple(raw["global_training_regions"])
        self.global_training_no_vision: frozenset[str] = frozenset(raw.get("global_training_no_vision", []))
        limits = dict(raw["limits"])
        self.limits = Limits(self.sources[limits.pop("source")], limits)
        self.azure_regions: frozenset[str] = frozenset(raw["azure_regions"])
        registries = dict(raw["registries"])
        self.registries_source = self.sources[registries.pop("source")]
        self.registries: dict[str, str] = registries
        sizes = dict(raw["vm_sizes"])
        self.vm_sizes_source = self.sources[sizes.pop("source")]
        self.vm_sizes: dict[str, VmSize] = {name: VmSize(name, **spec) for name, spec in sizes.items()}
        recommended = dict(raw["managed_compute_sizes"])
        default_source = recommended.pop("source")
        self.recommended_sizes: dict[str, dict[str, tuple[str, ...]]] = {
            model: {use: tuple(spec[use]) for use in ("training", "inference") if use in spec}
            for model, spec in recommended.items()
        }
        # Where each list comes from: `<use>_source`, else the entry's `source`, else the section's.
        self.recommended_sizes_source: dict[tuple[str, str], Source] = {
            (model, use): self.sources[spec.get(f"{use}_source", spec.get("source", default_source))]
            for model, spec in recommended.items()
            for use in self.recommended_sizes[model]
        }
        data_format = dict(raw["data_format"])
        self.data_format_source = self.sources[data_format.pop("source")]
        self.data_format: dict = data_format
        self.models: tuple[Model, ...] = tuple(self._model(m) for m in raw["models"])
        self._by_key: dict[str, Model] = {}
        for model in self.models:
            for alias in (model.name, *model.aliases):
                self._by_key[normalize(alias)] = model

    def _model(self, m: dict) -> Model:
        tuples = ("offers", "methods", "modalities", "standard_regions", "other_versions", "aliases")
        fields = {k: tuple(v) if k in tuples else v for k, v in m.items()}
        fields["source"] = self.sources[m["source"]]
        fields.setdefault("global_training", False)
        if fields.get("version") is not None:
            fields["version"] = str(fields["version"])
        return Model(**fields)

    # ---- lookups ----
    def model(self, name: str) -> Model:
        """The model called `name`, matched forgivingly; unknown names suggest near misses."""
        found = self._by_key.get(normalize(name))
        if found is None:
            raise UnknownModelError(name, self.suggest(name))
        return found

    def suggest(self, name: str, n: int = 3) -> list[str]:
        keys = difflib.get_close_matches(normalize(name), list(self._by_key), n=n, cutoff=0.6)
        names: list[str] = []
        for key in keys:
            model_name = self._by_key[key].name
            if model_name not in names:
                names.append(model_name)
        return names

    def vm_size(self, name: str) -> VmSize:
        """A VM size by name (case-insensitive), or a clear error listing the known ones."""
        for size in self.vm_sizes.values():
            if size.name.lower() == name.lower():
                return size
        raise UserError(
            f"unknown VM size '{name}'",
            hint="sizes ftops knows: " + ", ".join(self.vm_sizes),
        )

    def registry_model_id(self, model: Model) -> str:
        """The model's AzureML registry asset id (for marketplace subscriptions and AzureML jobs)."""
        return f"azureml://registries/{self.registries[model.provider]}/models/{model.name}"

    def fine_tuning_regions(self) -> tuple[str, ...]:
        """Regions from which at least one model can be fine-tuned."""
        regions = set(self.global_training_regions)
        for model in self.models:
            regions.update(model.standard_regions)
        return tuple(sorted(regions))

    def suggest_region(self, name: str) -> list[str]:
        return difflib.get_close_matches(name.lower(), sorted(self.azure_regions), n=2, cutoff=0.7)

    def filter(self, *, method: Method | None = None, vision: bool = False, offer: Offer | None = None) -> list[Model]:
        return [
            m
            for m in self.models
            if (method is None or method in m.methods)
            and (not vision or "vision" in m.modalities)
            and (offer is None or offer in m.offers)
        ]

    def where(self, model: Model, method: Method | None = None, modality: Modality = "text") -> Where:
        """Regions that can fine-tune `model` with `method` on `modality`, or a clear refusal."""
        if method is None:
            method = model.methods[0]
        if method not in model.methods:
            supported = ", ".join(METHOD_NAMES[m] for m in model.methods)
            raise NotAvailableError(
                f"{model.name} cannot be fine-tuned with {METHOD_NAMES[method]}",
                hint=f"{model.name} supports {supported}; models with {method}: "
                + ", ".join(m.name for m in self.filter(method=method)),
            )
        if modality not in model.modalities:
            raise NotAvailableError(
                f"{model.name} does not train on images (vision fine-tuning)",
                hint="vision fine-tuning: " + ", ".join(m.name for m in self.filter(vision=True)),
            )
        global_regions: tuple[str, ...] = ()
        if model.global_training:
            excluded = self.global_training_no_vision if modality == "vision" else frozenset()
            global_regions = tuple(r for r in self.global_training_regions if r not in excluded)
        return Where(model, method, modality, model.standard_regions, global_regions)

    def trainable_in(
        self, region: str, *, method: Method | None = None, modality: Modality = "text"
    ) -> list[tuple[Model, tuple[TrainingType, ...]]]:
        """Every model that can be fine-tuned from `region`, with the training types that work there."""
        result = []
        for model in self.models:
            if (method is not None and method not in model.methods) or modality not in model.modalities:
                continue
            types: list[TrainingType] = []
            if region in model.standard_regions:
                types.append("standard")
            vision_excluded = modality == "vision" and region in self.global_training_no_vision
            if model.global_training and region in self.global_training_regions and not vision_excluded:
                types.append("global")
            if types:
                result.append((model, tuple(types)))
        return result


@cache
def load_catalog() -> Catalog:
    """The bundled catalog, parsed once per process."""
    import yaml

    text = resources.files(__package__).joinpath("models.yaml").read_text(encoding="utf-8")
    return Catalog(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
