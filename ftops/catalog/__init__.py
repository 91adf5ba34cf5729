"""Typed, read-only access to the fine-tuning catalog (`models.yaml`).

The YAML file is the data; this module parses it and answers questions about it: which models exist,
what each can be trained with, on which path, with which training types, where, and until when.

Microsoft's tables live in the file's `tables` section (written by `ftops catalog refresh --write`);
the curated records name each model's provider, paths and lifecycle. A model is joined with its table
rows here, so a fact has one home.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from ftops.errors import NotAvailableError, UnknownModelError, UserError

Method = Literal["sft", "dpo", "rft"]
Modality = Literal["text", "vision"]
TrainingType = Literal["standard", "data_zone", "global", "developer"]
Offer = Literal["serverless-openai", "serverless-hub", "serverless-marketplace", "managed-compute"]
PathKind = Literal["foundry-resource", "hub-serverless", "managed-compute"]
Status = Literal["preview", "ga", "deprecated", "legacy", "retired", "withdrawn"]

METHODS: tuple[Method, ...] = ("sft", "dpo", "rft")
MODALITIES: tuple[Modality, ...] = ("text", "vision")
TRAINING_TYPES: tuple[TrainingType, ...] = ("standard", "data_zone", "global", "developer")
OFFERS: tuple[Offer, ...] = ("serverless-openai", "serverless-hub", "serverless-marketplace", "managed-compute")
PATHS: tuple[PathKind, ...] = ("foundry-resource", "hub-serverless", "managed-compute")
METHOD_NAMES = {"sft": "supervised (SFT)", "dpo": "direct preference (DPO)", "rft": "reinforcement (RFT)"}
TRAINING_TYPE_NAMES = {"standard": "Standard", "data_zone": "Data zone", "global": "Global", "developer": "Developer"}


@dataclass(frozen=True)
class Source:
    """One revision of one published file (or, for the few facts outside the carried docs, a description)."""

    key: str
    document: str
    as_of: str  # the page's date as written (ms.date)
    repo: str | None = None
    path: str | None = None
    commit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "repo": self.repo,
            "path": self.path,
            "commit": self.commit,
            "date": self.as_of,
            "document": self.document,
        }


@dataclass(frozen=True)
class Lifecycle:
    status: Status
    source: Source
    retired: str | None = None  # fine-tuning retired on (ISO date)
    base_retirement: str | None = None
    training_retirement: str | None = None
    training_retirement_note: str | None = None
    deployment_retirement: str | None = None
    replacement: str | None = None
    note: str | None = None

    @property
    def offered(self) -> bool:
        return self.status not in ("retired", "withdrawn")

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "retired": self.retired,
            "base_retirement": self.base_retirement,
            "training_retirement": self.training_retirement,
            "training_retirement_note": self.training_retirement_note,
            "deployment_retirement": self.deployment_retirement,
            "replacement": self.replacement,
            "note": self.note,
            "source": self.source.to_dict(),
        }


@dataclass(frozen=True)
class Deployment:
    """A deployment type that serves the fine-tuned model; `regions` empty where Microsoft lists none."""

    sku: str
    regions: tuple[str, ...] = ()
    source: str = "supported-models"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.sku, "regions": list(self.regions), "source": self.source}


@dataclass(frozen=True)
class TrainingPath:
    """One way to train a model, with the training types and regions Microsoft lists for it."""

    kind: PathKind
    training_types: tuple[TrainingType, ...]
    standard_regions: tuple[str, ...] = ()
    data_zone: str | None = None  # geography, e.g. US
    data_zone_regions: tuple[str, ...] = ()
    global_regions: dict[Modality, tuple[str, ...]] = field(default_factory=dict)
    developer_regions: dict[Modality, tuple[str, ...]] = field(default_factory=dict)
    deployments: tuple[Deployment, ...] = ()
    marketplace: bool = False
    sources: tuple[str, ...] = ()

    def regions_for(self, training_type: str, modality: Modality = "text") -> tuple[str, ...]:
        if training_type not in self.training_types:
            return ()
        if training_type == "standard":
            return self.standard_regions
        if training_type == "data_zone":
            return self.data_zone_regions
        if training_type == "global":
            return self.global_regions.get(modality, ())
        if training_type == "developer":
            return self.developer_regions.get(modality, ())
        return ()


@dataclass(frozen=True)
class Model:
    name: str
    provider: str
    offers: tuple[Offer, ...]
    methods: tuple[Method, ...]
    modalities: tuple[Modality, ...]
    standard_regions: tuple[str, ...]  # regions of the default path (Standard training, or the hub's region)
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
    lifecycle: Lifecycle | None = None
    paths: tuple[TrainingPath, ...] = ()
    preview: bool = False
    interactive: bool = False
    access: str | None = None

    @property
    def is_openai(self) -> bool:
        """Trained by default through the fine-tuning API on a Foundry (AI Services) resource."""
        return bool(self.paths) and self.paths[0].kind == "foundry-resource"

    @property
    def serverless(self) -> bool:
        return any(o.startswith("serverless") for o in self.offers)

    @property
    def needs_marketplace(self) -> bool:
        return "serverless-marketplace" in self.offers

    @property
    def managed_compute(self) -> bool:
        return "managed-compute" in self.offers

    @property
    def offered(self) -> bool:
        """Offered for fine-tuning now (not retired or withdrawn)."""
        return self.lifecycle is None or self.lifecycle.offered

    def path(self, kind: str | None = None) -> TrainingPath:
        """The path of this kind (default: the first), or a refusal naming the ones there are."""
        for candidate in self.paths:
            if kind is None or candidate.kind == kind:
                return candidate
        raise NotAvailableError(
            f"{self.name} is not trained on the {kind} path",
            hint=f"{self.name} paths: " + ", ".join(p.kind for p in self.paths),
        )

    @property
    def training_types(self) -> tuple[TrainingType, ...]:
        """Training types of the fine-tuning API path (empty when the model has none)."""
        for candidate in self.paths:
            if candidate.kind == "foundry-resource":
                return candidate.training_types
        return ()


@dataclass(frozen=True)
class VmSize:
    name: str
    family: str  # the quota family Azure Machine Learning counts it in
    vcpus: int
    gpus: int


@dataclass(frozen=True)
class Limit:
    name: str
    value: int
    scope: str
    source: Source
    applies_to: str | None = None


@dataclass(frozen=True)
class Limits:
    source: Source
    values: dict[str, int] = field(default_factory=dict)
    entries: dict[str, Limit] = field(default_factory=dict)
    version: str | None = None

    def __getattr__(self, name: str) -> int:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Where:
    """Where one model can be fine-tuned with one method and modality on one path."""

    model: Model
    method: Method
    modality: Modality
    standard_regions: tuple[str, ...]
    global_regions: tuple[str, ...]
    path: TrainingPath | None = None
    data_zone_regions: tuple[str, ...] = ()
    developer_regions: tuple[str, ...] = ()

    @property
    def training_types(self) -> tuple[TrainingType, ...]:
        return tuple(t for t in TRAINING_TYPES if self.regions_for(t))

    def regions_for(self, training_type: str) -> tuple[str, ...]:
        return {
            "standard": self.standard_regions,
            "data_zone": self.data_zone_regions,
            "global": self.global_regions,
            "developer": self.developer_regions,
        }.get(training_type, ())

    @property
    def all_regions(self) -> tuple[str, ...]:
        return tuple(sorted({r for t in TRAINING_TYPES for r in self.regions_for(t)}))


class RetiredModelError(NotAvailableError):
    """A model whose fine-tuning Microsoft retired (or no longer lists); the hint names what to use instead."""

    kind = "retired_model"


def normalize(name: str) -> str:
    """Forgiving key for model names: case, dots, dashes, spaces and brackets do not matter."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _tuple(value: Any) -> tuple:
    return tuple(value or ())


