"""Deploying an open model fine-tuned in a hub project: a serverless endpoint in that project, or, for a
managed-compute fine-tune, a managed online endpoint on the stack's own VMs. Idempotent, like `deploy`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ftops.errors import AzureRefusedError, UserError
from ftops.jobs.ledger import Ledger
from ftops.jobs.refs import JobRef
from ftops.stack.naming import resource_name, short_hash
from ftops.stack.outputs import HubProjectOutput, StackOutputs


def deploy_hub_job(
    ref: JobRef, outputs: StackOutputs, name: str | None, *, on_step: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Create (or find) the endpoint serving the job's fine-tuned model, wait until it serves; the result."""
    from ftops.azure.ml import AzureML
    from ftops.jobs.clients import poll_seconds
    from ftops.jobs.launch_hub import job_view

    say = on_step or (lambda text: None)
    workspace, launch = ref.where, ref.launch
    project = next((p for p in (outputs.hub.projects if outputs.hub else []) if p.id == workspace), None)
    if project is None:
        raise UserError(f"the job's hub project {workspace} is not part of the stack", hint="pass the right --stack")
    with AzureML() as ml:
        found = ml.job(workspace, ref.job_id)
        if found is None:
            raise UserError(f"job {ref.job_id} not found in hub project {project.name}")
        view = job_view(found)
        if view["status"] != "succeeded" or not view["fine_tuned_model"]:
            raise UserError(
                f"job {ref.job_id} is {view['status']}; only a succeeded job has a model to deploy",
                hint="start a fresh run: the same `ftops launch` with --new"
                if view["status"] in ("failed", "cancelled", "canceled")
                else f"wait for it with `ftops jobs wait {ref.job_id}`, then deploy",
            )
        model_id = view["fine_tuned_model"]
        endpoint_name = name or resource_name("deployment", "ft", short_hash(ref.job_id, length=10))
        if launch is not None and launch.kind == "managed":
            result = _deploy_online(ml, outputs, project, launch.model, model_id, endpoint_name, say)
        else:
            existing = ml.serverless_endpoint(workspace, endpoint_name)
            if existing is None:
                say(f"creating serverless endpoint {endpoint_name} in {project.name}")
                poller = ml.begin_serverless_endpoint(workspace, endpoint_name, project.location, model_id)
                endpoint = poller.result(poll_seconds=poll_seconds(5.0))
            else:
                serving = ((existing.get("properties") or {}).get("modelSettings") or {}).get("modelId")
                if serving != model_id:
                    raise UserError(
                        f"serverless endpoint '{endpoint_name}' already serves {serving}", hint="choose another --name"
                    )
                endpoint = existing
            properties = endpoint.get("properties") or {}
            result = {
                "deployment": endpoint_name,
                "created": existing is None,
                "model": model_id,
                "project": project.name,
                "location": project.location,
                "endpoint": (properties.get("inferenceEndpoint") or {}).get("uri"),
                "provisioning_state": properties.get("provisioningState"),
                "note": "serverless endpoints bill per token; fine-tuned models may also bill hosting per hour",
            }
    if launch is not None:
        with Ledger() as ledger:
            ledger.update(launch.key, deployment=endpoint_name, fine_tuned_model=model_id)
    return result


def _deploy_online(
    ml: Any,
    outputs: StackOutputs,
    project: HubProjectOutput,
    model: str,
    model_id: str,
    name: str,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """A managed-compute fine-tune is hosted on your VMs: a managed online endpoint with one deployment."""
    from ftops.azure.arm import ArmClient
    from ftops.catalog import load_catalog
    from ftops.jobs.clients import poll_seconds

    catalog = load_catalog()
    sizes = catalog.recommended_sizes.get(model, {}).get("inference") or (
        (outputs.hub.compute.vm_size,) if outputs.hub and outputs.hub.compute else ()
    )
    if not sizes:
        raise UserError(f"no inference VM size is known for {model}", hint="add one to managed_compute_sizes")
    size = catalog.vm_size(sizes[0])
    with ArmClient(outputs.subscription_id) as arm:
        usage = next(
            (u for u in arm.ml_usages(project.location) if (u.get("name") or {}).get("value") == size.family), None
        )
    free = int(usage.get("limit") or 0) - int(usage.get("currentValue") or 0) if usage else 0
    created = ml.online_endpoint(project.id, name) is None
    if created and free < size.vcpus:
        raise AzureRefusedError(
            f"no VM quota to host {model}: {size.family} in {project.location} has {max(free, 0)} vCPUs free, "
            f"one {size.name} needs {size.vcpus}",
            hint="raise managed_compute.inference_vcpus in the stack and run `pulumi up`, or see `ftops quota`",
            code="QuotaShort",
        )
    every = poll_seconds(5.0)
    if created:
        say(f"creating managed online endpoint {name} in {project.name}")
        ml.begin_online_endpoint(project.id, name, project.location).result(poll_seconds=every)
    deployment = ml.begin_online_deployment(project.id, name, "default", project.location, model_id, size.name)
    served = deployment.result(poll_seconds=every) or {}
    return {
        "deployment": name,
        "created": created,
        "model": model_id,
        "project": project.name,
        "location": project.location,
        "instance_type": size.name,
        "provisioning_state": (served.get("properties") or {}).get("provisioningState"),
        "note": "a managed online endpoint bills VM hours while it exists; delete it when unused",
    }
