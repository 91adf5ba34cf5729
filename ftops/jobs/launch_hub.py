"""Launch an open-model fine-tune in a hub project (serverless, or on the stack's managed compute), exactly once.

The same ledger as OpenAI launches: data goes to the project's datastore under a content-addressed path
and is registered as a data asset named after its hash (found again on a rerun); the AzureML job is
created by a PUT of a name derived from the launch key, so a rerun after a lost response gets the same
job back instead of a second one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftops.azure.arm import ArmClient
from ftops.azure.ml import AzureML
from ftops.azure.models import MlJob
from ftops.catalog import Catalog, Model
from ftops.errors import AzureFailureError, AzureRefusedError, NotAvailableError
from ftops.jobs.launch import LaunchOutcome, LaunchRequest, StepReporter, uploads_key
from ftops.jobs.ledger import Launch, Ledger
from ftops.stack.naming import marketplace_subscription_name
from ftops.stack.outputs import StackOutputs
from ftops.stack.placement import Target

# AzureML job states, in the words the rest of ftops uses for jobs.
STATUS = {
    "Created": "queued",
    "Scheduled": "queued",
    "NotStarted": "queued",
    "Queued": "queued",
    "Preparing": "queued",
    "Starting": "queued",
    "Provisioning": "queued",
    "Running": "running",
    "Finalizing": "running",
    "CancelRequested": "running",
    "Completed": "succeeded",
    "Failed": "failed",
    "Canceled": "cancelled",
    "NotResponding": "failed",
}
HYPERPARAMETERS = {
    "n_epochs": "num_train_epochs",
    "batch_size": "per_device_train_batch_size",
    "learning_rate_multiplier": "learning_rate_multiplier",
}
OUTPUT = "mlflow_model_folder"


def job_name(launch: Launch) -> str:
    return f"ftops-{launch.key}"


def data_asset_name(sha256: str) -> str:
    return f"ftops-{sha256[:16]}"


class HubLauncher:
    """Carries a planned launch through marketplace/quota checks, data upload and job creation."""

    def __init__(
        self,
        ml: AzureML,
        arm: ArmClient,
        ledger: Ledger,
        catalog: Catalog,
        outputs: StackOutputs,
        *,
        on_step: StepReporter | None = None,
    ) -> None:
        self.ml, self.arm, self.ledger, self.catalog, self.outputs = ml, arm, ledger, catalog, outputs
        self.on_step = on_step or (lambda step, detail: None)

    def run(self, launch: Launch, request: LaunchRequest, target: Target, outcome: LaunchOutcome) -> LaunchOutcome:
        model = target.model or self.catalog.model(launch.model)
        workspace = target.resource_id
        if launch.job_id and (found := self.ml.job(workspace, launch.job_id)):
            outcome.job = job_view(found)
            return outcome
        if target.kind == "managed":
            self._check_quota(target)  # your own VMs: no marketplace subscription, but VM quota
        else:
            self._check_marketplace(model, target)
        train = self._ensure_data(launch, "train_file_id", request.train, launch.train_sha256, workspace, outcome)
        validation = None
        if request.validation is not None and launch.validation_sha256:
            validation = self._ensure_data(
                launch, "validation_file_id", request.validation, launch.validation_sha256, workspace, outcome
            )
        launch = self.ledger.update(launch.key, state="creating")
        name = job_name(launch)
        existed = self.ml.job(workspace, name)
        self.on_step("create", f"creating AzureML fine-tuning job {name} in hub project {target.name}")
        created = existed or self.ml.put_job(
            workspace, name, self._job_properties(model, request, target, train, validation)
        )
        outcome.recovered_job = existed is not None
        outcome.job = job_view(created)
        outcome.launch = self.ledger.update(launch.key, state="created", job_id=name, job_status=outcome.job["status"])
        return outcome

    # ---- checks that would otherwise fail after the upload
    def _check_marketplace(self, model: Model, target: Target) -> None:
        if not model.needs_marketplace:
            return
        project = next(p for p in self.outputs.hub.projects if p.id == target.resource_id)  # type: ignore[union-attr]
        subscribed = model.name in project.marketplace_subscriptions
        if subscribed and self._subscription_ready(target.resource_id, model):
            return
        where = (
            "is declared in the stack but missing in Azure: run `pulumi up`"
            if subscribed
            else (
                f"add '{model.name}' to hub.projects[].marketplace_subscriptions of project {project.name} in the "
                "stack file and run `pulumi up`"
            )
        )
        raise NotAvailableError(
            f"{model.name} needs an Azure Marketplace subscription in hub project {project.name}",
            hint=f"the subscription {where}",
        )

    def _subscription_ready(self, workspace: str, model: Model) -> bool:
        """The stack's subscription exists in Azure, for this model, and finished provisioning."""
        found = self.ml.marketplace_subscription(workspace, marketplace_subscription_name(model.name))
        properties = (found or {}).get("properties") or {}
        model_id = str(properties.get("modelId") or "").split("/versions/")[0]
        state = str(properties.get("provisioningState") or "Succeeded")
        return model_id == self.catalog.registry_model_id(model) and state == "Succeeded"

    def _check_quota(self, target: Target) -> None:
        compute = self.outputs.hub.compute if self.outputs.hub else None
        assert compute is not None  # a managed target exists only when the stack has a cluster (placement)
        size = self.catalog.vm_size(compute.vm_size)
        usage = next(
            (u for u in self.arm.ml_usages(target.location) if (u.get("name") or {}).get("value") == size.family), None
        )
        free = int(usage.get("limit") or 0) - int(usage.get("currentValue") or 0) if usage else 0
        if free < size.vcpus:
            raise AzureRefusedError(
                f"no VM quota for managed compute: {size.family} in {target.location} has {max(free, 0)} vCPUs free, "
                f"one {size.name} node needs {size.vcpus}",
                hint="see `ftops quota --region " + target.location + "`; raise managed_compute.training_vcpus in the "
                "stack and run `pulumi up` (it requests the quota), or request it in the portal",
                code="QuotaShort",
            )

    # ---- data
    def _ensure_data(
        self, launch: Launch, column: str, path: Path, sha256: str, workspace: str, outcome: LaunchOutcome
    ) -> str:
        name = data_asset_name(sha256)
        uri = f"azureml:/{workspace}/data/{name}/versions/1"
        if self.ml.data_version(workspace, name, "1") is not None:
            outcome.reused_files.append(uri)
            self.on_step("upload", f"{path.name}: reusing data asset {name}")
        else:
            self.ledger.update(launch.key, state="uploading")
            store = self.ml.default_datastore(workspace).get("properties") or {}
            blob_path = f"ftops/{sha256[:16]}/{path.name}"
            self.on_step("upload", f"uploading {path.name} to the project's datastore")
            self.ml.upload_blob(store["accountName"], store["containerName"], blob_path, path, sha256=sha256)
            self.ml.register_data(
                workspace,
                name,
                "1",
                f"azureml://datastores/workspaceblobstore/paths/{blob_path}",
                description=f"ftops training data {path.name}",
            )
        self.ledger.record_upload(uploads_key(launch), sha256, uri, path.name)
        self.ledger.update(launch.key, **{column: uri})
        return uri

    def _job_properties(
        self, model: Model, request: LaunchRequest, target: Target, train: str, validation: str | None
    ) -> dict[str, Any]:
        details: dict[str, Any] = {
            "modelProvider": "Custom",
            "taskType": "ChatCompletion",
            "model": {"jobInputType": "mlflow_model", "uri": self.catalog.registry_model_id(model)},
            "trainingData": {"jobInputType": "uri_file", "uri": train},
        }
        if validation:
            details["validationData"] = {"jobInputType": "uri_file", "uri": validation}
        if request.hyperparameters:
            details["hyperParameters"] = {HYPERPARAMETERS.get(k, k): str(v) for k, v in request.hyperparameters.items()}
        properties: dict[str, Any] = {
            "jobType": "FineTuning",
            "experimentName": "ftops",
            "displayName": f"{model.name} {request.method}" + (f" {request.suffix}" if request.suffix else ""),
            "fineTuningDetails": details,
            "outputs": {OUTPUT: {"jobOutputType": "mlflow_model"}},
        }
        if target.kind == "managed" and self.outputs.hub and self.outputs.hub.compute:
            properties["computeId"] = self.outputs.hub.compute.id
        return properties