class Catalog:
    def __init__(self, raw: dict) -> None:
        self.raw = raw
        self.as_of: str = str(raw["as_of"])
        self.sources = {key: _source(key, value) for key, value in raw["sources"].items()}
        self.choices: dict[str, dict] = dict(raw.get("choices") or {})
        self.tables: dict[str, Any] = dict(raw.get("tables") or {})
        self.training_type_meanings: dict[str, dict] = dict(raw.get("training_types") or {})
        self.data_zones: dict[str, tuple[str, ...]] = {
            zone: tuple(spec["regions"]) for zone, spec in (raw.get("data_zones") or {}).items()
        }
        self.path_labels: dict[str, str] = {k: v["label"] for k, v in (raw.get("paths") or {}).items()}
        self.deployment_type_names: dict[str, str] = dict(raw.get("deployment_types") or {})
        self.default_serverless_deployments: tuple[str, ...] = _tuple(raw.get("default_serverless_deployments"))
        limits = raw["limits"]
        entries = {
            name: Limit(name, int(spec["value"]), spec["scope"], self.sources[spec["source"]], spec.get("applies_to"))
            for name, spec in limits["entries"].items()
        }
        self.limits = Limits(
            self.sources[limits["source"]], {n: e.value for n, e in entries.items()}, entries, str(limits["version"])
        )
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
        self.all_models: tuple[Model, ...] = tuple(self._models(raw["models"]))
        # Every record, retired ones too (a name must still resolve to say when it retired).
        self.models: tuple[Model, ...] = self.all_models
        self._by_key: dict[str, Model] = {}
        for model in self.all_models:
            for alias in (model.name, *model.aliases):
                self._by_key.setdefault(normalize(alias), model)

    @property
    def grader_models(self) -> tuple[str, ...]:
        """Models a score_model/label_model grader may use, as the newest RFT page names them (choice grader-models)."""
        return tuple(self.data_format["grader_models"])

    @property
    def similarity_metrics(self) -> tuple[str, ...]:
        """`text_similarity` metrics for RFT (the RFT preparation page; cosine is for evaluations only)."""
        return tuple(self.data_format["similarity_metrics"])

    @property
    def global_training_regions(self) -> tuple[str, ...]:
        """Every region of the Global training table (before per-model footnotes)."""
        regions = (self._table("global-training-regions").get("regions") or {}).items()
        return tuple(sorted(r for r, entry in regions if entry.get("managed")))

    # ---- building models from curated records + tables ----
    def _table(self, key: str) -> Any:
        return (self.tables.get(key) or {}).get("data") or {}

    def _row(self, key: str, record: dict, sub: str | None = None) -> Any:
        """The row of table `key` for this record, matched by name or alias (forgivingly)."""
        rows = self._table(key)
        if sub is not None:
            rows = rows.get(sub) or {}
        names = {normalize(n) for n in (record["name"], *record.get("aliases", ()))}
        for name, row in rows.items():
            if normalize(name) in names:
                return row
        return None

    def _models(self, records: list[dict]) -> list[Model]:
        built = [self._model(r) for r in records]
        # Models in Microsoft's table that no curated record names yet: offered on the fine-tuning API.
        known = {normalize(n) for r in records for n in (r["name"], *r.get("aliases", ()))}
        for name in self._table("supported-models").get("models", {}):
            if normalize(name) not in known:
                built.append(self._model({"name": name, "provider": "unknown", "paths": ["foundry-resource"]}))
        return built

    def _model(self, m: dict) -> Model:
        row = self._row("supported-models", m, "models")
        maas = self._row("maas-regions", m)
        modalities: tuple[Modality, ...] = _tuple(m.get("modalities")) or ("text",)
        built = (self._path(kind, m, row, maas, modalities) for kind in m.get("paths", ()))
        paths = tuple(p for p in built if p is not None)
        methods = tuple(row["methods"]) if row else ("sft",)
        offers: list[Offer] = []
        for path in paths:
            if path.kind == "foundry-resource":
                offers.append("serverless-openai")
            elif path.kind == "hub-serverless":
                offers.append("serverless-marketplace" if path.marketplace else "serverless-hub")
            else:
                offers.append("managed-compute")
        lifecycle = None
        if spec := m.get("lifecycle"):
            spec = dict(spec)
            lifecycle = Lifecycle(source=self.sources[spec.pop("source")], **spec)
        main_source = "supported-models" if row else ("maas-regions" if maas else "retired-models")
        first = paths[0] if paths else None
        version = m.get("version") if m.get("version") is not None else (row or {}).get("version")
        return Model(
            name=m["name"],
            provider=m["provider"],
            offers=tuple(offers),
            methods=methods,  # type: ignore[arg-type]
            modalities=modalities,
            standard_regions=first.standard_regions if first else (),
            global_training=any("global" in p.training_types for p in paths),
            source=self.sources[main_source],
            version=str(version) if version is not None else None,
            other_versions=_tuple(m.get("other_versions")),
            aliases=_tuple(m.get("aliases")),
            training_context_tokens=m.get("training_context_tokens"),
            max_input_tokens=m.get("max_input_tokens"),
            max_output_tokens=m.get("max_output_tokens"),
            marketplace_countries=m.get("marketplace_countries")
            or ((maas or {}).get("offer") if m.get("marketplace") else None),
            recommended_for=m.get("recommended_for"),
            legacy=bool(lifecycle and lifecycle.status == "legacy"),
            tokenizer=m.get("tokenizer"),
            lifecycle=lifecycle,
            paths=paths,
            preview=bool(row and row.get("preview")),
            interactive=bool(row and row.get("interactive")),
            access=m.get("access"),
        )

    def _path(self, kind: str, m: dict, row: dict | None, maas: dict | None, modalities) -> TrainingPath | None:
        if kind == "hub-serverless":
            regions = tuple((maas or {}).get("regions") or m.get("hub_regions") or ())
            return TrainingPath(
                "hub-serverless",
                ("standard",) if regions else (),
                standard_regions=regions,
                marketplace=bool(m.get("marketplace")),
                sources=("maas-regions",),
            )
        if kind == "managed-compute":
            return TrainingPath("managed-compute", ("standard",), sources=("azureml-assets-specs",))
        if row is None:  # not (or no longer) in Microsoft's table: a record without a current offer
            return TrainingPath("foundry-resource", (), sources=("supported-models",))
        types = tuple(row["training_types"])
        standard: tuple[str, ...] = ()
        if "standard" in types:
            standard = tuple((self._row("standard-training-regions", m) or {}).get("regions") or ())
        zone: str | None = None
        zone_regions: tuple[str, ...] = ()
        if "data_zone" in types and self.data_zones:
            zone = next(iter(self.data_zones))
            zone_regions = self.data_zones[zone]
        global_regions = {mod: self.global_regions(m["name"], mod) for mod in modalities} if "global" in types else {}
        developer = dict(global_regions) if "developer" in types else {}
        if "developer" in types and not developer:
            developer = {mod: self.global_regions(m["name"], mod) for mod in modalities}
        return TrainingPath(
            "foundry-resource",
            types,  # type: ignore[arg-type]
            standard_regions=standard,
            data_zone=zone,
            data_zone_regions=zone_regions,
            global_regions=global_regions,
            developer_regions=developer,
            deployments=self._deployments(m, row),
            sources=("supported-models", "global-training-regions", "standard-training-regions"),
        )

    def global_regions(self, model: str, modality: Modality = "text") -> tuple[str, ...]:
        """The Global training region table for one model and modality, footnotes applied."""
        table = self._table("global-training-regions")
        footnotes = table.get("footnotes") or {}
        key = normalize(model)
        regions = []
        for region, entry in (table.get("regions") or {}).items():
            if not entry.get("managed"):
                continue
            allowed = True
            for note in entry.get("notes") or ():
                rule = footnotes.get(note) or footnotes.get(str(note)) or {}
                if key in {normalize(n) for n in rule.get("exclude_models", ())}:
                    allowed = False
                if modality in rule.get("exclude_modalities", ()):
                    allowed = False
                if "only_models" in rule and key not in {normalize(n) for n in rule["only_models"]}:
                    allowed = False
            if allowed:
                regions.append(region)
        return tuple(sorted(regions))

    def _deployments(self, m: dict, row: dict) -> tuple[Deployment, ...]:
        """Deployment types serving the fine-tuned model, from the table's cell, its legend and region tables."""
        legend = self._table("supported-models").get("legend") or {}
        names = self.deployment_type_names
        standard = tuple(self._row("standard-deployment-regions", m) or ())
        provisioned = tuple(self._row("provisioned-deployment-regions", m) or ())
        found: list[Deployment] = []
        options = row.get("deployment") or {}
        serverless = options.get("serverless") or {}
        if serverless.get("offered"):
            skus = list(self.default_serverless_deployments)
            extra = []
            if standard:
                extra.append("Standard")
            if provisioned:
                extra.append("ProvisionedManaged")
            skus += extra
            for note in serverless.get("notes") or ():
                text = legend.get(note) or legend.get(str(note)) or ""
                if only := re.match(r"Only (.+?) deployment type is supported", text):
                    skus = [names.get(only.group(1), only.group(1))]
                elif off := re.match(r"(.+?) deployment type is not supported", text):
                    skus = [s for s in skus if s != names.get(off.group(1), off.group(1))]
            for sku in skus:
                if sku == "Standard":
                    found.append(Deployment(sku, standard, "standard-deployment-regions"))
                elif sku == "ProvisionedManaged":
                    found.append(Deployment(sku, provisioned, "provisioned-deployment-regions"))
                else:
                    found.append(Deployment(sku))
        if (options.get("managed_compute") or {}).get("offered"):
            found.append(Deployment("managed-compute"))
        if (options.get("fireworks") or {}).get("offered"):
            found.append(Deployment("fireworks-provisioned"))
        return tuple(found)

    # ---- lookups ----
    def model(self, name: str) -> Model:
        """The model called `name`, matched forgivingly (retired records too); unknown names suggest near misses."""
        found = self._by_key.get(normalize(name))
        if found is None:
            raise UnknownModelError(name, self.suggest(name))
        return found

    def offered_model(self, name: str) -> Model:
        """The model called `name` if it is offered for fine-tuning now; a retired one says when and what instead."""
        model = self.model(name)
        if not model.offered:
            raise self.retired_error(model)
        return model

    def retired_error(self, model: Model) -> RetiredModelError:
        life = model.lifecycle
        assert life is not None
        when = f"retired on {life.retired}" if life.retired else "no longer offered"
        source = f"{life.source.repo or life.source.document}: {life.source.path or ''} ({life.source.as_of})"
        return RetiredModelError(
            f"{model.name} fine-tuning is {when}" + (f" ({life.note})" if life.note else ""),
            hint=self.replacement_hint(model) + f"; source: {source}",
        )

    def replacement_hint(self, model: Model) -> str:
        """`use X`, following replacements that are themselves retired, else what the provider still offers."""
        seen = {model.name}
        current = model
        named = None  # Microsoft's replacement, when the catalog cannot train it
        while current.lifecycle and current.lifecycle.replacement:
            name = current.lifecycle.replacement
            try:
                nxt = self.model(name)
            except UnknownModelError:
                named = f"Microsoft's replacement {name} is not offered for fine-tuning"
                break
            if nxt.name in seen:
                break
            seen.add(nxt.name)
            if nxt.offered:
                return f"use {nxt.name}" + (f" ({named})" if named else "")
            named = named or f"Microsoft's replacement {nxt.name} is retired too"
            current = nxt
        prefix = (named or "Microsoft names no replacement") + "; "
        same = [m.name for m in self.offered_models() if m.provider == model.provider]
        if same:
            return prefix + f"fine-tunable {model.provider} models: " + ", ".join(same)
        return prefix + "see `ftops models` for what can be fine-tuned"

    def offered_models(self) -> list[Model]:
        return [m for m in self.all_models if m.offered]

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
        """Regions from which at least one offered model can be fine-tuned."""
        regions: set[str] = set()
        for model in self.offered_models():
            for path in model.paths:
                for t in path.training_types:
                    for modality in model.modalities:
                        regions.update(path.regions_for(t, modality))
        return tuple(sorted(regions))

    def suggest_region(self, name: str) -> list[str]:
        return difflib.get_close_matches(name.lower(), sorted(self.azure_regions), n=2, cutoff=0.7)

    def filter(
        self,
        *,
        method: Method | None = None,
        vision: bool = False,
        offer: Offer | None = None,
        include_retired: bool = True,
    ) -> list[Model]:
        return [
            m
            for m in self.all_models
            if (method is None or method in m.methods)
            and (not vision or "vision" in m.modalities)
            and (offer is None or offer in m.offers)
            and (include_retired or m.offered)
        ]

    def where(
        self, model: Model, method: Method | None = None, modality: Modality = "text", path: str | None = None
    ) -> Where:
        """Regions that can fine-tune `model` with `method` on `modality` (default path), or a clear refusal."""
        if method is None:
            method = model.methods[0]
        if method not in model.methods:
            supported = ", ".join(METHOD_NAMES[m] for m in model.methods)
            raise NotAvailableError(
                f"{model.name} cannot be fine-tuned with {METHOD_NAMES[method]}",
                hint=f"{model.name} supports {supported}; models with {method}: "
                + ", ".join(m.name for m in self.filter(method=method, include_retired=False)),
            )
        if modality not in model.modalities:
            raise NotAvailableError(
                f"{model.name} does not train on images (vision fine-tuning)",
                hint="vision fine-tuning: "
                + ", ".join(m.name for m in self.filter(vision=True, include_retired=False)),
            )
        chosen = model.path(path) if model.paths else None
        if chosen is None:
            return Where(model, method, modality, (), ())
        return Where(
            model,
            method,
            modality,
            chosen.regions_for("standard", modality),
            chosen.regions_for("global", modality),
            chosen,
            chosen.regions_for("data_zone", modality),
            chosen.regions_for("developer", modality),
        )

    def wheres(self, model: Model, method: Method | None = None, modality: Modality = "text") -> list[Where]:
        """One answer per path of the model."""
        return [self.where(model, method, modality, p.kind) for p in model.paths]

    def trainable_in(
        self, region: str, *, method: Method | None = None, modality: Modality = "text"
    ) -> list[tuple[Model, tuple[TrainingType, ...]]]:
        """Every offered model that can be fine-tuned from `region` (default path), with the training types there."""
        result = []
        for model in self.offered_models():
            if (method is not None and method not in model.methods) or modality not in model.modalities:
                continue
            where = self.where(model, method, modality)
            types = tuple(t for t in TRAINING_TYPES if region in where.regions_for(t))
            if types:
                result.append((model, types))
        return result


def iso_date(written: str) -> str:
    """A page date as ISO: ms.date is written M/D/YYYY ("10/06/2026", "1/31/2026"); ISO passes through."""
    found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", written.strip())
    if not found:
        return written
    month, day, year = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _source(key: str, value: dict) -> Source:
    date = iso_date(str(value["date"]))
    if "repo" in value:
        document = f"{value['repo']}: {value['path']} @ {value['commit'][:12]}"
        return Source(key, document, date, value["repo"], value["path"], value["commit"])
    return Source(key, value["document"], date)


def data_path():
    """The bundled catalog file (a package resource)."""
    return resources.files(__package__).joinpath("models.yaml")


def parse_catalog(text: str) -> Catalog:
    import yaml

    return Catalog(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


@cache
def load_catalog() -> Catalog:
    """The bundled catalog, parsed once per process."""
    return parse_catalog(data_path().read_text(encoding="utf-8"))
