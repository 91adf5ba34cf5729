"""Live availability: which models each region can fine-tune according to ARM, swept concurrently,
cached with a TTL in the user cache dir, and merged with the catalog.

Live answers cover models listed by `Microsoft.CognitiveServices/locations/{location}/models`
(Azure OpenAI and Foundry models); hub/marketplace models stay catalog-only.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ftops.azure.arm import ArmClient, FineTuneOffer
from ftops.catalog import Catalog, Model, normalize
from ftops.errors import FtopsError

CACHE_TTL_SECONDS = 6 * 3600
MAX_WORKERS = 32


@dataclass(frozen=True)
class RegionAnswer:
    region: str
    offers: tuple[FineTuneOffer, ...] = ()
    error: str | None = None
    cached: bool = False

    def offers_model(self, model: Model) -> bool:
        keys = {normalize(n) for n in (model.name, *model.aliases)}
        return any(normalize(o.name) in keys for o in self.offers)


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
        if time.time() - float(data["fetched_at"]) > ttl:
            return None
        return tuple(
            FineTuneOffer(o["name"], o.get("version"), o.get("kind"), tuple(o.get("training_types") or ()))
            for o in data["offers"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(path: Path, offers: Iterable[FineTuneOffer]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fetched_at": time.time(), "offers": [o.to_dict() for o in offers]}))
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs a request next time


def sweep(
    arm: ArmClient, regions: Iterable[str], *, ttl: float = CACHE_TTL_SECONDS, use_cache: bool = True
) -> dict[str, RegionAnswer]:
    """Ask every region at once; one region failing does not sink the others."""
    regions = sorted(set(regions))
    endpoint = arm.transport.base_url

    def ask(region: str) -> RegionAnswer:
        path = _cache_file(endpoint, arm.subscription_id, region)
        if use_cache and (cached := _read_cache(path, ttl)) is not None:
            return RegionAnswer(region, cached, cached=True)
        try:
            offers = tuple(arm.fine_tunable_models(region))
        except FtopsError as exc:
            return RegionAnswer(region, error=exc.message)
        if use_cache:
            _write_cache(path, offers)
        return RegionAnswer(region, offers)

    if not regions:
        return {}
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(regions))) as pool:
        return {answer.region: answer for answer in pool.map(ask, regions)}


def model_rows(catalog: Catalog, model: Model, method: str | None, vision: bool, answers: dict[str, RegionAnswer]):
    """Per region: what the catalog says, what ARM says, and whether they agree."""
    where = catalog.where(model, method, "vision" if vision else "text")
    rows = []
    for region, answer in sorted(answers.items()):
        types = [t for t in ("standard", "global") if region in where.regions_for(t)]
        live = None if answer.error else answer.offers_model(model)
        rows.append(
            {
                "region": region,
                "catalog": types,
                "live": live,
                "agrees": None if live is None else live == bool(types),
                "cached": answer.cached,
                "error": answer.error,
            }
        )
    return rows


def region_rows(catalog: Catalog, region: str, method: str | None, vision: bool, answer: RegionAnswer):
    """Per model in one region: catalog training types vs. what ARM reports."""
    modality = "vision" if vision else "text"
    by_catalog = {m.name: types for m, types in catalog.trainable_in(region, method=method, modality=modality)}
    names = {m.name for m in catalog.models if m.is_openai} | set(by_catalog)
    live_names: dict[str, FineTuneOffer] = {}
    for offer in answer.offers:
        try:
            known = catalog.model(offer.name)
        except FtopsError:
            live_names[offer.name] = offer  # ARM knows a model the catalog does not
            continue
        if (method is None or method in known.methods) and modality in known.modalities:
            live_names[known.name] = offer
    rows = []
    for name in sorted(names | set(live_names)):
        in_catalog = list(by_catalog.get(name, ()))
        live = None if answer.error else name in live_names
        if not in_catalog and not live:
            continue
        rows.append(
            {
                "model": name,
                "catalog": in_catalog,
                "live": live,
                "live_training_types": list(live_names[name].training_types) if name in live_names else [],
                "agrees": None if live is None else live == bool(in_catalog),
            }
        )
    return rows
