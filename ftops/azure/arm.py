"""Azure Resource Manager calls ftops needs: location models (fine-tune capability), usages,
Microsoft.Quota, and AI Services account deployments with long-running-operation polling.

Lists are iterators over `nextLink`; long-running calls return an `LroPoller` (ftops.azure.poll);
usages and deployments come back as typed models (ftops.azure.models).

    arm = ArmClient(subscription_id)
    offers = arm.fine_tunable_models("swedencentral")
    poller = arm.deployments.begin_create(rg, account, "my-ft", model=ft_model, sku="Standard", capacity=1)
    deployment = poller.result(timeout=1800)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from ftops.azure.auth import TokenCredential, arm_auth
from ftops.azure.errors import AzureNotFoundError
from ftops.azure.models import Deployment, QuotaLimit, Usage, parse, parse_list
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
from ftops.azure.poll import LroPoller
from ftops.azure.settings import (
    COGNITIVE_API_VERSION,
    ML_API_VERSION,
    QUOTA_API_VERSION,
    AzureSettings,
    load_settings,
)
from ftops.azure.transport import ClientBase, RetryPolicy, Transport

CS_PROVIDER = "Microsoft.CognitiveServices"
ML_PROVIDER = "Microsoft.MachineLearningServices"


# The ARM long-running-operation poller lives in ftops.azure.poll; the old name stays for callers.
Poller = LroPoller


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
            insecure_origin=settings.emulator,
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

    def fine_tunable_models(self, location: str) -> list[Any]:
        """The models `location` marks fine-tunable (`ftops.azure.availability.FineTuneOffer`)."""
        from ftops.azure.availability import fine_tune_offers  # the parser of ARM's model fields lives there

        return fine_tune_offers(list(self.location_models(location)))

    def cognitive_usages(self, location: str) -> list[Usage]:
        """Cognitive Services usages (e.g. tokens-per-minute quota per model and SKU) in a location."""
        path = f"{self.sub}/providers/{CS_PROVIDER}/locations/{segment(location, LOCATION)}/usages"
        items = list(self.transport.paged(path, params={"api-version": COGNITIVE_API_VERSION}))
        return parse_list(Usage, items, what=f"usages of {location}")

    # ---- Microsoft.MachineLearningServices ----
    def ml_usages(self, location: str) -> list[Usage]:
        """Machine Learning compute usage and limit per VM family (vCPUs) in a location."""
        path = f"{self.sub}/providers/{ML_PROVIDER}/locations/{segment(location, LOCATION)}/usages"
        items = list(self.transport.paged(path, params={"api-version": ML_API_VERSION}))
        return parse_list(Usage, items, what=f"ML usages of {location}")


class Deployments:
    """Model deployments on an AI Services account. Create them one after another per account."""

    def __init__(self, arm: ArmClient) -> None:
        self._arm = arm

    def _path(self, resource_group: str, account: str, name: str | None = None) -> str:
        group, account = segment(resource_group, RESOURCE_GROUP), segment(account, ACCOUNT)
        base = f"{self._arm.sub}/resourceGroups/{group}/providers/{CS_PROVIDER}/accounts/{account}/deployments"
        return f"{base}/{segment(name, DEPLOYMENT)}" if name is not None else base

    def get(self, resource_group: str, account: str, name: str) -> Deployment | None:
        """The deployment, or None if it does not exist."""
        try:
            found = self._arm.transport.json(
                "GET", self._path(resource_group, account, name), params={"api-version": COGNITIVE_API_VERSION}
            )
        except AzureNotFoundError:
            return None
        return parse(Deployment, found, what=f"deployment {name}")

    def list(self, resource_group: str, account: str) -> list[Deployment]:
        path = self._path(resource_group, account)
        items = list(self._arm.transport.paged(path, params={"api-version": COGNITIVE_API_VERSION}))
        return parse_list(Deployment, items, what=f"deployments of {account}")

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
        source_account: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> LroPoller:
        """PUT the deployment; the poller ends when it serves (provisioningState Succeeded).

        `source` (another region or subscription) or `source_account` (another tenant, with its token in
        `headers`' x-ms-authorization-auxiliary) name the account whose fine-tuned model this deploys."""
        path = self._path(resource_group, account, name)
        model_body: dict[str, Any] = {"format": model_format, "name": model, "version": version}
        if source:
            model_body["source"] = source
        if source_account:
            model_body["sourceAccount"] = source_account
        body = {"sku": {"name": sku, "capacity": capacity}, "properties": {"model": model_body}}
        params = {"api-version": COGNITIVE_API_VERSION}
        response = self._arm.transport.request("PUT", path, params=params, json=body, headers=headers)
        final = self._arm.transport.url(path) + f"?api-version={COGNITIVE_API_VERSION}"
        return LroPoller(
            self._arm.transport, response, final_url=final, sleep=self._arm.sleep, what=f"deployment {name}"
        )

    def delete(self, resource_group: str, account: str, name: str) -> bool:
        """Delete; True if something was deleted."""
        path = self._path(resource_group, account, name)
        response = self._arm.transport.request("DELETE", path, params={"api-version": COGNITIVE_API_VERSION})
        if response.status_code == 202:
            LroPoller(self._arm.transport, response, sleep=self._arm.sleep, what=f"delete {name}").result()
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
        found = parse(QuotaLimit, self.get(location, resource_name), what=f"quota {resource_name}")
        return found.value

    def begin_request(self, location: str, resource_name: str, limit: int) -> LroPoller:
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
        return LroPoller(self._arm.transport, response, sleep=self._arm.sleep, what=f"quota request {resource_name}")

    def request_status(self, location: str, request_id: str) -> dict:
        path = f"/{self.scope(location)}/providers/Microsoft.Quota/quotaRequests/{segment(request_id, SERVICE_ID)}"
        return self._arm.transport.json("GET", path, params={"api-version": QUOTA_API_VERSION})
