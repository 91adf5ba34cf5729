"""VM quota as code: a dynamic resource that makes sure a VM family has enough vCPUs in a region.

On create/update it reads usage and limit (Machine Learning usages per location) and, if the limit is
short, requests a new limit through Microsoft.Quota and follows the request to its end. It changes only
when the wanted vCPUs change, and deleting it leaves Azure's quota alone (quota is not a resource to tear
down: other workloads may rely on it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from ftops.azure.arm import ArmClient
from ftops.azure.transport import parse_retry_after
from ftops.capacity.vm_quota import TOTAL, family_quota, read_quota
from ftops.errors import AzureFailureError, AzureRefusedError, FtopsError, UserError

ArmFactory = Callable[[str], ArmClient]
POLL_SECONDS = 10.0  # between status reads when Azure sends no Retry-After
TIMEOUT_SECONDS = 30 * 60.0  # auto-approval takes minutes; past this, the request is someone else's to follow
QUOTA_PAGE = "https://ml.azure.com/quota"


def _by_hand(family: str, location: str, limit: int, request_id: str | None) -> str:
    ref = f" (mention request {request_id})" if request_id else ""
    return (
        f"ask for it by hand: Azure Machine Learning studio > Quota ({QUOTA_PAGE}) or Azure portal > Quotas > "
        f"Machine learning; select {family} in {location} and request a new limit of {limit} vCPUs{ref}; "
        "once approved, run `pulumi up` again"
    )


def ensure_quota(
    arm: ArmClient,
    location: str,
    family: str,
    wanted: int,
    *,
    poll_seconds: float = POLL_SECONDS,
    timeout: float = TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Make the family's limit cover current usage plus `wanted`; return what was found and done.

    Raises AzureRefusedError (escalated, failed, invalid or refused request; regional total too small)
    and AzureFailureError (still pending after `timeout`), each naming family, region, limit, usage,
    wanted vCPUs, the request id and how to ask by hand.
    """
    quotas = read_quota(arm, location)
    quota = family_quota(quotas, family)
    if quota is None:
        raise UserError(
            f"Azure Machine Learning lists no VM family {family} in {location}",
            hint=f"pick a VM size this region offers (`ftops quota --region {location}` lists its families)",
        )
    used, limit, needed = quota.used, quota.limit, quota.used + wanted
    state = f"limit {limit}, used {used}, wanted {wanted} more (new limit {needed})"
    total = quotas.get(TOTAL)
    if total is not None and total.used + wanted > total.limit:
        # Raising the family alone would not help; say so before asking Azure for anything.
        raise AzureRefusedError(
            f"the regional total of dedicated vCPUs in {location} is too small for {wanted} more {family} "
            f"vCPUs: total limit {total.limit}, used {total.used}; family {state}",
            hint=_by_hand("Total Cluster Dedicated Regional vCPUs", location, total.used + wanted, None),
            code="RegionalQuotaTooSmall",
        )
    outcome = {
        "location": location,
        "family": quota.family,
        "vcpus": wanted,
        "used": used,
        "limit": limit,
        "requested": None,
        "request_id": None,
    }
    if limit >= needed:
        return outcome
    request_id = _request(arm, location, quota.family, needed, state, poll_seconds, timeout)
    return {**outcome, "limit": needed, "requested": needed, "request_id": request_id}


def _request(
    arm: ArmClient, location: str, family: str, needed: int, state: str, poll_seconds: float, timeout: float
) -> str | None:
    """PUT the new limit, then read the request's status (its Location) until it ends."""
    where = f"VM quota for {family} in {location}"
    try:
        poller = arm.quota.begin_request(location, family, needed)
    except AzureRefusedError as exc:
        raise AzureRefusedError(
            f"{where}: Azure refused the request for a new limit: {state}: {exc.message}",
            hint=_by_hand(family, location, needed, None),
            status=exc.status,
            code=exc.code,
            request_id=exc.request_id,
        ) from None
    monitor = poller.monitor_url
    if poller.done() or not monitor:
        return None  # 200: the new limit is in place already
    request_id = monitor.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    deadline = time.monotonic() + timeout
    status = "Accepted"
    while True:
        response = arm.transport.request("GET", monitor)  # the transport rides out 429s and 5xx
        body = response.json() if response.content else {}
        props = body.get("properties") or {}
        status = str(props.get("provisioningState") or body.get("status") or "InProgress")
        if status.lower() == "succeeded":
            return request_id
        if status.lower() in ("failed", "invalid", "canceled", "cancelled"):
            error = props.get("error") or body.get("error") or {}
            reason = error.get("message") or props.get("message") or "no reason given"
            raise AzureRefusedError(
                f"{where} was not raised automatically: {state}; request {request_id} ended {status}: {reason}",
                hint=_by_hand(family, location, needed, request_id),
                code=error.get("code") or f"QuotaRequest{status}",
                request_id=request_id,
            )
        wait = parse_retry_after(response.headers)
        wait = min(poll_seconds if wait is None else wait, 60.0)
        if time.monotonic() + wait > deadline:
            raise AzureFailureError(
                f"{where}: request {request_id} is still {status} after {timeout:.0f}s: {state}",
                hint="follow it in Azure portal > Quotas > Request history, then run `pulumi up` again; "
                + _by_hand(family, location, needed, request_id),
                request_id=request_id,
            )
        arm.sleep(wait)


def _default_arm(subscription_id: str) -> ArmClient:
    return ArmClient(subscription_id)


def _readable(exc: FtopsError) -> FtopsError:
    """`pulumi up` prints str(exc): put the hint in it, since the CLI's renderer is not there to show it."""
    if exc.hint:
        exc.args = (f"{exc.message}\n  how to fix: {exc.hint}",)
    return exc


class VmQuotaProvider(ResourceProvider):
    """Dynamic provider for VmQuota; `arm_factory` is swapped in tests to reach the emulator."""

    def __init__(self, arm_factory: ArmFactory | None = None) -> None:
        self._arm_factory = arm_factory or _default_arm

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        try:
            with self._arm_factory(props["subscription_id"]) as arm:
                found = ensure_quota(arm, props["location"], props["family"], int(props["vcpus"]))
        except FtopsError as exc:
            raise _readable(exc) from None
        return {**props, **{k: v for k, v in found.items() if k not in ("location", "family", "vcpus")}}

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = self._ensure(props)
        return CreateResult(f"{props['subscription_id']}/{props['location']}/{props['family']}", outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Replace when the quota's identity moves; update only when the wanted vCPUs change."""
        replaces = [k for k in ("subscription_id", "location", "family") if olds.get(k) != news.get(k)]
        changes = replaces or (["vcpus"] if int(olds.get("vcpus", -1)) != int(news["vcpus"]) else [])
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._ensure(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Leave the subscription's quota as it is, and say so."""
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
