"""VM quota as code: a dynamic resource that makes sure a VM family has enough vCPUs in a region.

On create/update it reads usage and limit (Machine Learning usages per location) and, if the limit is
short, requests a new limit through Microsoft.Quota and follows the request to its end. It changes only
when the wanted vCPUs change, and deleting it leaves Azure's quota alone (quota is not a resource to tear
down: other workloads may rely on it).

The engine runs this provider in a process of its own (see docs/managed-compute.md): its ARM calls take
the same credentials as azure-native (the stack's `azure-native:*` config, else the ARM_* environment,
else the Azure CLI login), and go to an emulator only when `ftops:azureEmulator` says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ftops.azure.arm import ArmClient
from ftops.azure.auth import EMULATOR_TOKEN, StaticTokenCredential, TokenCredential
from ftops.azure.models import OperationStatus, Outcome, Usage, outcome_of, parse
from ftops.azure.names import LOCATION, QUOTA_RESOURCE, segment
from ftops.azure.sanitize import clean_text
from ftops.azure.settings import ML_API_VERSION, QUOTA_API_VERSION, AzureSettings
from ftops.azure.transport import parse_retry_after, reply_json
from ftops.capacity.vm_quota import TOTAL, family_quota, read_quota
from ftops.errors import AzureFailureError, AzureRefusedError, FtopsError, UsageError, UserError

ArmFactory = Callable[[str], ArmClient]
POLL_SECONDS = 10.0  # between status reads when Azure sends no Retry-After
TIMEOUT_SECONDS = 30 * 60.0  # auto-approval takes minutes; past this, the request is someone else's to follow
QUOTA_PAGE = "https://ml.azure.com/quota"
# The stack config key that sends VmQuota's ARM calls to an emulator (tests, demos). An environment
# variable left over from a demo must never redirect a real `pulumi up`, so only config counts.
EMULATOR_CONFIG = "ftops:azureEmulator"
# azure-native's provider settings (pulumi_azure_native.config) that decide how it signs in.
AZURE_NATIVE_KEYS = (
    "clientId",
    "clientSecret",
    "tenantId",
    "clientCertificatePath",
    "clientCertificatePassword",
    "useOidc",
    "oidcToken",
    "oidcTokenFilePath",
    "oidcRequestToken",
    "oidcRequestUrl",
    "useMsi",
    "useDefaultAzureCredential",
    "environment",
)
# The ARM_* variables azure-native reads for the same settings.
ARM_ENV = {
    "clientId": "ARM_CLIENT_ID",
    "clientSecret": "ARM_CLIENT_SECRET",
    "tenantId": "ARM_TENANT_ID",
    "clientCertificatePath": "ARM_CLIENT_CERTIFICATE_PATH",
    "clientCertificatePassword": "ARM_CLIENT_CERTIFICATE_PASSWORD",
    "useOidc": "ARM_USE_OIDC",
    "oidcToken": "ARM_OIDC_TOKEN",
    "oidcTokenFilePath": "ARM_OIDC_TOKEN_FILE_PATH",
    "oidcRequestToken": "ARM_OIDC_REQUEST_TOKEN",
    "oidcRequestUrl": "ARM_OIDC_REQUEST_URL",
    "useMsi": "ARM_USE_MSI",
    "useDefaultAzureCredential": "ARM_USE_DEFAULT_AZURE_CREDENTIAL",
    "environment": "ARM_ENVIRONMENT",
}
# GitHub Actions' names for the OIDC request token and URL, which azure-native also accepts.
GITHUB_OIDC = {"oidcRequestToken": "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "oidcRequestUrl": "ACTIONS_ID_TOKEN_REQUEST_URL"}


def azure_native_setting(key: str, config: Mapping[str, str], environ: Mapping[str, str]) -> str | None:
    """One azure-native setting: stack config first, then its ARM_* variable (as the provider reads them)."""
    value = config.get(f"azure-native:{key}") or environ.get(ARM_ENV[key]) or environ.get(GITHUB_OIDC.get(key, ""))
    return value or None


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def credential(config: Mapping[str, str], environ: Mapping[str, str]) -> TokenCredential:
    """The credential azure-native would use: service principal (secret, certificate or OIDC), managed
    identity, DefaultAzureCredential when asked for, else the Azure CLI login."""
    from azure import identity

    def get(key: str) -> str | None:
        return azure_native_setting(key, config, environ)

    client_id, tenant_id = get("clientId"), get("tenantId")
    if _true(get("useOidc")) and client_id and tenant_id:
        token, token_file = get("oidcToken"), get("oidcTokenFilePath")
        request_token, request_url = get("oidcRequestToken"), get("oidcRequestUrl")

        def assertion() -> str:  # a fresh federated token each time azure-identity asks
            if token:
                return token
            if token_file:
                with open(token_file, encoding="utf-8") as handle:
                    return handle.read().strip()
            if request_token and request_url:
                import httpx

                separator = "&" if "?" in request_url else "?"
                reply = httpx.get(
                    f"{request_url}{separator}audience=api://AzureADTokenExchange",
                    headers={"Authorization": f"Bearer {request_token}"},
                    timeout=30.0,
                )
                reply.raise_for_status()
                return str(reply.json()["value"])
            raise UserError(
                "OIDC sign-in is on but no token is given",
                hint="set azure-native:oidcToken, oidcTokenFilePath, or oidcRequestToken and oidcRequestUrl "
                "(or their ARM_* variables)",
            )

        return identity.ClientAssertionCredential(tenant_id, client_id, assertion)
    if client_id and tenant_id and (secret := get("clientSecret")):
        return identity.ClientSecretCredential(tenant_id, client_id, secret)
    if client_id and tenant_id and (certificate := get("clientCertificatePath")):
        return identity.CertificateCredential(
            tenant_id, client_id, certificate, password=get("clientCertificatePassword")
        )
    if _true(get("useMsi")):
        return identity.ManagedIdentityCredential(client_id=client_id)
    if _true(get("useDefaultAzureCredential")):
        return identity.DefaultAzureCredential(exclude_interactive_browser_credential=True)
    return identity.AzureCliCredential(tenant_id=tenant_id or "")  # "" lets the CLI pick its own tenant


def arm_client(subscription_id: str, config: Mapping[str, str], environ: Mapping[str, str]) -> ArmClient:
    """ARM as azure-native reaches it: the public cloud with its credentials, or the configured emulator."""
    emulator = (config.get(EMULATOR_CONFIG) or "").rstrip("/")
    if emulator:
        return ArmClient(
            subscription_id, StaticTokenCredential(EMULATOR_TOKEN), settings=AzureSettings(emulator=emulator)
        )
    cloud = (azure_native_setting("environment", config, environ) or "public").lower()
    if cloud not in ("public", "azurecloud"):
        raise UsageError(
            f"VmQuota supports the public Azure cloud only, not {cloud!r}",
            hint="remove managed_compute from the stack, or set the VM quota by hand in that cloud",
        )
    return ArmClient(subscription_id, credential(config, environ), settings=AzureSettings(emulator=None))


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
    workspace: str | None = None,
    poll_seconds: float = POLL_SECONDS,
    timeout: float = TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Make the family's limit cover what others use plus `wanted`; return what was found and done.

    `workspace` is the stack's hub: what it uses now is part of `wanted`, so it is not counted as used.
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
    own = min(workspace_usage(arm, location, quota.family, workspace), quota.used)
    used, limit, needed = quota.used, quota.limit, quota.used - own + wanted
    state = f"limit {limit}, used {used}, wanted {wanted} more (new limit {needed})"
    if own:
        state = f"limit {limit}, used {used} ({own} by this stack's hub), wanted {wanted} (new limit {needed})"
    total = quotas.get(TOTAL)
    if total is not None and total.used - own + wanted > total.limit:
        # Raising the family alone would not help; say so before asking Azure for anything.
        raise AzureRefusedError(
            f"the regional total of dedicated vCPUs in {location} is too small for {wanted} more {family} "
            f"vCPUs: total limit {total.limit}, used {total.used}; family {state}",
            hint=_by_hand("Total Cluster Dedicated Regional vCPUs", location, total.used - own + wanted, None),
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


SUCCEEDED = ("succeeded", "success")  # Microsoft's request history spells it both ways


@dataclass(frozen=True)
class _Reading:
    """One read of a quota request's monitor: its state, error, and the server's Retry-After."""

    status: str
    retry_after: float | None
    code: str | None = None
    reason: str | None = None


def _outcome(reading: _Reading) -> Outcome | None:
    return Outcome.SUCCEEDED if reading.status.lower() in SUCCEEDED else outcome_of(reading.status)


def _read_monitor(response: httpx.Response, what: str) -> _Reading:
    """A monitor reply as a typed reading; a body that is not JSON or not an operation status is an
    AzureFailureError (exit 4) naming the problem, never a KeyError deep in a `pulumi up`."""
    body = reply_json(response, what=what)
    found = parse(OperationStatus, {} if body is None else body, what=what)
    # 202: still running (Location semantics), whatever the body; 200 without a state: done.
    if response.status_code == 202:
        state = "InProgress"
    else:
        own = found.properties.provisioning_state if found.properties else None
        state = own or found.status or "Succeeded"
    error = found.error_detail
    return _Reading(
        clean_text(state, 40),
        parse_retry_after(response.headers),
        clean_text(error.code, 100) if error.code else None,
        clean_text(found.reason),
    )


def _request(
    arm: ArmClient, location: str, family: str, needed: int, state: str, poll_seconds: float, timeout: float
) -> str | None:
    """PUT the new limit, then follow Azure's answer to its end on ftops' one poller (`wait_until`).

    Microsoft.Quota answers 202 with Retry-After and a `location` to operationsStatus/{id}, or 200
    with a `location` to quotaRequests/{id}; either monitor is read until it reports an end state,
    waiting Retry-After (else `poll_seconds`, capped once in ftops.azure.poll) between reads. A 200
    without a monitor is done.
    """
    from ftops.azure.poll import PollTimeoutError, wait_until

    where = f"VM quota for {family} in {location}"
    path = f"/{arm.quota.scope(location)}/providers/Microsoft.Quota/quotas/{segment(family, QUOTA_RESOURCE)}"
    body = {
        "properties": {
            "limit": {"limitObjectType": "LimitValue", "value": needed},
            "name": {"value": family},
            "resourceType": "dedicated",  # VM family vCPUs, as Microsoft.Quota lists ML families
        }
    }
    try:
        response = arm.transport.request("PUT", path, params={"api-version": QUOTA_API_VERSION}, json=body)
    except AzureRefusedError as exc:
        if isinstance(exc, AzureFailureError):
            raise
        raise AzureRefusedError(
            f"{where}: Azure refused the request for a new limit: {state}: {exc.message}",
            hint=_by_hand(family, location, needed, None),
            status=exc.status,
            code=exc.code,
            request_id=exc.request_id,
        ) from None
    monitor = response.headers.get("azure-asyncoperation") or response.headers.get("location")
    if not monitor:
        return None  # 200 and nothing to follow: the new limit is in place
    request_id = clean_text(monitor.split("?")[0].rstrip("/").rsplit("/", 1)[-1], 100)
    link, last = [monitor], [_Reading("Accepted", None)]
    # A 202's Retry-After is waited before the first read: its reply stands as the first reading.
    first = parse_retry_after(response.headers) if response.status_code == 202 else None
    pending = [_Reading("Accepted", first)] if first else []

    def fetch() -> _Reading:
        if pending:
            return pending.pop()
        try:
            reply = arm.transport.request("GET", link[0])  # the transport rides out 429s and 5xx
        except AzureRefusedError as exc:
            if isinstance(exc, AzureFailureError):
                raise
            return _refused(arm, location, request_id, exc)
        if reply.status_code == 202 and (moved := reply.headers.get("location")):
            link[0] = moved
        last[0] = _read_monitor(reply, where)
        return last[0]

    try:
        done = wait_until(
            fetch,
            _outcome,
            what=f"{where}: request {request_id}",
            interval=poll_seconds,
            timeout=timeout,
            state=lambda reading: reading.status,
            retry_after=lambda reading: reading.retry_after,
            sleep=arm.sleep,
        )
    except PollTimeoutError:
        raise AzureFailureError(
            f"{where}: request {request_id} is still {last[0].status} after {timeout:.0f}s: {state}",
            hint="follow it in Azure portal > Quotas > Request history, then run `pulumi up` again; "
            + _by_hand(family, location, needed, request_id),
            request_id=request_id,
        ) from None
    if done.outcome is Outcome.SUCCEEDED:
        return request_id
    reading = done.value
    raise AzureRefusedError(
        f"{where} was not raised automatically: {state}; request {request_id} ended {reading.status}: "
        f"{reading.reason or 'no reason given'}",
        hint=_by_hand(family, location, needed, request_id),
        code=reading.code or f"QuotaRequest{reading.status}",
        request_id=request_id,
    )


def _refused(arm: ArmClient, location: str, request_id: str, exc: AzureRefusedError) -> _Reading:
    """operationsStatus answers a refusal with an error status: the request's own record says why, as
    Microsoft's docs point to (Quota Request Status); a record that cannot be read leaves Azure's error."""
    reading = _Reading("Failed", None, exc.code or "QuotaRequestFailed", exc.message)
    try:
        record = parse(OperationStatus, arm.quota.request_status(location, request_id), what="quota request")
    except FtopsError:
        return reading
    own = record.properties.provisioning_state if record.properties else None
    error = record.error_detail
    return _Reading(
        clean_text(own or "Failed", 40),
        None,
        clean_text(error.code, 100) if error.code else reading.code,
        clean_text(record.reason) if record.reason != "no reason given" else reading.reason,
    )


def _readable(exc: FtopsError) -> FtopsError:
    """`pulumi up` prints str(exc): put the hint in it, since the CLI's renderer is not there to show it."""
    if exc.hint:
        exc.args = (f"{exc.message}\n  how to fix: {exc.hint}",)
    return exc