def job_view(job: dict[str, Any] | MlJob) -> dict[str, Any]:
    """An AzureML job in the shape `ftops jobs` shows for every job."""
    properties = job.get("properties") or {}
    status = STATUS.get(str(properties.get("status")), str(properties.get("status") or "unknown").lower())
    output = ((properties.get("outputs") or {}).get(OUTPUT) or {}).get("uri") if status == "succeeded" else None
    return {
        "id": job.get("name"),
        "status": status,
        "model": ((properties.get("fineTuningDetails") or {}).get("model") or {}).get("uri"),
        "fine_tuned_model": output,
        "error": properties.get("error"),
    }


def follow_hub_job(
    ml: AzureML,
    workspace: str,
    name: str,
    *,
    poll_seconds: float = 10.0,
    timeout: float = 721 * 3600.0,
    on_update: Callable[[dict[str, Any]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll an AzureML job until it completes, fails or is cancelled."""
    from ftops.azure.models import outcome_of
    from ftops.azure.poll import wait_until

    def fetch() -> dict[str, Any]:
        found = ml.job(workspace, name)
        if found is None:
            raise AzureFailureError(f"job {name} disappeared from {workspace}")
        view = job_view(found)
        if on_update:
            on_update(view)
        return view

    done = wait_until(  # the one poller (ftops.azure.poll)
        fetch,
        lambda view: outcome_of(view["status"]),
        what=f"job {name}",
        interval=poll_seconds,
        timeout=timeout,
        state=lambda view: view["status"],
        sleep=sleep,
    )
    return done.value
