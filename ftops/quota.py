"""VM quota for managed compute: usage, limit and free vCPUs per region and VM family, and what a stack needs."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ftops.azure.arm import ArmClient
from ftops.catalog import load_catalog
from ftops.config import Environment
from ftops.errors import FtopsError


@dataclass(frozen=True)
class FamilyQuota:
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
    """Machine Learning usage and limit per VM family in a location (vCPUs)."""
    found = {}
    for usage in arm.ml_usages(location):
        name = usage.get("name") or {}
        family = name.get("value")
        if family:
            found[family] = FamilyQuota(
                location,
                family,
                name.get("localizedValue") or family,
                int(usage.get("currentValue") or 0),
                int(usage.get("limit") or 0),
            )
    return found


def sweep(arm: ArmClient, locations: Iterable[str]) -> dict[str, dict[str, FamilyQuota] | str]:
    """Quota of many regions at once; a region that fails reads as its error message."""
    locations = sorted(set(locations))

    def read(location: str) -> tuple[str, dict[str, FamilyQuota] | str]:
        try:
            return location, read_quota(arm, location)
        except FtopsError as exc:
            return location, exc.message

    if not locations:
        return {}
    with ThreadPoolExecutor(max_workers=min(16, len(locations))) as pool:
        return dict(pool.map(read, locations))


def stack_needs(environment: Environment) -> list[Need]:
    """What the stack's managed compute needs: training plus inference vCPUs of its VM size's family."""
    compute = environment.managed_compute
    if compute is None:
        return []
    size = load_catalog().vm_size(compute.vm_size)
    location = compute.location or environment.hub_location or environment.location
    return [Need(location, size.family, size.name, compute.training_vcpus + compute.inference_vcpus)]


def compare(need: Need, quota: FamilyQuota | None) -> dict:
    """One row: wanted against free, and what `pulumi up` will have to request."""
    used = quota.used if quota else 0
    limit = quota.limit if quota else 0
    short = max(need.vcpus - max(limit - used, 0), 0)
    return {
        "location": need.location,
        "family": need.family,
        "vm_size": need.vm_size,
        "wanted": need.vcpus,
        "used": used,
        "limit": limit,
        "free": max(limit - used, 0),
        "short": short,
        "status": "ok" if short == 0 else f"short by {short}: pulumi up requests a limit of {used + need.vcpus}",
    }
