"""Emulated AzureML for hub projects: default datastore and blob uploads, data assets, FineTuning jobs,
marketplace subscriptions (endpoints: `mlendpoints`), on the same read-driven clock as the rest.

Requests are checked against `ml_contract.yaml` (shapes from Microsoft's spec examples); a mismatch is a
violation, like a break of the saved specs.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from typing import Any

from ftops.emulator.http import Reply, Request, error
from ftops.emulator.mlendpoints import EndpointRoutes, contract, read_provisioning

DEFAULT_LOCATION = "westus3"  # where the emulator's ML operation monitors live

WS = (
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.MachineLearningServices"
    r"/workspaces/(?P<ws>[^/]+)"
)
ML_LOCATION = r"/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.MachineLearningServices/locations/(?P<loc>[^/]+)"
ROUTES = [
    ("GET", WS + r"/datastores/workspaceblobstore", "datastore"),
    ("GET", WS + r"/data/(?P<name>[^/]+)/versions/(?P<version>[^/]+)", "get_data"),
    ("PUT", WS + r"/data/(?P<name>[^/]+)/versions/(?P<version>[^/]+)", "put_data"),
    ("GET", WS + r"/jobs", "list_jobs"),
    ("GET", WS + r"/jobs/(?P<name>[^/]+)", "get_job"),
    ("PUT", WS + r"/jobs/(?P<name>[^/]+)", "put_job"),
    ("POST", WS + r"/jobs/(?P<name>[^/]+)/cancel", "cancel_job"),
    ("GET", WS + r"/marketplaceSubscriptions/(?P<name>[^/]+)", "get_subscription"),
    ("PUT", WS + r"/marketplaceSubscriptions/(?P<name>[^/]+)", "put_subscription"),
    ("GET", WS + r"/onlineEndpoints/(?P<name>[^/]+)", "get_online"),
    ("PUT", WS + r"/onlineEndpoints/(?P<name>[^/]+)", "put_online"),
    ("GET", WS + r"/onlineEndpoints/(?P<endpoint>[^/]+)/deployments/(?P<name>[^/]+)", "get_online_deployment"),
    ("PUT", WS + r"/onlineEndpoints/(?P<endpoint>[^/]+)/deployments/(?P<name>[^/]+)", "put_online_deployment"),
    ("GET", WS + r"/serverlessEndpoints/(?P<name>[^/]+)", "get_endpoint"),
    ("PUT", WS + r"/serverlessEndpoints/(?P<name>[^/]+)", "put_endpoint"),
    ("GET", ML_LOCATION + r"/mfeOperationsStatus/(?P<op>[^/]+)", "operation_status"),
    ("GET", ML_LOCATION + r"/mfeOperationResults/(?P<op>[^/]+)", "operation_result"),
]
COMPILED = [(method, re.compile(pattern + "$"), name) for method, pattern, name in ROUTES]
# The operationId of each route in Microsoft's ML spec (mfe.json, 2025-12-01; not carried: too large), as
# azure-ai-ml's generated ARM client names them (`tests/emulator/test_routes.py` checks each against it).
# Operation monitors are no operation of any spec.
OPERATIONS: dict[str, str | None] = {
    "datastore": "Datastores_Get",
    "get_data": "DataVersions_Get",
    "put_data": "DataVersions_CreateOrUpdate",
    "list_jobs": "Jobs_List",
    "get_job": "Jobs_Get",
    "put_job": "Jobs_CreateOrUpdate",
    "cancel_job": "Jobs_Cancel",
    "get_subscription": "MarketplaceSubscriptions_Get",
    "put_subscription": "MarketplaceSubscriptions_CreateOrUpdate",
    "get_online": "OnlineEndpoints_Get",
    "put_online": "OnlineEndpoints_CreateOrUpdate",
    "get_online_deployment": "OnlineDeployments_Get",
    "put_online_deployment": "OnlineDeployments_CreateOrUpdate",
    "get_endpoint": "ServerlessEndpoints_Get",
    "put_endpoint": "ServerlessEndpoints_CreateOrUpdate",
    "operation_status": None,
    "operation_result": None,
}
JOB_STEPS = ("NotStarted", "Queued", "Running", "Completed")
JOB_TERMINAL = ("Completed", "Failed", "Canceled")
MONITOR_READS = 2  # reads of an operation monitor until it ends


class MlPlane(EndpointRoutes):
    """AzureML state of the emulator and its request handlers (endpoints in `EndpointRoutes`)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.blobs: dict[tuple[str, str], bytes] = {}
            self.staged: dict[tuple[str, str], dict[str, bytes]] = {}  # uncommitted blocks per blob
            self.data: dict[tuple[str, str, str], dict] = {}
            self.jobs: dict[tuple[str, str], dict] = {}
            self.subscriptions: dict[tuple[str, str], dict] = {}
            self.endpoints: dict[tuple[str, str], dict] = {}
            self.online: dict[tuple[str, ...], dict] = {}
            self.operations: dict[str, dict] = {}
            self.counters: Counter[str] = Counter()

    # ---- test hooks
    def subscribe(self, workspace: str, name: str, model_id: str) -> None:
        """A provisioned marketplace subscription `name` for `model_id` in a workspace, as `pulumi up` makes it."""
        with self.lock:
            self.subscriptions[(workspace, name)] = {
                "name": name,
                "properties": {"modelId": model_id, "provisioningState": "Succeeded"},
            }

    def subscribed(self, workspace: str, model_uri: str) -> bool:
        """Whether a provisioned subscription in the workspace covers the model (any version of it)."""
        base = model_uri.split("/versions/")[0]
        return any(
            key[0] == workspace
            and found["properties"].get("modelId", "").split("/versions/")[0] == base
            and found["properties"].get("provisioningState") == "Succeeded"
            for key, found in self.subscriptions.items()
        )

    # ---- dispatch
    @staticmethod
    def owns(request: Request) -> bool:
        if request.account != "default" and not request.path.startswith("/openai/"):
            return True  # a blob on a storage account
        return any(p.match(request.path) and m == request.method for m, p, _ in COMPILED)

    def handle(self, request: Request, violation: Any) -> Reply:
        with self.lock:
            if request.account != "default":
                return self._blob(request)
            for method, pattern, name in COMPILED:
                match = pattern.match(request.path)
                if match and method == request.method:
                    if request.query.get("api-version") != contract()["api_version"]:
                        violation(f"{request.method} {request.path}: api-version {request.query.get('api-version')!r}")
                    return getattr(self, "_" + name)(request, violation, **match.groupdict())
        return error(404, "NotFound", f"no AzureML route {request.method} {request.path}")

    # ---- storage
    def _blob(self, request: Request) -> Reply:
        """Put Blob, Put Block and Put Block List of the Blob service, Entra ID only (shared keys are off)."""
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return error(403, "AuthorizationFailure", "shared-key access is disabled: use Entra ID")
        comp = request.query.get("comp")
        if request.method != "PUT" or not request.headers.get("x-ms-version"):
            return error(400, "InvalidHeaderValue", "only PUT with x-ms-version is emulated")
        key = (request.account, request.path)
        if comp == "block":
            block = request.query.get("blockid", "")
            if not block:
                return error(400, "InvalidQueryParameterValue", "blockid is required")
            self.staged.setdefault(key, {})[block] = request.body
            return Reply(201, None)
        if comp == "blocklist":
            ids = re.findall(r"<(?:Latest|Uncommitted)>([^<]+)</", request.body.decode("utf-8", "replace"))
            staged = self.staged.get(key, {})
            if not ids or any(block not in staged for block in ids):
                return error(400, "InvalidBlockList", "the block list names a block that was not uploaded")
            self.blobs[key] = b"".join(staged[block] for block in ids)
            del self.staged[key]
        elif request.headers.get("x-ms-blob-type") == "BlockBlob":
            self.blobs[key] = request.body
        else:
            return error(400, "InvalidHeaderValue", "x-ms-blob-type: BlockBlob is required")
        self.counters[f"blob_uploads:{request.account}"] += 1
        return Reply(201, None)

    def _datastore(self, request: Request, violation: Any, sub: str, rg: str, ws: str) -> Reply:
        return Reply(
            200,
            {
                "id": request.path,
                "name": "workspaceblobstore",
                "properties": {
                    "datastoreType": "AzureBlob",
                    "accountName": f"st{ws.replace('-', '')[:20]}",
                    "containerName": f"azureml-blobstore-{ws}",
                    "credentials": {"credentialsType": "None"},
                },
            },
        )

    # ---- data assets
    def _get_data(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str, version: str) -> Reply:
        found = self.data.get((ws, name, version))
        return Reply(200, found) if found else error(404, "UserError", f"data {name}:{version} not found")

    def _put_data(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str, version: str) -> Reply:
        rules = contract()["data_version"]
        properties = (request.json or {}).get("properties") or {}
        extra = set(properties) - set(rules["properties"])
        if extra or properties.get("dataType") not in rules["dataType"] or not properties.get("dataUri"):
            violation(f"PUT data {name}: properties {sorted(properties)} break the data version contract")
            return error(400, "UserError", "dataType and dataUri are required")
        self.counters[f"data_registrations:{ws}"] += 1
        self.data[(ws, name, version)] = {"id": request.path, "name": version, "properties": properties}
        return Reply(201, self.data[(ws, name, version)])

    # ---- jobs
    def _check_job(self, properties: dict, violation: Any) -> str | None:
        rules = contract()["job"]
        details = properties.get("fineTuningDetails") or {}
        problems = [f"unknown job property {k}" for k in set(properties) - set(rules["properties"])]
        problems += [f"unknown fineTuningDetails key {k}" for k in set(details) - set(rules["fine_tuning_details"])]
        if properties.get("jobType") not in rules["jobType"]:
            problems.append(f"jobType {properties.get('jobType')!r}")
        if details.get("modelProvider") not in rules["modelProvider"]:
            problems.append(f"modelProvider {details.get('modelProvider')!r}")
        if details.get("taskType") not in rules["taskType"]:
            problems.append(f"taskType {details.get('taskType')!r}")
        if (details.get("model") or {}).get("jobInputType") not in rules["model_input_types"]:
            problems.append("model.jobInputType")
        for key in ("trainingData", "validationData"):
            if key in details and details[key].get("jobInputType") not in rules["data_input_types"]:
                problems.append(f"{key}.jobInputType")
        if not properties.get("outputs"):
            problems.append("outputs are required")
        if problems:
            violation("PUT job: " + "; ".join(problems))
            return "; ".join(problems)
        return None

    def _put_job(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str) -> Reply:
        if (ws, name) in self.jobs:  # PUT of an existing job name returns it: creation is idempotent by name
            return Reply(200, self._view(ws, name))
        properties = (request.json or {}).get("properties") or {}
        if problem := self._check_job(properties, violation):
            return error(400, "UserError", problem)
        training = ((properties.get("fineTuningDetails") or {}).get("trainingData") or {}).get("uri", "")
        data_name = training.split("/data/")[-1].split("/versions/")[0] if "/data/" in training else None
        if data_name and not any(k[0] == ws and k[1] == data_name for k in self.data):
            return error(400, "UserError", f"training data {training} not found in workspace {ws}")
        self.counters[f"job_creations:{ws}"] += 1
        self.jobs[(ws, name)] = {"id": request.path, "properties": dict(properties), "step": 0, "error": None}
        return Reply(201, self._view(ws, name))

    def _get_job(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str) -> Reply:
        job = self.jobs.get((ws, name))
        if job is None:
            return error(404, "UserError", f"job {name} not found")
        self._advance(ws, name, job)
        return Reply(200, self._view(ws, name))

    def _advance(self, ws: str, name: str, job: dict) -> None:
        if job["step"] >= len(JOB_STEPS) - 1 or job.get("cancelled") or job["error"]:
            return
        model = (job["properties"]["fineTuningDetails"].get("model") or {}).get("uri", "")
        registry = model.split("registries/")[-1].split("/")[0] if "registries/" in model else ""
        base = model.split("/models/")[-1].split("/")[0] if "/models/" in model else ""
        serverless = "computeId" not in job["properties"]  # on your own compute no subscription is needed
        # Microsoft's own registry needs no subscription; third-party publishers' registries do.
        if job["step"] == 1 and serverless and registry not in ("azureml", "") and not self.subscribed(ws, model):
            job["error"] = {
                "code": "MarketplaceSubscriptionMissing",
                "message": f"The workspace has no Azure Marketplace subscription for {base}.",
            }
            return
        job["step"] += 1

    def _view(self, ws: str, name: str) -> dict:
        job = self.jobs[(ws, name)]
        status = "Canceled" if job.get("cancelled") else "Failed" if job["error"] else JOB_STEPS[job["step"]]
        properties = dict(job["properties"], status=status)
        if status == "Completed":
            properties["outputs"] = {
                key: {**value, "uri": f"azureml://registries/{ws}/models/{name}-{key}/versions/1"}
                for key, value in job["properties"]["outputs"].items()
            }
        if job["error"]:
            properties["error"] = job["error"]
        return {
            "id": job["id"],
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/jobs",
            "properties": properties,
        }

    def _list_jobs(self, request: Request, violation: Any, sub: str, rg: str, ws: str) -> Reply:
        names = [name for (w, name) in reversed(list(self.jobs)) if w == ws]  # newest first
        top = int(request.query.get("$top") or 100)
        skip = int(request.query.get("$skip") or 0)
        page = {"value": [self._view(ws, name) for name in names[skip : skip + top]]}
        if skip + top < len(names):
            version = request.query.get("api-version")
            page["nextLink"] = f"{request.base_url}{request.path}?api-version={version}&$top={top}&$skip={skip + top}"
        return Reply(200, page)

    def _cancel_job(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str) -> Reply:
        """Jobs_Cancel: 202 with Location and Retry-After (as azure-ai-ml's client reads it); a job that has
        already ended cannot be canceled."""
        job = self.jobs.get((ws, name))
        if job is None:
            return error(404, "UserError", f"job {name} not found")
        status = self._view(ws, name)["properties"]["status"]
        if status in JOB_TERMINAL and status != "Canceled":
            return error(400, "UserError", f"Job {name} is in terminal state {status} and cannot be canceled.")
        job["cancelled"] = True
        op = self._start(None)
        where = self._monitor_url(request, sub, "mfeOperationResults", op)
        return Reply(202, None, headers={"Location": where, "Retry-After": "1"})

    # ---- long-running operations (Azure-AsyncOperation for PUTs, Location for cancel)
    def _start(self, resource: dict | None) -> str:
        op = uuid.uuid4().hex
        self.operations[op] = {"resource": resource, "reads": 0}
        return op

    @staticmethod
    def _monitor_url(request: Request, sub: str, kind: str, op: str) -> str:
        base = f"{request.base_url}/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations"
        return f"{base}/{DEFAULT_LOCATION}/{kind}/{op}?api-version={request.query.get('api-version')}"

    def accepted(self, request: Request, sub: str, resource: dict, created: bool) -> Reply:
        """A PUT's answer as Microsoft's ML specs define it: 201 with Azure-AsyncOperation (the resource is
        Creating until the operation ends), or 200 with the resource when it already existed."""
        if not created:
            return Reply(200, read_provisioning(resource))
        op = self._start(resource)
        headers = {
            "Azure-AsyncOperation": self._monitor_url(request, sub, "mfeOperationsStatus", op),
            "x-ms-async-operation-timeout": "PT1H",
            "Retry-After": "1",
        }
        return Reply(201, {k: v for k, v in resource.items() if k != "reads"}, headers=headers)

    def _operation_status(self, request: Request, violation: Any, sub: str, loc: str, op: str) -> Reply:
        found = self.operations.get(op)
        if found is None:
            return error(404, "NotFound", f"no operation {op}")
        found["reads"] += 1
        done = found["reads"] >= MONITOR_READS
        if done and found["resource"] is not None:
            found["resource"]["properties"]["provisioningState"] = "Succeeded"
        body = {"id": request.path, "name": op, "status": "Succeeded" if done else "InProgress"}
        return Reply(200, body, headers={} if done else {"Retry-After": "1"})

    def _operation_result(self, request: Request, violation: Any, sub: str, loc: str, op: str) -> Reply:
        found = self.operations.get(op)
        if found is None:
            return error(404, "NotFound", f"no operation {op}")
        found["reads"] += 1
        if found["reads"] < MONITOR_READS:
            return Reply(
                202,
                None,
                headers={"Location": self._monitor_url(request, sub, "mfeOperationResults", op), "Retry-After": "1"},
            )
        return Reply(204, None)

    # ---- marketplace subscriptions
    def _get_subscription(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str) -> Reply:
        found = self.subscriptions.get((ws, name))
        if found is None:
            return error(404, "NotFound", f"no marketplace subscription {name}")
        return Reply(200, read_provisioning(found))

    def _put_subscription(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str) -> Reply:
        rules = contract()["marketplace_subscription"]
        body = request.json or {}
        properties = body.get("properties") or {}
        if (
            set(body) - set(rules["top"])
            or set(properties) - set(rules["properties"])
            or not all(properties.get(key) for key in rules["required"])
        ):
            violation(f"PUT marketplace subscription {name}: body breaks the contract")
            return error(400, "UserError", "properties.modelId is required")
        if not str(properties["modelId"]).startswith("azureml://registries/"):  # a model asset id, not a name
            return error(400, "UserError", f"modelId {properties['modelId']!r} is not a registry model id")
        created = (ws, name) not in self.subscriptions
        if created:
            self.counters[f"subscription_creations:{ws}"] += 1
            self.subscriptions[(ws, name)] = {
                "id": request.path,
                "name": name,
                "type": "Microsoft.MachineLearningServices/workspaces/marketplaceSubscriptions",
                "properties": {"modelId": properties["modelId"], "provisioningState": "Creating"},
            }
        return self.accepted(request, sub, self.subscriptions[(ws, name)], created)
