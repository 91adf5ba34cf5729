"""Live availability: which models each region can fine-tune according to ARM, read through the one
region sweep (`ftops.azure.sweep`) and cached with a TTL in the user cache dir.

ARM's `locations/{location}/models` lists `Model` objects whose `capabilities` and `finetuneCapabilities`
are free-form string maps (Microsoft's ListLocationModels examples: `fineTune`, `FineTuneTokensMaxValue`,
`FineTuneTokensMaxValuePerExample`, `completion`, `search`, ...). A model is fine-tunable when either map
says `fineTune: "true"`; whether it still is depends on `lifecycleStatus` and `deprecation.fineTune`
(the model-retirements page maps the API's `Deprecating` to "Deprecated" and `Deprecated` to "Retired").
ARM says nothing about training types (Standard, Data zone, Global, Developer): live views take them
from the catalog and say so. Matching offers to catalog models (by name *and* version) and merging them
with the catalog is `ftops.catalog.live`'s job: this layer knows HTTP and ARM's shapes only.

Live answers cover models listed by `Microsoft.CognitiveServices/locations/{location}/models`
(Foundry resources); hub/marketplace models stay catalog-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ftops.azure.arm import ArmClient

CACHE_TTL_SECONDS = 6 * 3600
MAX_WORKERS = 32  # concurrent region reads of one live sweep (a location list is small)
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


@dataclass(frozen=True)
class RegionAnswer:
    """One region's fine-tunable offers per ARM, or the one-line `error` that kept them from being read."""

    region: str
    offers: tuple[FineTuneOffer, ...] = ()
    error: str | None = None
    cached: bool = False


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
    """Ask every region through the one region sweep; one region failing does not sink the others.

    Answers come in the order the regions were given (duplicates dropped). A sign-in failure is the same
    for every region, so the sweep re-raises it at once and the caller says it once.
    """
    from ftops.azure import sweep as region_sweep

    endpoint = arm.transport.base_url

    def ask(region: str) -> tuple[tuple[FineTuneOffer, ...], bool]:
        path = _cache_file(endpoint, arm.subscription_id, region)
        if use_cache and (cached := _read_cache(path, ttl)) is not None:
            return cached, True
        offers = tuple(fine_tune_offers(list(arm.location_models(region))))
        if use_cache:
            _write_cache(path, offers)
        return offers, False

    answers: dict[str, RegionAnswer] = {}
    for result in region_sweep.sweep(ask, regions, max_workers=MAX_WORKERS):
        if result.error is not None or result.value is None:
            answers[result.region] = RegionAnswer(result.region, error=result.error or "no answer")
        else:
            offers, cached = result.value
            answers[result.region] = RegionAnswer(result.region, offers, cached=cached)
    return answers
