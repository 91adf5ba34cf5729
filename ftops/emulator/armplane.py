"""Emulated Azure Resource Manager: accounts, location models, usages, model capacities, deployments (LRO),
ML usages, quotas and VM sizes, Microsoft.Quota (LRO). One handler per spec operation (`ftops.emulator.routes`).

Long-running operations follow each spec's `x-ms-long-running-operation-options` as Azure's pollers expect
(azure-mgmt-core `ARMPolling`): an `Azure-AsyncOperation` monitor (`operationStatuses/{id}`) answers 200 with
`status` InProgress -> Succeeded/Failed (with an `error`); a `Location` monitor (`operationResults/{id}`)
answers 202 with Retry-After while running, then 200 with the result, or the operation's error status.

Location models come from the emulator's own `fine_tuning_models.yaml` (a test may set others with
`set_location_models`), deployment quota names from its own `deployment_usages.yaml`. Deployment quota (TPM
usages) goes down as deployments are created and comes back when they are deleted; a create beyond it fails
with Azure's InsufficientQuota. Deployments go Creating -> Succeeded one read at a time, and a second create
on the same account while one is Creating gets 409 RequestConflict, as Azure does. Quota requests at or
under `auto_approve_vcpus` succeed; bigger ones end Failed with an escalation message.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from ftops.emulator.dataplane import DataPlane, model_rules
from ftops.emulator.http import Reply, Request, error
from ftops.emulator.usages import UnknownSku

PAGE_SIZE = 5  # small on purpose, so every client follows nextLink
DEFAULT_TPM_LIMIT = 1000  # thousands of tokens per minute, per usage name and location, unless set
DEFAULT_ACCOUNT_LOCATION = "swedencentral"
SUB = r"/subscriptions/(?P<sub>[^/]+)"
CS = SUB + r"/providers/Microsoft\.CognitiveServices/locations/(?P<loc>[^/]+)"
ACCOUNT = SUB + r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.CognitiveServices/accounts/(?P<account>[^/]+)"
QUOTA_SCOPE = r"/(?P<scope>subscriptions/[^/]+/providers/Microsoft\.MachineLearningServices/locations/(?P<loc>[^/]+))"
# ARM operation monitors, which no saved spec defines: (pattern, kind).
MONITORS = [
    (
        re.compile(SUB + r"/providers/(?P<rp>[^/]+)/locations/(?P<loc>[^/]+)/operationStatuses/(?P<op>[^/]+)$", re.I),
        "status",
    ),
    (
        re.compile(SUB + r"/providers/(?P<rp>[^/]+)/locations/(?P<loc>[^/]+)/operationResults/(?P<op>[^/]+)$", re.I),
        "result",
    ),
    (re.compile(r"/(?P<scope>.+)/providers/Microsoft\.Quota/operationsStatus/(?P<op>[^/]+)$", re.I), "quota"),
]
CHECKPOINT_PREFIX = "ftchkpt-"  # a checkpoint's id; the docs deploy a checkpoint by passing it as the model name
MONITOR_READS = 2  # reads of a monitor (or of the resource) until an operation ends

# VM families ML reports per location, with (used, limit) vCPUs: a believable starting point.
DEFAULT_ML_QUOTA = {
    "standardNCADSA100v4Family": (0, 0),
    "standardNCSv3Family": (0, 24),
    "standardNDSH100v5Family": (0, 0),
    "standardDSv2Family": (4, 100),
}
FAMILY_NAMES = {
    "standardNCADSA100v4Family": "Standard NCADS_A100_v4 Family vCPUs",
    "standardNCSv3Family": "Standard NCSv3 Family vCPUs",
    "standardNDSH100v5Family": "Standard NDSH100v5 Family vCPUs",
    "standardDSv2Family": "Standard DSv2 Family vCPUs",
}


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Operation:
    """One ARM asynchronous operation: done after MONITOR_READS reads; `finish` applies it and returns the
    result body (None: no body), or an error (code, message) if it failed."""

    finish: Callable[[], dict | None]
    fail: tuple[str, str] | None = None
    reads: int = 0
    result: dict | None = None
    done: bool = False
    started: str = field(default_factory=lambda: _stamp())

    def step(self) -> None:
        if self.done:
            return
        self.reads += 1
        if self.reads >= MONITOR_READS:
            self.done = True
            if self.fail is None:
                self.result = self.finish()


class ArmPlane:
    def __init__(self, dataplane: DataPlane) -> None:
        self.dataplane = dataplane
        self.lock = threading.RLock()
        self.auto_approve_vcpus = 96
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.deployments: dict[tuple[str, str, str], dict[str, dict]] = {}
            self.accounts: dict[tuple[str, str, str], dict] = {}
            self.deleted_accounts: dict[tuple[str, str, str], dict] = {}  # soft-deleted, as Azure keeps them
            self.operations: dict[str, Operation] = {}
            self.quota: dict[tuple[str, str], list[int]] = {}
            self.quota_requests: dict[str, dict] = {}
            self.location_models: dict[str, list[dict]] = {}
            self.counters: Counter[str] = Counter()
            self.account_locations: dict[str, str] = {}
            self.usage_limits: dict[tuple[str, str], int] = {}

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {
                "counters": dict(self.counters),
                "deployments": {"/".join(k): sorted(v) for k, v in self.deployments.items()},
                "quota_requests": len(self.quota_requests),
            }

    # ---- test hooks ----
    def set_location_models(self, location: str, models: list[dict]) -> None:
        """Replace what `locations/{location}/models` returns (ARM `Model` objects)."""
        with self.lock:
            self.location_models[location.lower()] = models

    def set_account_location(self, account: str, location: str) -> None:
        """Where an account lives (deployments use quota in their account's location)."""
        with self.lock:
            self.account_locations[account] = location.lower()

    def set_usage_limit(self, location: str, usage: str, limit: int) -> None:
        """The TPM quota (thousands) of one usage name, e.g. OpenAI.GlobalStandard.gpt-4.1-mini, in a location."""
        with self.lock:
            self.usage_limits[(location.lower(), usage)] = limit

    def location_of(self, account: str) -> str:
        """An account's location: set explicitly, else a region id inside its name, else swedencentral."""
        if account in self.account_locations:
            return self.account_locations[account]
        for region in sorted(_known_regions(), key=len, reverse=True):
            if region in account:
                return region
        return DEFAULT_ACCOUNT_LOCATION

    def _used(self, location: str, *, skip: tuple[str, str] | None = None) -> Counter[str]:
        """TPM in use per usage name in a location, summed over the deployments of accounts there."""
        from ftops.emulator.usages import usage_name

        used: Counter[str] = Counter()
        for (_, _, account), deployments in self.deployments.items():
            if self.location_of(account) != location:
                continue
            for name, deployment in deployments.items():
                if skip == (account, name):
                    continue
                deployed = deployment.get("_usage_model") or deployment["properties"]["model"]["name"]
                usage = usage_name(deployed, deployment["sku"]["name"])
                used[usage] += deployment["sku"].get("capacity", 1)
        return used

    def _limit(self, location: str, usage: str) -> int:
        return self.usage_limits.get((location, usage), DEFAULT_TPM_LIMIT)

    def _offered(self, location: str) -> dict[str, str]:
        """Usage names a location lists, with their display names: base-model quota for every Azure OpenAI
        model and base deployment type; fine-tuned hosting quota only where the model can be fine-tuned."""
        from ftops.emulator.usages import deployment_types, usage_data, usage_name

        listed = self.location_models.get(location)
        if listed is None:
            listed = self._default_models(location)
        tunable = {m["model"]["name"] for m in listed if _fine_tunable(m["model"])}
        offered = {}
        for model in usage_data()["models"]:
            for sku, kind in deployment_types().items():
                if kind["base"]:
                    offered[usage_name(model, sku, fine_tuned=False)] = f"{model} - {sku}"
                if kind["fine_tuned"] and model in tunable:
                    offered[usage_name(model, sku, fine_tuned=True)] = f"{model} - {sku} - Fine-tuned"
        return offered

    @staticmethod
    def model_entry(name: str, version: str | None, *, fine_tune: bool, training_types: tuple[str, ...] = ()) -> dict:
        """One ARM `Model` in the shape of Microsoft's 2026-09-01 ListLocationModels example entry for gpt-4o
        2024-08-06; a fine-tunable model says `fineTune: "true"` in `capabilities` and in
        `finetuneCapabilities` alike, as the 2025-04-01-preview example's ada entry does (the 2026 example's
        gpt-4o says it in `finetuneCapabilities` only: clients must read both). A model that is not
        fine-tunable has no `finetuneCapabilities`. `training_types` is accepted for old callers and ignored:
        ARM lists no training types."""
        del training_types
        version = version or "1"
        vision = bool((model_rules()["models"].get(name) or {}).get("vision"))
        capabilities = {
            "chat": "true",
            "completion": "true",
            "fineTune": "false",
            "inference": "true",
            "scaleType": "Manual,Standard",
        }
        if vision:
            capabilities["vision"] = "true"
        model: dict[str, Any] = {
            "name": name,
            "format": model_rules().get("model_formats", {}).get(name, "OpenAI"),
            "capabilities": capabilities,
            "lifecycleStatus": "GenerallyAvailable",
            "maxCapacity": 50,
            "modelCatalogAssetId": f"azureml://registries/azure-openai/models/{name}/versions/{version}",
            "skus": [
                {
                    "name": sku,
                    "capacity": {"default": 10, "maximum": DEFAULT_TPM_LIMIT, "minimum": 1, "step": 1},
                    "usageName": f"OpenAI.{sku}.{name}",
                }
                for sku in ("Standard", "GlobalStandard")
            ],
            "systemData": {
                "createdAt": "2025-04-14T00:00:00Z",
                "createdBy": "Microsoft",
                "lastModifiedAt": "2025-04-14T00:00:00Z",
                "lastModifiedBy": "Microsoft",
            },
            "version": version,
        }
        if fine_tune:
            capabilities["fineTune"] = "true"
            model["finetuneCapabilities"] = {
                "chat": "true",
                "completion": "true",
                "fineTune": "true",
                "inference": "true",
                "scaleType": "Manual",
            }
        return {"kind": "OpenAI", "model": model, "skuName": "S0"}

    def _default_models(self, location: str) -> list[dict]:
        """Microsoft's ListLocationModels example entries verbatim, then the emulator's own fine-tunable
        entries for the location (`fine_tuning_models.yaml`), skipping a model/version the example lists."""
        found = [copy.deepcopy(entry) for entry in microsoft_location_models()]
        listed = {(e["model"]["name"], e["model"].get("version")) for e in found}
        rules = model_rules()
        skip = set(rules.get("region_exclusions", {}).get(location, ()))
        for name in rules["location_models"]:
            regions = rules.get("model_regions", {}).get(name, rules["training_regions"])
            version = rules["models"][name].get("version")
            if location in regions and name not in skip and (name, version) not in listed:
                found.append(self.model_entry(name, version, fine_tune=True))
        found.append(self.model_entry("text-embedding-3-small", "1", fine_tune=False))
        return found

    # ---- asynchronous operations ----
    def start_operation(
        self,
        request: Request,
        sub: str,
        finish: Callable[[], dict | None],
        *,
        provider: str = "Microsoft.CognitiveServices",
        fail: tuple[str, str] | None = None,
    ) -> tuple[str, dict[str, str]]:
        """Register an operation; its id and the headers that name its monitors (absolute, with Retry-After)."""
        op = uuid.uuid4().hex
        self.operations[op] = Operation(finish, fail)
        base = f"{request.base_url}/subscriptions/{sub}/providers/{provider}/locations/{DEFAULT_ACCOUNT_LOCATION}"
        version = request.query.get("api-version", "")
        return op, {
            "Azure-AsyncOperation": f"{base}/operationStatuses/{op}?api-version={version}",
            "Location": f"{base}/operationResults/{op}?api-version={version}",
            "Retry-After": "1",
        }

    def is_monitor(self, path: str) -> bool:
        return any(pattern.match(path) for pattern, _ in MONITORS)

    def monitor(self, request: Request) -> Reply:
        """GET of an operation monitor (Azure-AsyncOperation, Location, or Microsoft.Quota's operationsStatus)."""
        for pattern, kind in MONITORS:
            match = pattern.match(request.path)
            if match is None or request.method != "GET":
                continue
            with self.lock:
                if kind == "quota":
                    return self._quota_operation(request, match["scope"], match["op"])
                found = self.operations.get(match["op"])
                if found is None:
                    return error(404, "OperationNotFound", f"operation {match['op']} not found")
                found.step()
                if kind == "status":
                    body: dict[str, Any] = {
                        "id": request.path,
                        "name": match["op"],
                        "status": "InProgress" if not found.done else "Failed" if found.fail else "Succeeded",
                        "startTime": found.started,
                    }
                    if found.done:
                        body["endTime"] = _stamp()
                    if found.fail:
                        body["error"] = {"code": found.fail[0], "message": found.fail[1]}
                    return Reply(200, body, headers={} if found.done else {"Retry-After": "1"})
                if not found.done:
                    return Reply(
                        202,
                        None,
                        headers={
                            "Location": f"{request.base_url}{request.path}?"
                            f"api-version={request.query.get('api-version', '')}",
                            "Retry-After": "1",
                        },
                    )
                if found.fail:
                    return error(400, found.fail[0], found.fail[1])
                return Reply(200, found.result) if found.result is not None else Reply(204, None)
        return error(404, "NotFound", f"no operation monitor at {request.path}")

    # ---- Microsoft.CognitiveServices, per location ----
    def models_list(self, request: Request, p: dict[str, str]) -> Reply:
        loc = p["location"].lower()
        models = self.location_models.get(loc)
        if models is None:
            models = self._default_models(loc)
        return Reply(200, self._paged(request, models, "$skipToken"))

    @staticmethod
    def _paged(request: Request, items: list[dict], token: str) -> dict:
        """A page of PAGE_SIZE with an absolute nextLink carrying the request's api-version."""
        start = int(request.query.get(token) or 0)
        page: dict[str, Any] = {"value": items[start : start + PAGE_SIZE]}
        if start + PAGE_SIZE < len(items):
            keep = "&".join(f"{k}={v}" for k, v in request.query.items() if k != token)
            page["nextLink"] = f"{request.base_url}{request.path}?{keep}&{token}={start + PAGE_SIZE}"
        return page

    def _usage_entries(self, loc: str) -> list[dict]:
        used = self._used(loc)
        return [
            {
                "name": {"value": name, "localizedValue": f"Tokens Per Minute (thousands) - {label}"},
                "currentValue": float(used[name]),
                "limit": float(self._limit(loc, name)),
                "unit": "Count",
            }
            for name, label in self._offered(loc).items()
        ]

    def usages_list(self, request: Request, p: dict[str, str]) -> Reply:
        return Reply(200, {"value": self._usage_entries(p["location"].lower())})

    def _capacities(self, request: Request, locations: list[str]) -> Reply:
        query = request.query
        name, version, fmt = query.get("modelName", ""), query.get("modelVersion", ""), query.get("modelFormat", "")
        from ftops.emulator.usages import usage_name

        values = []
        for loc in locations:
            offered = self._offered(loc)
            for sku in ("Standard", "GlobalStandard", "DataZoneStandard"):
                try:
                    usage = usage_name(name, sku, fine_tuned=False)
                except UnknownSku:
                    continue
                if usage not in offered:
                    continue
                available = max(self._limit(loc, usage) - self._used(loc)[usage], 0)
                values.append(
                    {
                        "id": f"/subscriptions/{request.path.split('/')[2]}/providers/Microsoft.CognitiveServices"
                        f"/locations/{loc}/models/{fmt}.{name}.{version}/skuCapacities/{sku}",
                        "type": "Microsoft.CognitiveServices/locations/models/skuCapacities",
                        "name": sku,
                        "location": loc,
                        "properties": {
                            "model": {"format": fmt, "name": name, "version": version},
                            "skuName": sku,
                            "availableCapacity": float(available),
                            "availableFinetuneCapacity": float(available),
                        },
                    }
                )
        return Reply(200, {"value": values})

    def location_based_model_capacities_list(self, request: Request, p: dict[str, str]) -> Reply:
        return self._capacities(request, [p["location"].lower()])

    def model_capacities_list(self, request: Request, p: dict[str, str]) -> Reply:
        """Capacity across regions: the one-call check of where a model can be deployed."""
        return self._capacities(request, sorted(_known_regions()))

    # ---- accounts ----
    def add_account(
        self,
        sub: str,
        rg: str,
        name: str,
        location: str = DEFAULT_ACCOUNT_LOCATION,
        *,
        public_network_access: str | None = None,
        identity: dict | None = None,
    ) -> dict:
        """An AI Services account as `pulumi up` leaves it (test hook; `Accounts_Create` does the same).

        `public_network_access` and `identity` are kept as given (`properties.publicNetworkAccess`, `identity`);
        user-assigned identities get the principalId/clientId ARM fills in when they have none."""
        with self.lock:
            self.account_locations[name] = location.lower()
            account = {
                "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{name}",
                "name": name,
                "type": "Microsoft.CognitiveServices/accounts",
                "location": location,
                "kind": "AIServices",
                "sku": {"name": "S0"},
                "properties": {
                    "endpoint": f"https://{name}.cognitiveservices.azure.com/",
                    "customSubDomainName": name,
                    "provisioningState": "Succeeded",
                },
            }
            if public_network_access is not None:
                account["properties"]["publicNetworkAccess"] = public_network_access
            if identity is not None:
                account["identity"] = _identity(identity)
            self.accounts[(sub.lower(), rg.lower(), name.lower())] = account
            return account

    def _account(self, p: dict[str, str]) -> dict | Reply:
        found = self.accounts.get(
            (p["subscriptionId"].lower(), p["resourceGroupName"].lower(), p["accountName"].lower())
        )
        if found is None:
            return error(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.CognitiveServices/accounts/"
                f"{p['accountName']}' under resource group '{p['resourceGroupName']}' was not found.",
            )
        return found

    def accounts_get(self, request: Request, p: dict[str, str]) -> Reply:
        found = self._account(p)
        return found if isinstance(found, Reply) else Reply(200, self._account_view(found))

    @staticmethod
    def _account_view(account: dict) -> dict:
        props = account["properties"]
        if props["provisioningState"] in ("Accepted", "Creating"):
            account["_reads"] = account.get("_reads", 0) + 1
            if account["_reads"] >= MONITOR_READS:
                props["provisioningState"] = "Succeeded"
        return {k: v for k, v in account.items() if not k.startswith("_")}

    def accounts_list(self, request: Request, p: dict[str, str]) -> Reply:
        sub = p["subscriptionId"].lower()
        found = [self._account_view(a) for (s, _, _), a in sorted(self.accounts.items()) if s == sub]
        return Reply(200, self._paged(request, found, "$skipToken"))

    def accounts_list_by_resource_group(self, request: Request, p: dict[str, str]) -> Reply:
        key = (p["subscriptionId"].lower(), p["resourceGroupName"].lower())
        found = [self._account_view(a) for (s, g, _), a in sorted(self.accounts.items()) if (s, g) == key]
        return Reply(200, self._paged(request, found, "$skipToken"))

    def accounts_create(self, request: Request, p: dict[str, str]) -> Reply:
        body = request.json or {}
        if not body.get("location"):
            return error(400, "LocationRequired", "The location property is required for this definition.")
        key = (p["subscriptionId"].lower(), p["resourceGroupName"].lower(), p["accountName"].lower())
        existed = key in self.accounts
        account = self.add_account(
            p["subscriptionId"],
            p["resourceGroupName"],
            p["accountName"],
            body["location"],
            public_network_access=(body.get("properties") or {}).get("publicNetworkAccess"),
            identity=body.get("identity"),
        )
        account["kind"] = body.get("kind") or account["kind"]
        account["sku"] = body.get("sku") or account["sku"]
        if body.get("tags"):
            account["tags"] = body["tags"]
        if existed:
            return Reply(200, self._account_view(account))
        account["properties"]["provisioningState"] = "Accepted"
        _, headers = self.start_operation(
            request, p["subscriptionId"], lambda: self._account_view(dict(account, _reads=MONITOR_READS))
        )
        return Reply(201, self._account_view(dict(account)), headers=headers)

    def accounts_update(self, request: Request, p: dict[str, str]) -> Reply:
        found = self._account(p)
        if isinstance(found, Reply):
            return found
        body = request.json or {}
        if "tags" in body:
            found["tags"] = body["tags"]
        if "publicNetworkAccess" in (body.get("properties") or {}):
            found["properties"]["publicNetworkAccess"] = body["properties"]["publicNetworkAccess"]
        if body.get("identity") is not None:
            found["identity"] = _identity(body["identity"])
        if body.get("sku"):
            found["sku"] = body["sku"]
        return Reply(200, self._account_view(found))

    def soft_delete_account(self, sub: str, rg: str, name: str, location: str, hours: int = 48) -> dict:
        """Keep an account soft-deleted for `hours` (Azure keeps AI Services accounts 48 h; test hook)."""
        now = datetime.now(UTC)
        view = {
            "id": f"/subscriptions/{sub}/providers/Microsoft.CognitiveServices/locations/{location}"
            f"/resourceGroups/{rg}/deletedAccounts/{name}",  # the DeletedAccounts_Get path
            "name": name,
            "location": location,
            "kind": "AIServices",
            "properties": {
                "deletionDate": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "scheduledPurgeDate": (now + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        }
        with self.lock:
            self.deleted_accounts[(sub.lower(), rg.lower(), name.lower())] = view
        return view

    def deleted_accounts_list(self, request: Request, p: dict[str, str]) -> Reply:
        sub = p["subscriptionId"].lower()
        found = [copy.deepcopy(a) for (s, _, _), a in sorted(self.deleted_accounts.items()) if s == sub]
        return Reply(200, self._paged(request, found, "$skipToken"))

    def accounts_delete(self, request: Request, p: dict[str, str]) -> Reply:
        key = (p["subscriptionId"].lower(), p["resourceGroupName"].lower(), p["accountName"].lower())
        if (gone := self.accounts.pop(key, None)) is None:
            return Reply(204, None)
        self.soft_delete_account(p["subscriptionId"], p["resourceGroupName"], gone["name"], gone["location"])
        self.deployments.pop((p["subscriptionId"], p["resourceGroupName"], p["accountName"]), None)
        _, headers = self.start_operation(request, p["subscriptionId"], lambda: None)
        return Reply(202, None, headers={k: v for k, v in headers.items() if k != "Azure-AsyncOperation"})

    def accounts_list_usages(self, request: Request, p: dict[str, str]) -> Reply:
        found = self._account(p)
        if isinstance(found, Reply):
            return found
        entries = self._usage_entries(self.location_of(p["accountName"]))
        for entry in entries:
            entry.update(status="Included", scopeType="Regional", scopeId=self.location_of(p["accountName"]))
        return Reply(200, {"value": entries})

    def accounts_list_models(self, request: Request, p: dict[str, str]) -> Reply:
        found = self._account(p)
        if isinstance(found, Reply):
            return found
        loc = self.location_of(p["accountName"])
        models = self.location_models.get(loc)
        if models is None:
            models = self._default_models(loc)
        return Reply(200, self._paged(request, [m["model"] for m in models], "$skipToken"))

    # ---- deployments ----
    def _deployment_id(self, sub: str, rg: str, account: str, name: str) -> str:
        return (
            f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{account}"
            f"/deployments/{name}"
        )

    @staticmethod
    def _key(p: dict[str, str]) -> tuple[str, str, str]:
        return (p["subscriptionId"], p["resourceGroupName"], p["accountName"])

    def deployments_list(self, request: Request, p: dict[str, str]) -> Reply:
        found = self.deployments.get(self._key(p), {})
        for deployment in found.values():
            self._advance_deployment(deployment)
        return Reply(200, self._paged(request, [_public(d) for d in found.values()], "$skipToken"))

    def deployments_get(self, request: Request, p: dict[str, str]) -> Reply:
        deployment = self.deployments.get(self._key(p), {}).get(p["deploymentName"])
        if deployment is None:
            return error(
                404, "DeploymentNotFound", f"Deployment {p['deploymentName']} not found on account {p['accountName']}."
            )
        self._advance_deployment(deployment)
        return Reply(200, _public(deployment))

    def _advance_deployment(self, deployment: dict) -> None:
        props = deployment["properties"]
        if props["provisioningState"] in ("Accepted", "Creating", "Updating"):
            deployment["_reads"] = deployment.get("_reads", 0) + 1
            if deployment["_reads"] == 1 and props["provisioningState"] == "Accepted":
                props["provisioningState"] = "Creating"
            if deployment["_reads"] >= MONITOR_READS:
                props["provisioningState"] = "Succeeded"
                deployment.pop("_reads")

    def deployments_create_or_update(self, request: Request, p: dict[str, str]) -> Reply:
        sub, rg, account, name = (*self._key(p), p["deploymentName"])
        body = request.json or {}
        model = (body.get("properties") or {}).get("model") or {}
        if not model.get("name"):
            return error(400, "InvalidResourceProperties", "properties.model.name is required.")
        if refused := self._refuse_custom_model(request, account, model):
            self.counters[f"deployment_refusals:{account}"] += 1
            return refused
        deployed_as = self._deployed_as(model["name"])  # a checkpoint id stands for its checkpoint model
        if refused := self._refuse_fine_tuned_sku(deployed_as, body.get("sku") or {}):
            self.counters[f"deployment_refusals:{account}"] += 1
            return refused
        wanted = model_rules().get("fine_tuned_formats", {}).get(deployed_as.split(".ft-")[0])
        if ".ft-" in deployed_as and wanted and model.get("format") != wanted:
            found = model.get("format")
            return error(400, "InvalidModelFormat", f"Model {model['name']} has format {wanted}, not {found}.")
        existing = self.deployments.setdefault((sub, rg, account), {})
        for other in existing.values():
            self._advance_deployment(other)
        busy = [d["name"] for d in existing.values() if d["properties"]["provisioningState"] != "Succeeded"]
        if busy and name not in busy:
            return error(
                409,
                "RequestConflict",
                f"Another operation is being performed on the parent resource (deployment {busy[0]}).",
            )
        refusal = self._refuse_capacity(account, name, deployed_as, body.get("sku") or {})
        if refusal is not None:
            self.counters[f"deployment_refusals:{account}"] += 1
            return refusal
        self.counters[f"deployment_puts:{account}"] += 1
        updating = name in existing
        deployment = {
            "id": self._deployment_id(sub, rg, account, name),
            "name": name,
            "type": "Microsoft.CognitiveServices/accounts/deployments",
            "sku": body.get("sku") or {"name": "Standard", "capacity": 1},
            "systemData": {"createdAt": _stamp()},
            "properties": {
                "model": {
                    k: v for k, v in model.items() if k in ("format", "name", "version", "source", "sourceAccount")
                },
                "provisioningState": "Succeeded" if updating else "Accepted",
            },
            "_usage_model": deployed_as,  # what its quota is counted as (private: never in a reply)
        }
        existing[name] = deployment
        if updating:
            return Reply(200, _public(deployment))

        def finish() -> dict:
            while deployment["properties"]["provisioningState"] != "Succeeded":
                self._advance_deployment(deployment)
            return _public(deployment)

        # final-state-via azure-async-operation: the monitor decides, then the resource is read (Succeeded)
        _, headers = self.start_operation(request, sub, finish)
        return Reply(201, _public(deployment), headers={k: v for k, v in headers.items() if k != "Location"})

    @staticmethod
    def _refuse_fine_tuned_sku(deployed_as: str, sku: dict) -> Reply | None:
        """A fine-tuned model deployed with a type its base's fine-tunes are not served as (the table's legend)."""
        if ".ft-" not in deployed_as:
            return None
        from ftops.emulator.dataplane import _base_model

        base = _base_model(deployed_as)
        allowed = model_rules().get("fine_tuned_deployment_skus", {}).get(base)
        wanted = str(sku.get("name") or "Standard")
        if allowed is None or wanted.lower() in {a.lower() for a in allowed}:
            return None
        if not allowed:
            message = f"Fine-tuned {base} models are not served by model deployments (managed compute, Fireworks)."
        else:
            offered = ", ".join(allowed)
            message = f"The specified SKU '{wanted}' is not supported for fine-tuned {base} models ({offered})."
        return error(400, "InvalidResourceProperties", message)

    def _deployed_as(self, model: str) -> str:
        """A checkpoint id (`ftchkpt-…`) as the checkpoint model it names (`<base>.ft-…:ckpt-step-N`), so quota and
        format rules see its base model; any other name as it is."""
        if not model.startswith(CHECKPOINT_PREFIX):
            return model
        with self.dataplane.lock:
            for account in self.dataplane.accounts.values():
                for job in account.jobs.values():
                    for checkpoint in job.checkpoints:
                        if checkpoint.get("id") == model:
                            return str(checkpoint.get("fine_tuned_model_checkpoint") or model)
                if copied := account.copied_checkpoints.get(model):  # copied to another account, same name
                    return str(copied.get("fine_tuned_model_checkpoint") or model)
        return model

    def _refuse_custom_model(self, request: Request, account: str, model: dict) -> Reply | None:
        """Azure's refusals of a fine-tuned model or checkpoint the deployment cannot reach.

        Docs (fine-tuning-deploy.md, "Cross region deployment"): without `source` the model must be the
        account's own; with `source` (or `sourceAccount`, cross-tenant) it comes from that account, and "the
        new region must also support fine-tuning" (the emulator's `training_regions`)."""
        name = str(model["name"])
        if ".ft-" not in name and not name.startswith(CHECKPOINT_PREFIX):
            return None  # a base model
        source = model.get("source") or model.get("sourceAccount")
        if model.get("sourceAccount") and not request.headers.get("x-ms-authorization-auxiliary", "").startswith(
            "Bearer "
        ):  # cross-tenant: the source tenant's token rides in the auxiliary header ("Cross tenant deployment")
            return error(
                403,
                "LinkedAuthorizationFailed",
                f"The client has permission to deploy on account {account} but not to read model {name} from "
                f"{model['sourceAccount']}: send a token of the source tenant in x-ms-authorization-auxiliary.",
            )
        if not source:
            if self.dataplane.holds_model(account, name):
                return None
            return error(
                400,
                "DeploymentModelNotFound",
                f"The fine-tuned model {name} was not found on account {account} or is not ready. To deploy a "
                "model of another account, set properties.model.source to that account's resource id.",
            )
        match = re.fullmatch(ACCOUNT, str(source), re.I)
        key = (match["sub"].lower(), match["rg"].lower(), match["account"].lower()) if match else None
        if key is None or key not in self.accounts:
            return error(
                400,
                "InvalidResourceProperties",
                f"The source account '{source}' of model {name} was not found: properties.model.source must be "
                "the resource id of an existing Microsoft.CognitiveServices account.",
            )
        source_name = self.accounts[key]["name"]
        if not self.dataplane.holds_model(source_name, name):
            return error(
                400,
                "DeploymentModelNotFound",
                f"The fine-tuned model {name} was not found on the source account {source_name} or is not ready.",
            )
        location = self.location_of(account)
        if location not in model_rules()["training_regions"]:
            return error(
                400,
                "InvalidResourceProperties",
                f"Fine-tuned model {name} cannot be deployed to account {account} in region '{location}': "
                "cross-region deployment needs a destination region that supports fine-tuning.",
            )
        return None

    def deployments_update(self, request: Request, p: dict[str, str]) -> Reply:
        """PATCH sku/capacity (final-state-via location): 202 with the monitors, the updated deployment at the end."""
        deployment = self.deployments.get(self._key(p), {}).get(p["deploymentName"])
        if deployment is None:
            return error(404, "DeploymentNotFound", f"Deployment {p['deploymentName']} not found.")
        body = request.json or {}
        sku = body.get("sku")
        if sku:
            wanted = {**deployment["sku"], **sku}
            deployed = deployment.get("_usage_model") or deployment["properties"]["model"]["name"]
            refusal = self._refuse_capacity(p["accountName"], p["deploymentName"], deployed, wanted)
            if refusal is not None:
                return refusal

        def finish() -> dict:
            if sku:
                deployment["sku"] = {**deployment["sku"], **sku}
            if "tags" in body:
                deployment["tags"] = body["tags"]
            return _public(deployment)

        _, headers = self.start_operation(request, p["subscriptionId"], finish)
        return Reply(202, None, headers=headers)

    def deployments_list_skus(self, request: Request, p: dict[str, str]) -> Reply:
        deployment = self.deployments.get(self._key(p), {}).get(p["deploymentName"])
        if deployment is None:
            return error(404, "DeploymentNotFound", f"Deployment {p['deploymentName']} not found.")
        from ftops.emulator.usages import usage_name

        loc = self.location_of(p["accountName"])
        model = deployment.get("_usage_model") or deployment["properties"]["model"]["name"]
        values = []
        for sku in ("Standard", "GlobalStandard", "DataZoneStandard", "Developer"):
            try:
                usage = usage_name(model, sku)
            except UnknownSku:
                continue
            if usage not in self._offered(loc):
                continue
            limit = self._limit(loc, usage)
            values.append(
                {
                    "resourceType": "Microsoft.CognitiveServices/accounts/deployments",
                    "sku": {"name": sku, "capacity": 1},
                    "capacity": {"minimum": 1, "maximum": limit, "step": 1, "default": min(limit, 10)},
                }
            )
        return Reply(200, {"value": values})

    def deployments_delete(self, request: Request, p: dict[str, str]) -> Reply:
        existing = self.deployments.get(self._key(p), {})
        if existing.pop(p["deploymentName"], None) is None:
            return Reply(204, None)
        return Reply(200, None)

    def _refuse_capacity(self, account: str, name: str, model: str, sku: dict) -> Reply | None:
        """Azure's refusals when a location does not offer the model with this SKU, or lacks the TPM."""
        from ftops.emulator.usages import usage_name

        location = self.location_of(account)
        sku_name = str(sku.get("name") or "Standard")
        try:
            usage = usage_name(model, sku_name)
        except UnknownSku:
            usage = ""
        offered = self._offered(location)
        if usage not in offered:
            return error(
                400,
                "InvalidResourceProperties",
                f"The specified SKU '{sku_name}' for model '{model}' is not supported in this region '{location}'.",
            )
        wanted = int(sku.get("capacity", 1))
        current = self._used(location, skip=(account, name))[usage]
        limit = self._limit(location, usage)
        if current + wanted <= limit:
            return None
        label = f"Tokens Per Minute (thousands) - {offered[usage]}"
        return error(
            400,
            "InsufficientQuota",
            f"This operation require {wanted} new capacity in quota {label}, which is bigger than the current "
            f"available capacity {max(limit - current, 0)}. The current quota usage is {current} and the quota "
            f"limit is {limit} for quota {label}.",
        )

    # ---- Microsoft.MachineLearningServices, per location ----
    def _limits(self, scope: str) -> dict[str, list[int]]:
        key = scope.lower()
        for family, (used, limit) in DEFAULT_ML_QUOTA.items():
            self.quota.setdefault((key, family.lower()), [used, limit])
        return {family: self.quota[(key, family.lower())] for family in DEFAULT_ML_QUOTA}

    @staticmethod
    def _ml_scope(p: dict[str, str]) -> str:
        return (
            f"subscriptions/{p['subscriptionId']}/providers/Microsoft.MachineLearningServices/locations/{p['location']}"
        )

    def ml_usages_list(self, request: Request, p: dict[str, str]) -> Reply:
        scope, loc = self._ml_scope(p), p["location"]
        usages = [
            {
                "id": f"/{scope}/usages/{family}",
                "amlWorkspaceLocation": loc,
                "type": "Microsoft.MachineLearningServices/vmFamily/usages",
                "unit": "Count",
                "currentValue": used,
                "limit": limit,
                "name": {"value": family, "localizedValue": FAMILY_NAMES[family]},
            }
            for family, (used, limit) in self._limits(scope).items()
        ]
        return Reply(200, {"value": usages})

    def ml_quotas_list(self, request: Request, p: dict[str, str]) -> Reply:
        """Workspace-level quota per VM family (none set: -1 would mean unlimited; Azure lists the families)."""
        scope, loc = self._ml_scope(p), p["location"]
        values = [
            {
                "id": f"/{scope}/quotas/{family}",
                "amlWorkspaceLocation": loc,
                "type": "Microsoft.MachineLearningServices/vmFamily/quotas",
                "name": {"value": family, "localizedValue": FAMILY_NAMES[family]},
                "limit": limit,
                "unit": "Count",
            }
            for family, (_, limit) in self._limits(scope).items()
        ]
        return Reply(200, {"value": values})

    def ml_quotas_update(self, request: Request, p: dict[str, str]) -> Reply:
        body = request.json or {}
        results = []
        for item in body.get("value") or []:
            family = str(item.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
            known = family in DEFAULT_ML_QUOTA
            results.append(
                {
                    "id": item.get("id"),
                    "type": item.get("type") or "Microsoft.MachineLearningServices/workspaces/quotas",
                    "limit": item.get("limit"),
                    "unit": "Count",
                    "status": "Success" if known else "InvalidVMFamilyName",
                }
            )
        return Reply(200, {"value": results})

    def ml_vm_sizes_list(self, request: Request, p: dict[str, str]) -> Reply:
        return Reply(200, {"value": vm_sizes()})

    # ---- Microsoft.Quota ----
    def _quota_view(self, scope: str, name: str) -> dict | None:
        value = self._limits(scope).get(next((f for f in DEFAULT_ML_QUOTA if f.lower() == name.lower()), ""))
        if value is None:
            value = self.quota.get((scope.lower(), name.lower()))
        if value is None:
            return None
        family = next((f for f in DEFAULT_ML_QUOTA if f.lower() == name.lower()), name)
        return {
            "id": f"/{scope}/providers/Microsoft.Quota/quotas/{family}",
            "name": family,
            "type": "Microsoft.Quota/Quotas",
            "properties": {
                "limit": {"limitObjectType": "LimitValue", "value": value[1], "limitType": "Independent"},
                "name": {"value": family, "localizedValue": FAMILY_NAMES.get(family, family)},
                "unit": "Count",
                "resourceType": "dedicated",
                "isQuotaApplicable": True,
            },
        }

    def quota_get(self, request: Request, p: dict[str, str]) -> Reply:
        view = self._quota_view(p["scope"], p["resourceName"])
        if view is None:
            return error(404, "ResourceNotFound", f"no quota named {p['resourceName']} at {p['scope']}")
        return Reply(200, view)

    def quota_list(self, request: Request, p: dict[str, str]) -> Reply:
        views = [self._quota_view(p["scope"], family) for family in self._limits(p["scope"])]
        return Reply(200, self._paged(request, [v for v in views if v], "$skiptoken"))

    def _usage_view(self, scope: str, family: str) -> dict:
        used = self._limits(scope)[family][0]
        return {
            "id": f"/{scope}/providers/Microsoft.Quota/usages/{family}",
            "name": family,
            "type": "Microsoft.Quota/Usages",
            "properties": {
                "usages": {"value": used},
                "unit": "Count",
                "name": {"value": family, "localizedValue": FAMILY_NAMES[family]},
                "resourceType": "dedicated",
                "isQuotaApplicable": True,
            },
        }

    def usages_get(self, request: Request, p: dict[str, str]) -> Reply:
        family = next((f for f in DEFAULT_ML_QUOTA if f.lower() == p["resourceName"].lower()), None)
        if family is None:
            return error(404, "ResourceNotFound", f"no usage named {p['resourceName']} at {p['scope']}")
        return Reply(200, self._usage_view(p["scope"], family))

    def quota_usages_list(self, request: Request, p: dict[str, str]) -> Reply:
        views = [self._usage_view(p["scope"], family) for family in self._limits(p["scope"])]
        return Reply(200, self._paged(request, views, "$skiptoken"))

    def quota_create_or_update(self, request: Request, p: dict[str, str]) -> Reply:
        """As Microsoft's 2025-07-15 examples answer: 200 with the quota and a Location to its quotaRequests
        entry when nothing needs approving (not above the current limit); else 202 with Retry-After and a
        Location to `operationsStatus/{id}`, which answers 202 while the request runs, then 200 with the
        quota at its new limit, or 400 with the error when Azure refuses it (so Azure's pollers raise); the
        request itself stays readable at `quotaRequests/{id}` (and in the request history)."""
        scope, name = p["scope"], p["resourceName"]
        limit = (((request.json or {}).get("properties") or {}).get("limit") or {}).get("value")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            return error(400, "InvalidQuotaRequest", "properties.limit.value must be a non-negative integer")
        view = self._quota_view(scope, name)
        if view is None:
            return error(404, "ResourceNotFound", f"no quota named {name} at {scope}")
        request_id = str(uuid.uuid4()).upper()
        self.counters["quota_requests"] += 1
        current = view["properties"]["limit"]["value"]
        found = {"scope": scope, "name": view["name"], "limit": limit, "reads": 0, "submitted": _stamp()}
        self.quota_requests[request_id] = found
        version = request.query.get("api-version", "")
        if limit <= current:
            self._decide(found)
            location = f"{request.base_url}/{scope}/providers/Microsoft.Quota/quotaRequests/{request_id}"
            return Reply(200, self._quota_view(scope, name), headers={"Location": f"{location}?api-version={version}"})
        location = f"{request.base_url}/{scope}/providers/Microsoft.Quota/operationsStatus/{request_id}"
        return Reply(202, None, headers={"Location": f"{location}?api-version={version}", "Retry-After": "1"})

    def quota_update(self, request: Request, p: dict[str, str]) -> Reply:
        return self.quota_create_or_update(request, p)

    def _decide(self, found: dict) -> None:
        """Settle a quota request: approved up to `auto_approve_vcpus` (or the current limit), else Failed."""
        if found.get("state"):
            return
        used_limit = self.quota.setdefault((found["scope"].lower(), found["name"].lower()), [0, 0])
        if found["limit"] <= max(self.auto_approve_vcpus, used_limit[1]):
            used_limit[1] = found["limit"]
            found["state"] = "Succeeded"
        else:
            found["state"] = "Failed"

    def _request_view(self, request_id: str, found: dict) -> dict:
        state = found.get("state") or "InProgress"
        properties: dict[str, Any] = {
            "provisioningState": state,
            "message": {"InProgress": "Request processing", "Succeeded": "Request processed."}.get(
                state, "The request needs escalation: open a support request for this quota."
            ),
            "requestSubmitTime": found["submitted"],
            "value": [
                {
                    "limit": {"limitObjectType": "LimitValue", "value": found["limit"]},
                    "name": {"value": found["name"], "localizedValue": FAMILY_NAMES.get(found["name"], found["name"])},
                    "provisioningState": state,
                    "message": {"InProgress": "Request processing", "Succeeded": "Request processed"}.get(
                        state, "Needs a support request"
                    ),
                    "subRequestId": request_id,
                    "resourceType": "dedicated",
                    "unit": "Count",
                }
            ],
        }
        if state == "Failed":
            properties["error"] = {
                "code": "QuotaRequestEscalated",
                "message": "Quota increase needs a support request.",
            }
        return {
            "id": f"/{found['scope']}/providers/Microsoft.Quota/quotaRequests/{request_id}",
            "name": request_id,
            "type": "Microsoft.Quota/quotaRequests",
            "properties": properties,
        }

    def quota_request_status_get(self, request: Request, p: dict[str, str]) -> Reply:
        found = self.quota_requests.get(p["id"].upper())
        if found is None:
            return error(404, "ResourceNotFound", f"no quota request {p['id']}")
        found["reads"] += 1
        if found["reads"] >= MONITOR_READS:
            self._decide(found)
        return Reply(200, self._request_view(p["id"].upper(), found))

    def quota_request_status_list(self, request: Request, p: dict[str, str]) -> Reply:
        scope = p["scope"].lower()
        views = [
            self._request_view(request_id, found)
            for request_id, found in reversed(list(self.quota_requests.items()))  # newest first, as the portal
            if found["scope"].lower() == scope
        ]
        return Reply(200, self._paged(request, views, "$skiptoken"))

    def _quota_operation(self, request: Request, scope: str, op: str) -> Reply:
        found = self.quota_requests.get(op.upper())
        if found is None:
            return error(404, "ResourceNotFound", f"no quota operation {op}")
        found["reads"] += 1
        if found["reads"] < MONITOR_READS and not found.get("state"):
            here = f"{request.base_url}{request.path}?api-version={request.query.get('api-version', '')}"
            return Reply(202, None, headers={"Location": here, "Retry-After": "1"})
        self._decide(found)
        if found["state"] == "Failed":
            return error(
                400,
                "QuotaRequestEscalated",
                f"Quota request {op.upper()} for {found['name']} ({found['limit']} vCPUs) was not approved "
                "automatically: open a support request for this quota.",
            )
        # A Location monitor's final 200 carries the operation's result (azure-core's LocationPolling takes
        # it as such): the quota with its new limit, as the PUT's own 200 example shows it.
        return Reply(200, self._quota_view(found["scope"], found["name"]))


EXAMPLE_2026 = (
    "spec_files/azure-rest-api-specs/specification/cognitiveservices/resource-manager/Microsoft.CognitiveServices"
    "/CognitiveServices/stable/2026-09-01/examples/ListLocationModels.json"
)


@cache
def microsoft_location_models() -> list[dict]:
    """The model list of Microsoft's 2026-09-01 ListLocationModels example, as Microsoft wrote it."""
    text = resources.files("ftops.emulator").joinpath(EXAMPLE_2026).read_text(encoding="utf-8")
    return json.loads(text)["responses"]["200"]["body"]["value"]


@cache
def vm_sizes() -> list[dict]:
    """`vm_sizes.yaml`: the VM sizes ML lists per location (VirtualMachineSize objects, with sources)."""
    import yaml

    return yaml.safe_load(resources.files("ftops.emulator").joinpath("vm_sizes.yaml").read_text())["sizes"]


def _known_regions() -> set[str]:
    """The regions the emulator knows (its fixture's training regions and model regions)."""
    rules = model_rules()
    return {*rules["training_regions"], *(r for regions in rules.get("model_regions", {}).values() for r in regions)}


def _fine_tunable(model: dict) -> bool:
    """`fineTune: "true"` in either capability map of an ARM model (keys compared case-insensitively)."""
    for capabilities in (model.get("capabilities") or {}, model.get("finetuneCapabilities") or {}):
        if any(str(k).lower() == "finetune" and str(v).lower() == "true" for k, v in capabilities.items()):
            return True
    return False


def _public(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if not k.startswith("_")}


def _identity(sent: dict) -> dict:
    """An account's `identity` as sent; each user-assigned identity gets the read-only principalId and clientId
    ARM fills in (stable per identity id) unless it was given some."""
    identity = copy.deepcopy(sent)
    for resource_id, entry in (identity.get("userAssignedIdentities") or {}).items():
        if isinstance(entry, dict):
            entry.setdefault("principalId", str(uuid.uuid5(uuid.NAMESPACE_URL, f"principal:{resource_id.lower()}")))
            entry.setdefault("clientId", str(uuid.uuid5(uuid.NAMESPACE_URL, f"client:{resource_id.lower()}")))
    return identity
