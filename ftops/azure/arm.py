"""Azure Resource Manager calls ftops needs: location models (fine-tune capability), usages,
Microsoft.Quota, and AI Services account deployments with long-running-operation polling.

Lists are iterators over `nextLink`; long-running calls return a `Poller`.

    arm = ArmClient(subscription_id)
    offers = arm.fine_tunable_models("swedencentral")
    poller = arm.deployments.begin_create(rg, account, "my-ft", model=ft_model, sku="Standard", capacity=1)
    deployment = poller.result(timeout=1800)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from ftops.azure.auth import TokenCredential, arm_auth
from ftops.azure.errors import AzureNotFoundError
from ftops.azure.names import (
    ACCOUNT,
    DEPLOYMENT,
    LOCATION,
    QUOTA_RESOURCE,
    RESOURCE_GROUP,
    SERVICE_ID,
    SUBSCRIPTION_ID,
    segment,
)
from ftops.azure.settings import (
    COGNITIVE_API_VERSION,
    ML_API_VERSION,
    QUOTA_API_VERSION,
    AzureSettings,
    load_settings,
)
from ftops.azure.transport import ClientBase, RetryPolicy, Transport, parse_retry_after
from ftops.errors import AzureFailureError, AzureRefusedError

CS_PROVIDER = "Microsoft.CognitiveServices"
ML_PROVIDER = "Microsoft.MachineLearningServices"
TERMINAL_OK = {"succeeded"}
TERMINAL_BAD = {"failed", "canceled", "cancelled"}


@dataclass(frozen=True)
class FineTuneOffer:
    """One model a location can fine-tune, as ARM reports it."""

    name: str
    version: str | None
    kind: str | None
    training_types: tuple[str, ...]  # keys of `finetuneCapabilities` that are "true" (may be empty)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "kind": self.kind,
            "training_types": list(self.training_types),
        }


def fine_tune_offers(models: list[dict]) -> list[FineTuneOffer]:
    """The fine-tunable entries of a location model list (`model.capabilities.fineTune == "true"`)."""
    offers = []
    for entry in models:
        model = entry.get("model") or {}
        capabilities = {str(k).lower(): str(v).lower() for k, v in (model.get("capabilities") or {}).items()}
        if capabilities.get("finetune") != "true":
            continue
        types = tuple(
            sorted(k for k, v in (model.get("finetuneCapabilities") or {}).items() if str(v).lower() == "true")
        )
        offers.append(FineTuneOffer(str(model.get("name")), model.get("version"), entry.get("kind"), types))
    return offers


class Poller:
    """Follows an ARM long-running operation (`Azure-AsyncOperation` or `Location`) to its end."""

    def __init__(
        self,
        transport: Transport,
        response: httpx.Response,
        *,
        final_url: str | None,
        sleep: Callable[[float], None],
        what: str,
    ) -> None:
        self._transport = transport
        self._sleep = sleep
        self._what = what
        self._final_url = final_url
        self._monitor = response.headers.get("azure-asyncoperation") or response.headers.get("location")
        self._delay = parse_retry_after(response.headers)
        self._result: Any = response.json() if response.content else None
        self._status = "InProgress" if self._monitor and response.status_code in (201, 202) else "Succeeded"

    def status(self) -> str:
        return self._status

    @property
    def monitor_url(self) -> str | None:
        """The operation's monitor URL (its last path segment is e.g. a quota request id)."""
        return self._monitor

    def done(self) -> bool:
        return self._status.lower() in TERMINAL_OK | TERMINAL_BAD

    def poll(self) -> str:
        """One status check; returns the status."""
        if self.done() or not self._monitor:
            return self._status
        response = self._transport.request("GET", self._monitor)
        self._delay = parse_retry_after(response.headers)
        body = response.json() if response.content else {}
        status = body.get("status") or (body.get("properties") or {}).get("provisioningState")
        if status is None:
            status = "Succeeded" if response.status_code == 200 else "InProgress"
        self._status = str(status)
        if self._status.lower() in TERMINAL_BAD:
            error = body.get("error") or (body.get("properties") or {}).get("error") or {}
            message = error.get("message") or (body.get("properties") or {}).get("message") or "no reason given"
            raise AzureRefusedError(
                f"{self._what} ended {self._status}: {message}", code=error.get("code"), hint=_lro_hint(error)
            )
        if self.done():
            self._result = self._transport.json("GET", self._final_url) if self._final_url else body
        return self._status

    def result(self, *, timeout: float = 1800.0, poll_seconds: float = 5.0) -> Any:
        """Wait until done and return the final resource."""
        deadline = time.monotonic() + timeout
        while not self.done():
            self.poll()
            if self.done():
                break
            wait = min(self._delay if self._delay is not None else poll_seconds, 60.0)
            if time.monotonic() + wait > deadline:
                raise AzureFailureError(f"{self._what} still {self._status} after {timeout:.0f}s")
            self._sleep(wait)
        return self._result