def workspace_usage(arm: ArmClient, location: str, family: str, workspace: str | None) -> int:
    """vCPUs of `family` the stack's own hub uses now (its workspace-level usage row), 0 if none.

    The subscription's usage already counts them; the stack's wanted vCPUs count them again, so they
    are taken out of "used" before the new limit is worked out (else every update asks for them twice).
    """
    if not workspace:
        return 0
    path = f"{arm.sub}/providers/Microsoft.MachineLearningServices/locations/{segment(location, LOCATION)}/usages"
    marker = f"/workspaces/{workspace}/".lower()
    total = 0
    for item in arm.transport.paged(path, params={"api-version": ML_API_VERSION}):
        usage = parse(Usage, item, what=f"Machine Learning usages in {location}")
        kind, value = usage.type or "", usage.key or ""
        if "/workspaces/" in kind and marker in str(usage.get("id") or "").lower() and value.lower() == family.lower():
            total += int(usage.current_value or 0)
    return total


class VmQuotaProvider(ResourceProvider):
    """Dynamic provider for VmQuota.

    The engine starts it in its own process (`python -m pulumi.dynamic`), unpickles it, and calls
    `configure` with the whole stack config: its ARM calls use azure-native's credentials from there
    (or the ARM_* environment), never a leftover FTOPS_AZURE_EMULATOR. `arm_factory` is for tests.
    """

    def __init__(self, arm_factory: ArmFactory | None = None) -> None:
        self._arm_factory = arm_factory
        self._config: dict[str, str] = {}

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the azure-native settings (and ftops:azureEmulator) the engine passes."""
        found: dict[str, str] = {}
        for key in (*(f"azure-native:{k}" for k in AZURE_NATIVE_KEYS), EMULATOR_CONFIG):
            value = req.config.get(key)
            if value not in (None, ""):
                found[key] = str(value)
        self._config = found

    def arm(self, subscription_id: str) -> ArmClient:
        """The ARM client for one subscription: injected, the configured emulator, or Azure."""
        if self._arm_factory is not None:
            return self._arm_factory(subscription_id)
        return arm_client(subscription_id, self._config, dict(os.environ))

    def _ensure(self, props: dict[str, Any]) -> dict[str, Any]:
        try:
            with self.arm(props["subscription_id"]) as arm:
                found = ensure_quota(
                    arm, props["location"], props["family"], int(props["vcpus"]), workspace=props.get("workspace")
                )
        except FtopsError as exc:
            raise _readable(exc) from None
        return {**props, **{k: v for k, v in found.items() if k not in ("location", "family", "vcpus")}}

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        vcpus = news.get("vcpus")
        if not isinstance(vcpus, int | float) or int(vcpus) < 0:
            failures.append(CheckFailure("vcpus", f"vcpus must be a whole number >= 0, not {vcpus!r}"))
        for key in ("subscription_id", "location", "family"):
            if news.get(key) in (None, ""):
                failures.append(CheckFailure(key, f"{key} is required"))
        return CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = self._ensure(props)
        return CreateResult(f"{props['subscription_id']}/{props['location']}/{props['family']}", outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Replace when the quota's identity moves; update only when the wanted vCPUs change."""
        replaces = [k for k in ("subscription_id", "location", "family") if olds.get(k) != news.get(k)]
        changes = replaces or (["vcpus"] if int(olds.get("vcpus", -1)) != int(news["vcpus"]) else [])
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """The hub's own usage is read from Azure, not from the old state, so it is never counted twice."""
        return UpdateResult(self._ensure(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """`pulumi refresh`: the family's limit and usage as Azure has them now; the inputs stay."""
        try:
            with self.arm(props["subscription_id"]) as arm:
                quota = family_quota(read_quota(arm, props["location"]), props["family"])
        except FtopsError as exc:
            raise _readable(exc) from None
        if quota is None:
            return ReadResult(id_, props)  # the region stopped listing the family: keep what is known
        return ReadResult(id_, {**props, "limit": quota.limit, "used": quota.used})

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
    workspace: pulumi.Input[str] | None = None  # the hub whose own usage is not counted twice


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
                "workspace": args.workspace,
                "limit": None,
                "used": None,
                "requested": None,
                "request_id": None,
            },
            opts,
        )
