"""VM quota for managed compute: usage, limit and free vCPUs per region and VM family, and what a stack needs.

Azure Machine Learning counts dedicated vCPUs twice per region: per VM family, and in one regional total
("Total Cluster Dedicated Regional vCPUs"). Both limits are enforced, so both are read and compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ftops.azure.arm import ArmClient
from ftops.azure.sweep import MAX_WORKERS
from ftops.azure.sweep import sweep as sweep_regions
from ftops.catalog import load_catalog
from ftops.stack.schema import Environment

# The usage `type` of the regional total of dedicated cluster vCPUs (Microsoft's Usage_list example).
TOTAL_TYPE = "dedicatedCores/usages"
TOTAL = "total dedicated vCPUs"  # the key ftops files the regional total under
MAX_SWEEP_WORKERS = MAX_WORKERS  # concurrent region reads in --all-regions (ftops.azure.sweep bounds them)


@dataclass(frozen=True)
class FamilyQuota:
    """Usage and limit of one VM family (or the regional dedicated total) in one location, in vCPUs."""

    location: str
    family: str
    label: str
    used: int
    limit: int

    @property
    def free(self) -> int:
        return max(self.limit - self.used, 0)

    def to_dict(self) -> dict:
        return {
            "location": self.location,
            "family": self.family,
            "label": self.label,
            "used": self.used,
            "limit": self.limit,
            "free": self.free,
        }


@dataclass(frozen=True)
class Need:
    """vCPUs of one family a stack's managed compute needs in one region."""

    location: str
    family: str
    vm_size: str
    vcpus: int


def read_quota(arm: ArmClient, location: str) -> dict[str, FamilyQuota]:
    """Subscription-level usage and limit per VM family in a location, plus the regional total under TOTAL.

    Workspace-level entries (workspace quotas carved out of the subscription's) are skipped: they would
    shadow the subscription's numbers, which are the ones Microsoft.Quota raises.
    """
    found: dict[str, FamilyQuota] = {}
    for usage in arm.ml_usages(location):
        kind = usage.type or ""
        value = usage.key
        if not value or "/workspaces/" in kind:
            continue
        key = TOTAL if kind.endswith(TOTAL_TYPE) else value
        if key != TOTAL and not kind.endswith("vmFamily/usages") and kind:
            continue  # other totals (clusters, low priority) are not vCPUs of a dedicated family
        found[key] = FamilyQuota(
            location,
            key,
            (usage.name.localized_value if usage.name else None) or value,
            int(usage.current_value or 0),
            int(usage.limit or 0),
        )
    return found


def family_quota(quotas: dict[str, FamilyQuota], family: str) -> FamilyQuota | None:
    """One family's quota, matched case-insensitively (Azure's casing of family names varies)."""
    return next((q for key, q in quotas.items() if key != TOTAL and key.lower() == family.lower()), None)


def sweep(arm: ArmClient, locations: Iterable[str]) -> dict[str, dict[str, FamilyQuota] | str]:
    """Quota of many regions at once; a region that fails reads as its error message."""
    results = sweep_regions(lambda location: read_quota(arm, location), sorted(set(locations)))
    return {r.region: r.value if r.error is None else r.error for r in results}  # type: ignore[misc]


def stack_needs(environment: Environment) -> list[Need]:
    """What the stack's managed compute needs: training plus inference vCPUs of its VM size's family."""
    compute = environment.managed_compute
    if compute is None:
        return []
    size = load_catalog().vm_size(compute.vm_size)
    location = compute.location or environment.hub_location or environment.location
    return [Need(location, size.family, size.name, compute.training_vcpus + compute.inference_vcpus)]


def compare(need: Need, quotas: dict[str, FamilyQuota] | None) -> dict:
    """One row: wanted against free, what `pulumi up` will request, and whether it can fix a shortfall.

    `blocking` is true when `pulumi up` cannot get there by itself: the region does not list the family,
    or the regional total of dedicated vCPUs is short (ftops raises family limits, not the total).
    """
    quota = family_quota(quotas or {}, need.family)
    total = (quotas or {}).get(TOTAL)
    used = quota.used if quota else 0
    limit = quota.limit if quota else 0
    short = max(need.vcpus - max(limit - used, 0), 0)
    total_short = max(need.vcpus - total.free, 0) if total else 0
    if quota is None:
        status = f"{need.location} lists no {need.family} quota: pick another region or VM size"
    elif total is not None and total_short:
        status = (
            f"regional total of dedicated vCPUs is short by {total_short} (limit {total.limit}, used "
            f"{total.used}): ask for a limit of {total.used + need.vcpus} by hand"
        )
    elif short:
        status = f"short by {short}: pulumi up requests a limit of {used + need.vcpus}"
    else:
        status = "ok"
    return {
        "location": need.location,
        "family": need.family,
        "vm_size": need.vm_size,
        "wanted": need.vcpus,
        "used": used,
        "limit": limit,
        "free": max(limit - used, 0),
        "short": short,
        "total_free": total.free if total else None,
        "blocking": quota is None or total_short > 0,
        "status": status,
    }
