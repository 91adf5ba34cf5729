"""Deployment-quota preflight: is there free TPM for what a stack or `ftops deploy` wants, and where else is?"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ftops.azure.arm import ArmClient
from ftops.capacity.usage import SKUS, base_model_name, usage_name
from ftops.errors import AzureRefusedError, FtopsError, Problem


@dataclass(frozen=True)
class Usage:
    location: str
    name: str
    used: int
    limit: int

    @property
    def free(self) -> int:
        return max(self.limit - self.used, 0)


@dataclass(frozen=True)
class Want:
    location: str
    model: str  # deployed model (base or fine-tuned id)
    sku: str
    capacity: int
    what: str  # where the want comes from, e.g. regions[0].deployments[1]


@dataclass
class Shortfall:
    location: str
    model: str
    sku: str
    wanted: int
    free: int
    limit: int
    what: list[str] = field(default_factory=list)
    fits: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"{self.location}: {self.model} {self.sku} wants {self.wanted}K TPM, {self.free}K free "
            f"(limit {self.limit}K)"
        )
        return text + (f"; fits: {', '.join(self.fits)}" if self.fits else "; no region checked has room")

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def usages(arm: ArmClient, location: str) -> dict[str, Usage]:
    """Cognitive Services usages of one location, by usage name."""
    found = {}
    for entry in arm.cognitive_usages(location):
        name = (entry.get("name") or {}).get("value")
        if name:
            found[name] = Usage(location, name, int(entry.get("currentValue") or 0), int(entry.get("limit") or 0))
    return found


def usages_by_location(arm: ArmClient, locations: Iterable[str]) -> dict[str, dict[str, Usage]]:
    """Usages of several locations at once; a location that fails reads as empty."""
    locations = sorted(set(locations))

    def read(location: str) -> tuple[str, dict[str, Usage]]:
        try:
            return location, usages(arm, location)
        except FtopsError:
            return location, {}

    if not locations:
        return {}
    with ThreadPoolExecutor(max_workers=min(16, len(locations))) as pool:
        return dict(pool.map(read, locations))


def shortfalls(
    arm: ArmClient, wants: list[Want], candidates: Iterable[str] = (), preferred: Iterable[str] = ()
) -> list[Shortfall]:
    """Every (location, model, SKU) whose summed wants exceed what is free, with places that would fit.

    Suggestions rank `preferred` locations (the stack's own regions) first, then by free capacity."""
    preferred = set(preferred) | {w.location for w in wants}
    grouped: dict[tuple[str, str, str], list[Want]] = defaultdict(list)
    for want in wants:
        grouped[(want.location, base_model_name(want.model), want.sku)].append(want)
    table = usages_by_location(arm, {w.location for w in wants} | set(candidates))
    found = []
    for (location, model, sku), group in grouped.items():
        wanted = sum(w.capacity for w in group)
        usage = table.get(location, {}).get(usage_name(model, sku))
        free, limit = (usage.free, usage.limit) if usage else (0, 0)
        if wanted <= free:
            continue
        found.append(
            Shortfall(
                location,
                model,
                sku,
                wanted,
                free,
                limit,
                [w.what for w in group],
                suggest(table, model, sku, wanted, exclude=(location, sku), preferred=preferred),
            )
        )
    return found


def suggest(
    table: dict[str, dict[str, Usage]],
    model: str,
    sku: str,
    wanted: int,
    *,
    exclude: tuple[str, str],
    preferred: frozenset[str] | set[str] = frozenset(),
) -> list[str]:
    """Regions and SKUs with room for `wanted`, most free first: the same SKU elsewhere, other SKUs here."""
    options = []
    for location, found in table.items():
        for other_sku in SKUS:
            if (location, other_sku) == exclude:
                continue
            usage = found.get(usage_name(model, other_sku))
            if usage and usage.free >= wanted and (other_sku == sku or location == exclude[0]):
                rank = (location not in preferred, other_sku != sku, -usage.free, location)
                options.append((rank, f"{location} {other_sku} ({usage.free}K free)"))
    return [text for _, text in sorted(options)[:5]]


def refuse(found: list[Shortfall], *, what: str) -> AzureRefusedError:
    """The error for capacity shortfalls: one problem line per shortfall, numbers and where it would fit."""
    return AzureRefusedError(
        f"{what}: not enough deployment quota (tokens per minute) for {len(found)} deployment group(s)",
        hint="lower the capacity, move the deployment to a region or SKU that fits (one line of the stack), "
        "or request more quota in the Azure portal; `ftops quota --region R` shows usage",
        code="InsufficientQuota",
    ).with_problems([Problem(", ".join(s.what) or s.location, s.line()) for s in found])
