"""Deployment-quota preflight: is there free TPM for what a stack or `ftops deploy` wants, and where else is?

A region offers a model with a deployment type when the catalog allows it and the region's usages list
has that quota (Azure lists no usage for a model/SKU it does not offer there), so suggestions are
regions and SKUs that have both availability and room.

The regions the wants are in are read first; other regions are read only when something is short and
suggestions are needed (a deploy that fits reads one region's usages, not every fine-tuning region's).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ftops.azure.arm import ArmClient
from ftops.azure.sweep import by_region, sweep
from ftops.capacity.usage import base_model_name, deployment_type, is_fine_tuned, skus_for, usage_names
from ftops.errors import AzureFailureError, AzureRefusedError, FtopsError, Problem

MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class Usage:
    location: str
    name: str
    used: int
    limit: int

    @property
    def free(self) -> int:
        return max(self.limit - self.used, 0)

    def to_dict(self) -> dict:
        return {"location": self.location, "name": self.name, "used": self.used, "limit": self.limit, "free": self.free}


@dataclass(frozen=True)
class Want:
    """Capacity (thousands of TPM) one deployment needs in one location."""

    location: str
    model: str  # deployed model: a base model name or a fine-tuned model id
    sku: str
    capacity: int
    what: str  # where the want comes from, e.g. regions[0].deployments[1]
    base: str | None = None  # the base model, when the deployed id does not say it (fine-tuned checkpoints)

    @property
    def fine_tuned(self) -> bool:
        return is_fine_tuned(self.model) or (self.base is not None and self.base != self.model)

    @property
    def base_model(self) -> str:
        return self.base or base_model_name(self.model)


@dataclass
class Shortfall:
    location: str
    model: str  # base model
    sku: str
    fine_tuned: bool
    wanted: int
    free: int
    limit: int
    usage: str  # the quota name read (or expected, when the region has none)
    offered: bool  # the region lists this quota at all
    what: list[str] = field(default_factory=list)
    fits: list[str] = field(default_factory=list)

    def line(self) -> str:
        kind = " fine-tuned" if self.fine_tuned else ""
        text = f"{self.location}: {self.model}{kind} {self.sku} wants {self.wanted}K TPM, {self.free}K free "
        text += f"(limit {self.limit}K)" if self.offered else f"(no {self.usage} quota: not offered there)"
        return text + (f"; fits: {', '.join(self.fits)}" if self.fits else "; no region checked has room")

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def usages(arm: ArmClient, location: str) -> dict[str, Usage]:
    """Cognitive Services usages of one location, by usage name."""
    found = {}
    for entry in arm.cognitive_usages(location):
        if entry.key:
            found[entry.key] = Usage(location, entry.key, int(entry.current_value or 0), int(entry.limit or 0))
    return found


def deployment_usages(arm: ArmClient, location: str, *, in_use_only: bool = False) -> list[dict]:
    """Deployment (TPM) quota of a location as rows for display beside VM quota (`ftops quota`)."""
    rows = [u.to_dict() for u in usages(arm, location).values() if u.name.startswith("OpenAI.")]
    return sorted((r for r in rows if r["used"] > 0 or not in_use_only), key=lambda r: r["name"])


def usages_by_location(arm: ArmClient, locations: Iterable[str]) -> tuple[dict[str, dict[str, Usage]], dict[str, str]]:
    """Usages of several locations at once, and the error of each location that could not be read."""
    return by_region(sweep(lambda location: usages(arm, location), sorted(set(locations))))


def find_usage(table: dict[str, Usage], model: str, sku: str, *, fine_tuned: bool) -> Usage | None:
    """The quota a deployment draws on, under whichever spelling the region reports it."""
    return next((table[n] for n in usage_names(model, sku, fine_tuned=fine_tuned) if n in table), None)


def catalog_regions(model: str, *, fine_tuned: bool) -> tuple[str, ...]:
    """Regions the catalog allows: for a fine-tuned model, regions that can fine-tune its base model
    (Azure deploys a fine-tuned model only where fine-tuning is supported); otherwise every region
    ftops knows to serve fine-tuning."""
    from ftops.catalog import load_catalog

    catalog = load_catalog()
    if fine_tuned:
        try:
            return catalog.where(catalog.model(model)).all_regions
        except FtopsError:
            return ()
    return catalog.fine_tuning_regions()


def shortfalls(arm: ArmClient, wants: list[Want], preferred: Iterable[str] = ()) -> list[Shortfall]:
    """Every (location, model, SKU) whose summed wants exceed what is free, with places that would fit.

    Suggestions rank `preferred` locations (the stack's own regions) first, the same SKU before others,
    then most free. A location of a want whose usages cannot be read fails the preflight."""
    preferred = set(preferred) | {w.location for w in wants}
    grouped: dict[tuple[str, str, str, bool], list[Want]] = defaultdict(list)
    for want in wants:
        grouped[(want.location, want.base_model, deployment_type(want.sku).name, want.fine_tuned)].append(want)
    # The target regions first: on the happy path they are all the preflight reads.
    table, errors = usages_by_location(arm, {w.location for w in wants})
    if errors:
        unreadable = sorted(errors)
        raise AzureFailureError(
            f"could not read deployment quota (usages) of {', '.join(unreadable)}: {errors[unreadable[0]]}",
            hint="retry; the preflight needs each target region's usages",
        )
    short = {}
    for (location, model, sku, fine_tuned), group in grouped.items():
        wanted = sum(w.capacity for w in group)
        usage = find_usage(table[location], model, sku, fine_tuned=fine_tuned)
        if usage is None or wanted > usage.free:
            short[(location, model, sku, fine_tuned)] = (group, wanted, usage)
    if not short:
        return []
    # Something is short: read where else it could go, for the suggestions (a region failing here only
    # means it is not suggested).
    allowed = {(model, ft): catalog_regions(model, fine_tuned=ft) for _, model, _, ft in short}
    others = {r for regions in allowed.values() for r in regions}
    more, _ = usages_by_location(arm, others - set(table))
    table = {**table, **more}
    found = []
    for (location, model, sku, fine_tuned), (group, wanted, usage) in short.items():
        fits = suggest(
            table,
            model,
            sku,
            wanted,
            fine_tuned=fine_tuned,
            exclude=location,
            regions=set(allowed[(model, fine_tuned)]) | preferred,
            preferred=preferred,
        )
        found.append(
            Shortfall(
                location,
                model,
                sku,
                fine_tuned,
                wanted,
                usage.free if usage else 0,
                usage.limit if usage else 0,
                usage.name if usage else usage_names(model, sku, fine_tuned=fine_tuned)[0],
                usage is not None,
                [w.what for w in group],
                fits,
            )
        )
    return found


def suggest(
    table: dict[str, dict[str, Usage]],
    model: str,
    sku: str,
    wanted: int,
    *,
    fine_tuned: bool,
    exclude: str,
    regions: set[str],
    preferred: set[str],
) -> list[str]:
    """Regions and SKUs with availability and room for `wanted`: the same SKU elsewhere, other SKUs here."""
    options = []
    for location in sorted(regions & set(table)):
        for other_sku in skus_for(fine_tuned):
            if (location, other_sku) == (exclude, sku) or (other_sku != sku and location != exclude):
                continue
            usage = find_usage(table[location], model, other_sku, fine_tuned=fine_tuned)
            if usage is not None and usage.free >= wanted:
                rank = (location not in preferred, other_sku != sku, -usage.free, location)
                options.append((rank, f"{location} {other_sku} ({usage.free}K free)"))
    return [text for _, text in sorted(options)[:MAX_SUGGESTIONS]]


def refuse(found: list[Shortfall], *, what: str) -> AzureRefusedError:
    """The error for capacity shortfalls: one problem line per shortfall, numbers and where it would fit."""
    error = AzureRefusedError(
        f"{what}: not enough deployment quota (tokens per minute) for {len(found)} deployment group(s)",
        hint="lower the capacity, move the deployment to a region or SKU that fits (one line of the stack), "
        "or request more quota in the Azure portal; `ftops quota --region R` shows usage",
        code="InsufficientQuota",
    )
    error.with_problems([Problem(", ".join(s.what) or s.location, s.line()) for s in found])
    return error
