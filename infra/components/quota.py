"""VM quota as code: a dynamic resource that makes sure a VM family has enough vCPUs in a region.

On create/update it reads usage and limit (Machine Learning usages per location) and, if the limit is
short, requests a new limit through Microsoft.Quota and follows the request to its end. It changes only
when the wanted vCPUs change, and deleting it leaves Azure's quota alone (quota is not a resource to tear
down: other workloads may rely on it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from ftops.azure.arm import ArmClient
from ftops.errors import AzureRefusedError, FtopsError

ArmFactory = Callable[[str], ArmClient]


def ensure_quota(arm: ArmClient, location: str, family: str, wanted: int) -> dict[str, Any]:
    """Make the family's limit cover current usage plus `wanted`; return what was found and done."""
    usages = {(u.get("name") or {}).get("value"): u for u in arm.ml_usages(location)}
    usage = usages.get(family)
    if usage is None:
        raise FtopsError(
            f"Azure Machine Learning reports no VM family {family} in {location}",
            hint=f"check the VM size's family and that {location} offers it (`ftops quota --region {location}`)",
        )
    used, limit = int(usage.get("currentValue") or 0), int(usage.get("limit") or 0)
    needed = used + wanted
    outcome = {
        "location": location,
        "family": family,
        "vcpus": wanted,
        "used": used,
        "limit": limit,
        "requested": None,
        "request_id": None,
    }
    if limit >= needed:
        return outcome
    poller = arm.quota.begin_request(location, family, needed)
    request_id = (poller.monitor_url or "").split("?")[0].rsplit("/", 1)[-1] or None
    try:
        poller.result(poll_seconds=10)
    except AzureRefusedError as exc:
        raise AzureRefusedError(
            f"VM quota for {family} in {location} was not raised automatically: limit {limit}, used {used}, "
            f"wanted {wanted} more (new limit {needed}); request {request_id}: {exc.message}",
            hint="ask for it by hand: Azure portal > Quotas > Machine learning > "
            f"{family} in {location} > New quota request (limit {needed}), then run `pulumi up` again",
            code=exc.code,
        ) from None
    return {**outcome, "limit": needed, "requested": needed, "request_id": request_id}


def _default_arm(subscription_id: str) -> ArmClient:
    return ArmClient(subscription_id)


class VmQuotaProvider(ResourceProvider):
    """Dynamic provider for VmQuota; `arm_factory` is swapped in tests to reach the emulator."""

    def __init__(self, arm_factory: ArmFactory | None = None) -> None:
        self._arm_factory = arm_factory or _default_arm

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        with self._arm_factory(props["subscription_id"]) as arm:
            found = ensure_quota(arm, props["location"], props["family"], int(props["vcpus"]))
        return {**props, **{k: v for k, v in found.items() if k not in props}}

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = self._ensure(props)
        return CreateResult(f"{props['subscription_id']}/{props['location']}/{props['family']}", outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in ("subscription_id", "location", "family") if olds.get(k) != news.get(k)]
        changes = replaces or (["vcpus"] if int(olds.get("vcpus", -1)) != int(news["vcpus"]) else [])
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._ensure(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        pulumi.log.info(
            f"VM quota for {props.get('family')} in {props.get('location')} is left as it is: quota is shared "
            "by the subscription, so deleting the stack does not lower it"
        )


@dataclass(frozen=True)
class VmQuotaArgs:
    subscription_id: pulumi.Input[str]
    location: str
    family: str
    vcpus: int


class VmQuota(pulumi.dynamic.Resource):
    """Enough vCPUs of a VM family in a region for the stack's managed compute."""

    limit: pulumi.Output[int]
    request_id: pulumi.Output[str | None]

    def __init__(self, name: str, args: VmQuotaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(
            VmQuotaProvider(),
            name,
            {
                "subscription_id": args.subscription_id,
                "location": args.location,
                "family": args.family,
                "vcpus": args.vcpus,
                "limit": None,
                "used": None,
                "requested": None,
                "request_id": None,
            },
            opts,
        )