def _lro_hint(error: dict) -> str | None:
    code = str(error.get("code") or "").lower()
    if "escalat" in code or "quota" in code:
        return "open a support request for this quota in the Azure portal (Help + support > quota)"
    return None


class ArmClient(ClientBase):
    """ARM for one subscription. `credential` defaults to azure-identity (or the emulator's/CI's fixed token)."""

    def __init__(
        self,
        subscription_id: str,
        credential: TokenCredential | None = None,
        http_client: httpx.Client | None = None,
        *,
        settings: AzureSettings | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        settings = settings or load_settings()
        self.subscription_id = subscription_id
        self.sleep = sleep
        self.transport = Transport(
            base_url=settings.arm_endpoint,
            auth=arm_auth(settings, credential),
            http_client=http_client,
            policy=policy or RetryPolicy(),
            sleep=sleep,
        )
        self.deployments = Deployments(self)
        self.quota = Quota(self)

    @property
    def sub(self) -> str:
        return f"/subscriptions/{segment(self.subscription_id, SUBSCRIPTION_ID)}"

    # ---- Microsoft.CognitiveServices, per location ----
    def location_models(self, location: str) -> Iterator[dict]:
        """Every model a location offers (ARM `Model` objects), across pages."""
        path = f"{self.sub}/providers/{CS_PROVIDER}/locations/{segment(location, LOCATION)}/models"
        return self.transport.paged(path, params={"api-version": COGNITIVE_API_VERSION})

    def fine_tunable_models(self, location: str) -> list[FineTuneOffer]:
        """The models `location` can fine-tune, by the fine-tune capability."""
        return fine_tune_offers(list(self.location_models(location)))

    def cognitive_usages(self, location: str) -> list[dict]:
        """Cognitive Services usages (e.g. tokens-per-minute quota per model and SKU) in a location."""
        path = f"{self.sub}/providers/{CS_PROVIDER}/locations/{segment(location, LOCATION)}/usages"
        return list(self.transport.paged(path, params={"api-version": COGNITIVE_API_VERSION}))

    # ---- Microsoft.MachineLearningServices ----
    def ml_usages(self, location: str) -> list[dict]:
        """Machine Learning compute usage and limit per VM family (vCPUs) in a location."""
        path = f"{self.sub}/providers/{ML_PROVIDER}/locations/{segment(location, LOCATION)}/usages"
        return list(self.transport.paged(path, params={"api-version": ML_API_VERSION}))


class Deployments:
    """Model deployments on an AI Services account. Create them one after another per account."""

    def __init__(self, arm: ArmClient) -> None:
        self._arm = arm

    def _path(self, resource_group: str, account: str, name: str | None = None) -> str:
        group, account = segment(resource_group, RESOURCE_GROUP), segment(account, ACCOUNT)
        base = f"{self._arm.sub}/resourceGroups/{group}/providers/{CS_PROVIDER}/accounts/{account}/deployments"
        return f"{base}/{segment(name, DEPLOYMENT)}" if name is not None else base

    def get(self, resource_group: str, account: str, name: str) -> dict | None:
        """The deployment, or None if it does not exist."""
        try:
            return self._arm.transport.json(
                "GET", self._path(resource_group, account, name), params={"api-version": COGNITIVE_API_VERSION}
            )
        except AzureNotFoundError:
            return None

    def list(self, resource_group: str, account: str) -> list[dict]:
        path = self._path(resource_group, account)
        return list(self._arm.transport.paged(path, params={"api-version": COGNITIVE_API_VERSION}))

    def begin_create(
        self,
        resource_group: str,
        account: str,
        name: str,
        *,
        model: str,
        version: str = "1",
        model_format: str = "OpenAI",
        sku: str = "Standard",
        capacity: int = 1,
        source: str | None = None,
    ) -> Poller:
        """PUT the deployment; the poller ends when it serves (provisioningState Succeeded)."""
        path = self._path(resource_group, account, name)
        model_body: dict[str, Any] = {"format": model_format, "name": model, "version": version}
        if source:
            model_body["source"] = source
        body = {"sku": {"name": sku, "capacity": capacity}, "properties": {"model": model_body}}
        params = {"api-version": COGNITIVE_API_VERSION}
        response = self._arm.transport.request("PUT", path, params=params, json=body)
        final = self._arm.transport.url(path) + f"?api-version={COGNITIVE_API_VERSION}"
        return Poller(self._arm.transport, response, final_url=final, sleep=self._arm.sleep, what=f"deployment {name}")

    def delete(self, resource_group: str, account: str, name: str) -> bool:
        """Delete; True if something was deleted."""
        path = self._path(resource_group, account, name)
        response = self._arm.transport.request("DELETE", path, params={"api-version": COGNITIVE_API_VERSION})
        if response.status_code == 202:
            Poller(self._arm.transport, response, final_url=None, sleep=self._arm.sleep, what=f"delete {name}").result()
        return response.status_code != 204


class Quota:
    """Microsoft.Quota at the ML scope of a location (VM family vCPU limits)."""

    def __init__(self, arm: ArmClient) -> None:
        self._arm = arm

    def scope(self, location: str) -> str:
        return f"{self._arm.sub[1:]}/providers/{ML_PROVIDER}/locations/{segment(location, LOCATION)}"

    def get(self, location: str, resource_name: str) -> dict:
        """The quota (`properties.limit.value`) for a VM family, e.g. standardNCADSA100v4Family."""
        path = f"/{self.scope(location)}/providers/Microsoft.Quota/quotas/{segment(resource_name, QUOTA_RESOURCE)}"
        return self._arm.transport.json("GET", path, params={"api-version": QUOTA_API_VERSION})

    def limit(self, location: str, resource_name: str) -> int:
        return int(((self.get(location, resource_name).get("properties") or {}).get("limit") or {}).get("value", 0))

    def begin_request(self, location: str, resource_name: str, limit: int) -> Poller:
        """Ask for a new limit; the poller ends Succeeded, or raises if Azure needs a support request."""
        path = f"/{self.scope(location)}/providers/Microsoft.Quota/quotas/{segment(resource_name, QUOTA_RESOURCE)}"
        # resourceType "dedicated": VM family vCPUs, as Microsoft.Quota lists ML families (not "lowPriority")
        body = {
            "properties": {
                "limit": {"limitObjectType": "LimitValue", "value": limit},
                "name": {"value": resource_name},
                "resourceType": "dedicated",
            }
        }
        response = self._arm.transport.request("PUT", path, params={"api-version": QUOTA_API_VERSION}, json=body)
        return Poller(
            self._arm.transport, response, final_url=None, sleep=self._arm.sleep, what=f"quota request {resource_name}"
        )

    def request_status(self, location: str, request_id: str) -> dict:
        path = f"/{self.scope(location)}/providers/Microsoft.Quota/quotaRequests/{segment(request_id, SERVICE_ID)}"
        return self._arm.transport.json("GET", path, params={"api-version": QUOTA_API_VERSION})
