"""Live availability: which models each region can fine-tune according to ARM, swept concurrently,
cached with a TTL in the user cache dir, and merged with the catalog.

ARM's `locations/{location}/models` lists `Model` objects whose `capabilities` and `finetuneCapabilities`
are free-form string maps (Microsoft's ListLocationModels examples: `fineTune`, `FineTuneTokensMaxValue`,
`FineTuneTokensMaxValuePerExample`, `completion`, `search`, ...). A model is fine-tunable when either map
says `fineTune: "true"`; whether it still is depends on `lifecycleStatus` and `deprecation.fineTune`
(the model-retirements page maps the API's `Deprecating` to "Deprecated" and `Deprecated` to "Retired").
ARM says nothing about training types (Standard, Data zone, Global, Developer): live views take them
from the catalog and say so. Models are matched by name *and* version.

Live answers cover models listed by `Microsoft.CognitiveServices/locations/{location}/models`
(Foundry resources); hub/marketplace models stay catalog-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ftops.catalog import TRAINING_TYPES, Catalog, Method, Model, normalize
from ftops.errors import FtopsError

if TYPE_CHECKING:
    from ftops.azure.arm import ArmClient

CACHE_TTL_SECONDS = 6 * 3600
MAX_WORKERS = 32
CACHE_FORMAT = 2  # bumped when FineTuneOffer changes, so older cache files are ignored


def _flag(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> str | None:
    """The date part of an ARM timestamp (`2024-06-14T00:00:00Z` -> 2024-06-14)."""
    return str(value)[:10] if value else None


@dataclass(frozen=True)
class FineTuneOffer:
    """One model of a location's list that ARM marks fine-tunable, with what ARM says about its lifecycle."""

    name: str
    version: str | None
    kind: str | None  # the account kind the entry is for (OpenAI, AIServices)
    lifecycle_status: str | None = None  # Preview, GenerallyAvailable, Stable, Legacy, Deprecating, Deprecated
    fine_tune_deprecation: str | None = None  # deprecation.fineTune (ISO date)
    inference_deprecation: str | None = None  # deprecation.inference (ISO date)
    sku_deprecations: dict[str, str] = field(default_factory=dict)  # SKU name -> deprecationDate
    max_tokens_per_example: int | None = None  # FineTuneTokensMaxValuePerExample
    max_tokens: int | None = None  # FineTuneTokensMaxValue
    training_types: tuple[str, ...] = ()  # ARM lists none; kept empty so nothing mistakes a capability for one

    def state(self, today: dt.date | None = None) -> str:
        """offered, deprecating (still trains, new customers blocked or a date announced) or retired."""
        today = today or dt.date.today()
        if self.lifecycle_status == "Deprecated":
            return "retired"
        if self.fine_tune_deprecation and dt.date.fromisoformat(self.fine_tune_deprecation) <= today:
            return "retired"
        if self.lifecycle_status in ("Deprecating", "Legacy") or self.fine_tune_deprecation:
            return "deprecating"
        return "offered"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["training_types"] = list(self.training_types)
        return data


def fine_tune_offers(models: list[dict]) -> list[FineTuneOffer]:
    """The fine-tunable entries of a location model list: `fineTune == "true"` in `capabilities` or in
    `finetuneCapabilities` (both free-form maps; keys compared case-insensitively)."""
    offers = []
    for entry in models:
        model = entry.get("model") or {}
        maps = [model.get("capabilities") or {}, model.get("finetuneCapabilities") or {}]
        lowered = [{str(k).lower(): v for k, v in m.items()} for m in maps if isinstance(m, dict)]
        if not any(_flag(m.get("finetune")) for m in lowered):
            continue
        merged: dict[str, Any] = {}
        for m in lowered:
            merged.update({k: v for k, v in m.items() if v is not None})
        deprecation = model.get("deprecation") or {}
        offers.append(
            FineTuneOffer(
                name=str(model.get("name")),
                version=str(model["version"]) if model.get("version") is not None else None,
                kind=entry.get("kind"),
                lifecycle_status=model.get("lifecycleStatus"),
                fine_tune_deprecation=_date(deprecation.get("fineTune")),
                inference_deprecation=_date(deprecation.get("inference")),
                sku_deprecations={
                    str(s.get("name")): str(s["deprecationDate"])[:10]
                    for s in model.get("skus") or ()
                    if s.get("deprecationDate")
                },
                max_tokens_per_example=_int(merged.get("finetunetokensmaxvalueperexample")),
                max_tokens=_int(merged.get("finetunetokensmaxvalue")),
            )
        )
    return offers


def matches(offer: FineTuneOffer, model: Model) -> bool:
    """Same model *and* version (a catalog record without a version takes any)."""
    if normalize(offer.name) not in {normalize(n) for n in (model.name, *model.aliases)}:
        return False
    if model.version is None or offer.version is None:
        return True
    return offer.version in (model.version, *model.other_versions)


@dataclass(frozen=True)
class RegionAnswer:
    region: str
    offers: tuple[FineTuneOffer, ...] = ()
    error: str | None = None
    cached: bool = False

    def offer_for(self, model: Model) -> FineTuneOffer | None:
        return next((o for o in self.offers if matches(o, model)), None)

    def offers_model(self, model: Model) -> bool:
        """ARM lists the model (name and version) as fine-tunable here and has not retired its fine-tuning."""
        offer = self.offer_for(model)
        return offer is not None and offer.state() != "retired"


def cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("ftops")) / "live-models"


def _cache_file(endpoint: str, subscription: str, region: str) -> Path:
    # Keyed by endpoint too, so emulator answers never stand in for Azure's.
    key = hashlib.sha256(f"{endpoint}|{subscription}".encode()).hexdigest()[:16]
    return cache_dir() / f"{key}-{region}.json"


def _read_cache(path: Path, ttl: float) -> tuple[FineTuneOffer, ...] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != CACHE_FORMAT or time.time() - float(data["fetched_at"]) > ttl:
            return None
        return tuple(
            FineTuneOffer(**{**o, "training_types": tuple(o.get("training_types") or ())}) for o in data["offers"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(path: Path, offers: Iterable[FineTuneOffer]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        payload = {"format": CACHE_FORMAT, "fetched_at": time.time(), "offers": [o.to_dict() for o in offers]}
        tmp.write_text(json.dumps(payload))
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs a request next time


def sweep(
    arm: ArmClient, regions: Iterable[str], *, ttl: float = CACHE_TTL_SECONDS, use_cache: bool = True
) -> dict[str, RegionAnswer]:
    """Ask every region at once; one region failing does not sink the others."""
    from ftops.azure.auth import NotSignedInError

    regions = sorted(set(regions))
    endpoint = arm.transport.base_url

    def ask(region: str) -> RegionAnswer:
        path = _cache_file(endpoint, arm.subscription_id, region)
        if use_cache and (cached := _read_cache(path, ttl)) is not None:
            return RegionAnswer(region, cached, cached=True)
        try:
            offers = tuple(fine_tune_offers(list(arm.location_models(region))))
        except NotSignedInError:
            raise  # the same for every region: said once, by the caller
        except FtopsError as exc:
            return RegionAnswer(region, error=exc.message)
        if use_cache:
            _write_cache(path, offers)
        return RegionAnswer(region, offers)

    if not regions:
        return {}
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(regions))) as pool:
        return {answer.region: answer for answer in pool.map(ask, regions)}


def _lifecycle(offer: FineTuneOffer | None) -> dict[str, Any] | None:
    if offer is None:
        return None
    return {
        "state": offer.state(),
        "lifecycle_status": offer.lifecycle_status,
        "fine_tune_deprecation": offer.fine_tune_deprecation,
        "inference_deprecation": offer.inference_deprecation,
        "sku_deprecations": offer.sku_deprecations,
        "max_tokens_per_example": offer.max_tokens_per_example,
    }


def model_rows(
    catalog: Catalog, model: Model, method: str | None, vision: bool, answers: dict[str, RegionAnswer]
) -> list[dict[str, Any]]:
    """Per region: the training types the catalog offers there, what ARM says, and whether they agree."""
    where = catalog.where(model, cast("Method | None", method), "vision" if vision else "text", "foundry-resource")
    rows = []
    for region, answer in sorted(answers.items()):
        types = [t for t in TRAINING_TYPES if region in where.regions_for(t)]
        offer = None if answer.error else answer.offer_for(model)
        live = None if answer.error else (offer is not None and offer.state() != "retired")
        rows.append(
            {
                "region": region,
                "catalog": types,
                "training_types_source": "catalog",  # ARM reports no training types
                "live": live,
                "live_version": offer.version if offer else None,
                "live_lifecycle": _lifecycle(offer),
                "agrees": None if live is None else live == bool(types),
                "cached": answer.cached,
                "error": answer.error,
            }
        )
    return rows


def region_rows(
    catalog: Catalog, region: str, method: str | None, vision: bool, answer: RegionAnswer
) -> list[dict[str, Any]]:
    """Per model in one region: the catalog's training types there vs. what ARM reports (name and version)."""
    modality = "vision" if vision else "text"
    rows = []
    matched: set[int] = set()
    for model in catalog.all_models:
        if not any(p.kind == "foundry-resource" for p in model.paths):
            continue
        if (method is not None and method not in model.methods) or modality not in model.modalities:
            continue
        types: list[str] = []
        if model.offered:
            where = catalog.where(model, cast("Method | None", method), modality, "foundry-resource")
            types = [t for t in TRAINING_TYPES if region in where.regions_for(t)]
        offer = None if answer.error else answer.offer_for(model)
        if offer is not None:
            matched.add(id(offer))
        live = None if answer.error else (offer is not None and offer.state() != "retired")
        if not types and not offer:
            continue
        rows.append(_region_row(model.name, model.version, types, live, offer))
    for offer in answer.offers:  # ARM knows a fine-tunable model (or version) the catalog does not
        if id(offer) not in matched:
            rows.append(_region_row(offer.name, offer.version, [], offer.state() != "retired", offer))
    return rows


def _region_row(
    name: str, version: str | None, types: list[str], live: bool | None, offer: FineTuneOffer | None
) -> dict[str, Any]:
    return {
        "model": name,
        "version": version,
        "catalog": types,
        "training_types_source": "catalog",
        "live": live,
        "live_version": offer.version if offer else None,
        "live_lifecycle": _lifecycle(offer),
        "agrees": None if live is None else live == bool(types),
    }
