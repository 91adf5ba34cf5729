"""Emulated Azure Resource Manager: location models, usages, account deployments (LRO), ML usages, quotas.

Location models come from ftops' catalog (so the emulator agrees with it until a test says otherwise with
`set_location_models`). Deployment quota (TPM usages) goes down as deployments are created and comes back
when they are deleted; a create beyond it fails with Azure's InsufficientQuota. Deployments go
Creating -> Succeeded one read at a time, and a second create on the same account while one is Creating
gets 409 RequestConflict, as Azure does. Quota requests at or
under `auto_approve_vcpus` succeed; bigger ones end Failed with an escalation message.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from ftops.azure.settings import COGNITIVE_API_VERSION, QUOTA_API_VERSION
from ftops.emulator.dataplane import DataPlane
from ftops.emulator.http import Reply, Request, error
from ftops.errors import FtopsError

PAGE_SIZE = 5  # small on purpose, so every client follows nextLink
DEFAULT_TPM_LIMIT = 1000  # thousands of tokens per minute, per usage name and location, unless set
DEFAULT_ACCOUNT_LOCATION = "swedencentral"
SUB = r"/subscriptions/(?P<sub>[^/]+)"
CS = SUB + r"/providers/Microsoft\.CognitiveServices/locations/(?P<loc>[^/]+)"
ACCOUNT = SUB + r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.CognitiveServices/accounts/(?P<account>[^/]+)"
QUOTA_SCOPE = r"/(?P<scope>subscriptions/[^/]+/providers/Microsoft\.MachineLearningServices/locations/(?P<loc>[^/]+))"
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (m, re.compile(p + "$", re.IGNORECASE), name)
    for m, p, name in [
        ("GET", CS + "/models", "models"),
        ("GET", CS + "/usages", "cs_usages"),
        ("GET", CS + r"/operationResults/(?P<op>[^/]+)", "operation"),
        ("GET", ACCOUNT + "/deployments", "list_deployments"),
        ("GET", ACCOUNT + r"/deployments/(?P<name>[^/]+)", "get_deployment"),
        ("PUT", ACCOUNT + r"/deployments/(?P<name>[^/]+)", "put_deployment"),
        ("DELETE", ACCOUNT + r"/deployments/(?P<name>[^/]+)", "delete_deployment"),
        ("GET", SUB + r"/providers/Microsoft\.MachineLearningServices/locations/(?P<loc>[^/]+)/usages", "ml_usages"),
        ("GET", QUOTA_SCOPE + r"/providers/Microsoft\.Quota/quotas/(?P<name>[^/]+)", "get_quota"),
        ("PUT", QUOTA_SCOPE + r"/providers/Microsoft\.Quota/quotas/(?P<name>[^/]+)", "put_quota"),
        ("GET", QUOTA_SCOPE + r"/providers/Microsoft\.Quota/quotaRequests/(?P<id>[^/]+)", "get_quota_request"),
    ]
]

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


class ArmPlane:
    def __init__(self, dataplane: DataPlane) -> None:
        self.dataplane = dataplane
        self.lock = threading.RLock()
        self.auto_approve_vcpus = 96
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.deployments: dict[tuple[str, str, str], dict[str, dict]] = {}
            self.operations: dict[str, dict] = {}
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
        from ftops.catalog import load_catalog

        for region in sorted(load_catalog().azure_regions, key=len, reverse=True):
            if region in account:
                return region
        return DEFAULT_ACCOUNT_LOCATION

    def _used(self, location: str, *, skip: tuple[str, str] | None = None) -> Counter[str]:
        """TPM in use per usage name in a location, summed over the deployments of accounts there."""
        from ftops.capacity.usage import usage_name

        used: Counter[str] = Counter()
        for (_, _, account), deployments in self.deployments.items():
            if self.location_of(account) != location:
                continue
            for name, deployment in deployments.items():
                if skip == (account, name):
                    continue
                usage = usage_name(deployment["properties"]["model"]["name"], deployment["sku"]["name"])
                used[usage] += deployment["sku"].get("capacity", 1)
        return used

    def _limit(self, location: str, usage: str) -> int:
        return self.usage_limits.get((location, usage), DEFAULT_TPM_LIMIT)

    def _offered(self, location: str) -> dict[str, str]:
        """Usage names a location lists, with their display names: base-model quota for every Azure OpenAI
        model and base deployment type; fine-tuned hosting quota only where the model can be fine-tuned."""
        from ftops.capacity.usage import facts, usage_name
        from ftops.catalog import load_catalog

        catalog = load_catalog()
        overridden = self.location_models.get(location)
        if overridden is not None:
            tunable = {m["model"]["name"] for m in overridden if m["model"].get("capabilities", {}).get("fineTune")}
        else:
            tunable = {m.name for m, _ in catalog.trainable_in(location)}
        offered = {}
        for model in catalog.models:
            if not model.is_openai:
                continue
            for kind in facts().types.values():
                if kind.base:
                    offered[usage_name(model.name, kind.name, fine_tuned=False)] = f"{model.name} - {kind.name}"
                if kind.fine_tuned and model.name in tunable:
                    label = f"{model.name} - {kind.name} - Fine-tuned"
                    offered[usage_name(model.name, kind.name, fine_tuned=True)] = label
        return offered

    @staticmethod
    def model_entry(name: str, version: str | None, *, fine_tune: bool, training_types: tuple[str, ...] = ()) -> dict:
        """One ARM `Model` as Azure lists it; fine-tunable ones carry `capabilities.fineTune = "true"`."""
        capabilities = {"chatCompletion": "true"}
        model: dict[str, Any] = {
            "format": "OpenAI",
            "name": name,
            "version": version or "1",
            "capabilities": capabilities,
        }
        if fine_tune:
            capabilities["fineTune"] = "true"
            model["finetuneCapabilities"] = {t: "true" for t in training_types}
        from ftops.capacity.usage import usage_name

        model["skus"] = [{"name": "Standard", "usageName": usage_name(name, "Standard", fine_tuned=False)}]
        model["lifecycleStatus"] = "GenerallyAvailable"
        return {"kind": "OpenAI", "skuName": "S0", "model": model}

    def _catalog_models(self, location: str) -> list[dict]:
        from ftops.catalog import load_catalog

        catalog = load_catalog()
        found = []
        for model, types in catalog.trainable_in(location):
            if model.is_openai:
                found.append(self.model_entry(model.name, model.version, fine_tune=True, training_types=types))
        # Something that cannot be fine-tuned, so clients must look at the capability, not the list.
        found.append(self.model_entry("text-embedding-3-small", "1", fine_tune=False))
        return found

    # ---- dispatch ----
    def handle(self, request: Request) -> Reply:
        for method, pattern, name in ROUTES:
            match = pattern.match(request.path)
            if match and method == request.method:
                with self.lock:
                    return getattr(self, "_" + name)(request, **match.groupdict())
        return error(404, "NotFound", f"the emulator does not serve {request.method} {request.path}")

    def _models(self, request: Request, sub: str, loc: str) -> Reply:
        loc = loc.lower()
        models = self.location_models.get(loc)
        if models is None:
            models = self._catalog_models(loc)
        start = int(request.query.get("$skipToken") or 0)
        page: dict[str, Any] = {"value": models[start : start + PAGE_SIZE]}
        if start + PAGE_SIZE < len(models):
            page["nextLink"] = (
                f"{request.base_url}{request.path}?api-version={COGNITIVE_API_VERSION}&$skipToken={start + PAGE_SIZE}"
            )
        return Reply(200, page)

    def _cs_usages(self, request: Request, sub: str, loc: str) -> Reply:
        loc = loc.lower()
        used = self._used(loc)
        usages = [
            {
                "name": {"value": name, "localizedValue": f"Tokens Per Minute (thousands) - {label}"},
                "currentValue": float(used[name]),
                "limit": float(self._limit(loc, name)),
                "unit": "Count",
            }
            for name, label in self._offered(loc).items()
        ]
        return Reply(200, {"value": usages})

    def _refuse_capacity(self, account: str, name: str, model: str, sku: dict) -> Reply | None:
        """Azure's refusals when a location does not offer the model with this SKU, or lacks the TPM."""
        from ftops.capacity.usage import usage_name

        location = self.location_of(account)
        sku_name = str(sku.get("name") or "Standard")
        try:
            usage = usage_name(model, sku_name)
        except FtopsError:
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

    # ---- deployments ----
    def _deployment_id(self, sub: str, rg: str, account: str, name: str) -> str:
        return (
            f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{account}"
            f"/deployments/{name}"
        )

    def _list_deployments(self, request: Request, sub: str, rg: str, account: str) -> Reply:
        for deployment in self.deployments.get((sub, rg, account), {}).values():
            self._advance_deployment(deployment)
        return Reply(200, {"value": list(self.deployments.get((sub, rg, account), {}).values())})

    def _get_deployment(self, request: Request, sub: str, rg: str, account: str, name: str) -> Reply:
        deployment = self.deployments.get((sub, rg, account), {}).get(name)
        if deployment is None:
            return error(404, "DeploymentNotFound", f"Deployment {name} not found on account {account}.")
        self._advance_deployment(deployment)
        return Reply(200, deployment)

    def _advance_deployment(self, deployment: dict) -> None:
        if deployment["properties"]["provisioningState"] == "Creating":
            deployment.setdefault("_reads", 0)
            deployment["_reads"] += 1
            if deployment["_reads"] >= 2:
                deployment["properties"]["provisioningState"] = "Succeeded"
                deployment.pop("_reads")

    def _put_deployment(self, request: Request, sub: str, rg: str, account: str, name: str) -> Reply:
        body = request.json or {}
        model = (body.get("properties") or {}).get("model") or {}
        if not model.get("name"):
            return error(400, "InvalidResourceProperties", "properties.model.name is required.")
        if ".ft-" in model["name"] and model["name"] not in self.dataplane.fine_tuned_models():
            return error(
                400, "DeploymentModelNotFound", f"The fine-tuned model {model['name']} was not found or is not ready."
            )
        existing = self.deployments.setdefault((sub, rg, account), {})
        for other in existing.values():
            self._advance_deployment(other)
        busy = [d["name"] for d in existing.values() if d["properties"]["provisioningState"] == "Creating"]
        if busy and name not in busy:
            return error(
                409,
                "RequestConflict",
                f"Another operation is being performed on the parent resource (deployment {busy[0]}).",
            )
        refusal = self._refuse_capacity(account, name, model["name"], body.get("sku") or {})
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
                "model": {k: v for k, v in model.items() if k in ("format", "name", "version", "source")},
                "provisioningState": "Succeeded" if updating else "Creating",
            },
        }
        existing[name] = deployment
        if updating:
            return Reply(200, deployment)
        op = uuid.uuid4().hex
        self.operations[op] = {"deployment": deployment, "reads": 0}
        monitor = (
            f"{request.base_url}/subscriptions/{sub}/providers/Microsoft.CognitiveServices/locations/emulator"
            f"/operationResults/{op}?api-version={COGNITIVE_API_VERSION}"
        )
        return Reply(201, deployment, headers={"Azure-AsyncOperation": monitor, "Retry-After": "1"})

    def _operation(self, request: Request, sub: str, loc: str, op: str) -> Reply:
        found = self.operations.get(op)
        if found is None:
            return error(404, "OperationNotFound", f"operation {op} not found")
        deployment = found["deployment"]
        self._advance_deployment(deployment)
        status = "Succeeded" if deployment["properties"]["provisioningState"] == "Succeeded" else "InProgress"
        return Reply(200, {"id": request.path, "name": op, "status": status, "startTime": _stamp()})

    def _delete_deployment(self, request: Request, sub: str, rg: str, account: str, name: str) -> Reply:
        existing = self.deployments.get((sub, rg, account), {})
        if existing.pop(name, None) is None:
            return Reply(204, None)
        return Reply(200, None)

    # ---- ML usages and Microsoft.Quota ----
    def _limits(self, scope: str) -> dict[str, list[int]]:
        key = scope.lower()
        for family, (used, limit) in DEFAULT_ML_QUOTA.items():
            self.quota.setdefault((key, family.lower()), [used, limit])
        return {family: self.quota[(key, family.lower())] for family in DEFAULT_ML_QUOTA}

    def _ml_usages(self, request: Request, sub: str, loc: str) -> Reply:
        scope = f"subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations/{loc}"
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

    def _quota_view(self, scope: str, name: str) -> dict | None:
        value = self._limits(scope).get(next((f for f in DEFAULT_ML_QUOTA if f.lower() == name.lower()), ""))
        if value is None:
            value = self.quota.get((scope.lower(), name.lower()))
        if value is None:
            return None
        return {
            "id": f"/{scope}/providers/Microsoft.Quota/quotas/{name}",
            "name": name,
            "type": "Microsoft.Quota/Quotas",
            "properties": {
                "limit": {"limitObjectType": "LimitValue", "value": value[1]},
                "name": {"value": name, "localizedValue": FAMILY_NAMES.get(name, name)},
                "unit": "Count",
            },
        }

    def _get_quota(self, request: Request, scope: str, loc: str, name: str) -> Reply:
        view = self._quota_view(scope, name)
        if view is None:
            return error(404, "ResourceNotFound", f"no quota named {name} at {scope}")
        return Reply(200, view)

    def _put_quota(self, request: Request, scope: str, loc: str, name: str) -> Reply:
        limit = (((request.json or {}).get("properties") or {}).get("limit") or {}).get("value")
        if not isinstance(limit, int) or limit < 0:
            return error(400, "InvalidQuotaRequest", "properties.limit.value must be a non-negative integer")
        if self._quota_view(scope, name) is None:
            return error(404, "ResourceNotFound", f"no quota named {name} at {scope}")
        request_id = uuid.uuid4().hex
        self.counters["quota_requests"] += 1
        self.quota_requests[request_id] = {"scope": scope, "name": name, "limit": limit, "reads": 0}
        location = (
            f"{request.base_url}/{scope}/providers/Microsoft.Quota/quotaRequests/{request_id}"
            f"?api-version={QUOTA_API_VERSION}"
        )
        return Reply(202, None, headers={"Location": location, "Retry-After": "1"})

    def _get_quota_request(self, request: Request, scope: str, loc: str, id: str) -> Reply:
        found = self.quota_requests.get(id)
        if found is None:
            return error(404, "ResourceNotFound", f"no quota request {id}")
        found["reads"] += 1
        properties: dict[str, Any] = {"provisioningState": "InProgress", "message": "Request is being processed."}
        if found["reads"] >= 2:
            used_limit = self.quota.setdefault((found["scope"].lower(), found["name"].lower()), [0, 0])
            if found["limit"] <= max(self.auto_approve_vcpus, used_limit[1]):
                used_limit[1] = found["limit"]
                properties = {"provisioningState": "Succeeded", "message": "Request processed."}
            else:
                properties = {
                    "provisioningState": "Failed",
                    "message": "The request needs escalation: open a support request for this quota.",
                    "error": {"code": "QuotaRequestEscalated", "message": "Quota increase needs a support request."},
                }
        return Reply(
            200,
            {
                "id": f"/{found['scope']}/providers/Microsoft.Quota/quotaRequests/{id}",
                "name": id,
                "type": "Microsoft.Quota/QuotaRequests",
                "properties": properties,
            },
        )
