"""Deploying an open model fine-tuned in a hub project: a serverless endpoint in that project."""

from __future__ import annotations

from typing import Any

from ftops.errors import UserError
from ftops.stack.naming import resource_name, short_hash


def deploy_hub_job(where: Any, outputs: Any, name: str | None, *, as_json: bool) -> None:
    """Create (or find) the serverless endpoint serving the job's fine-tuned model, and wait until it serves."""
    from ftops.azure.ml import AzureML
    from ftops.cli import render
    from ftops.jobs.clients import poll_seconds
    from ftops.jobs.launch_hub import job_view
    from ftops.jobs.ledger import Ledger

    workspace = where.endpoint
    launch = where.launch
    project = next((p for p in (outputs.hub.projects if outputs.hub else []) if p.id == workspace), None)
    if project is None:
        raise UserError(f"the job's hub project {workspace} is not part of the stack", hint="pass the right --stack")
    with AzureML() as ml:
        found = ml.job(workspace, where.job_id)
        if found is None:
            raise UserError(f"job {where.job_id} not found in hub project {project.name}")
        view = job_view(found)
        if view["status"] != "succeeded" or not view["fine_tuned_model"]:
            raise UserError(
                f"job {where.job_id} is {view['status']}; only a succeeded job has a model to deploy",
                hint=f"wait for it with `ftops jobs wait {where.job_id}`",
            )
        endpoint_name = name or resource_name("deployment", "ft", short_hash(where.job_id, length=10))
        if launch is not None and launch.kind == "managed":
            _deploy_online(ml, outputs, project, launch.model, view["fine_tuned_model"], endpoint_name, as_json=as_json)
            with Ledger() as ledger:
                ledger.update(launch.key, deployment=endpoint_name, fine_tuned_model=view["fine_tuned_model"])
            return
        existing = ml.serverless_endpoint(workspace, endpoint_name)
        if existing is None:
            poller = ml.begin_serverless_endpoint(workspace, endpoint_name, project.location, view["fine_tuned_model"])
            endpoint = poller.result(poll_seconds=poll_seconds(5.0))
        else:
            serving = ((existing.get("properties") or {}).get("modelSettings") or {}).get("modelId")
            if serving != view["fine_tuned_model"]:
                raise UserError(
                    f"serverless endpoint '{endpoint_name}' already serves {serving}", hint="choose another --name"
                )
            endpoint = existing
    if launch is not None:
        with Ledger() as ledger:
            ledger.update(launch.key, deployment=endpoint_name, fine_tuned_model=view["fine_tuned_model"])
    properties = endpoint.get("properties") or {}
    result = {
        "deployment": endpoint_name,
        "created": existing is None,
        "model": view["fine_tuned_model"],
        "project": project.name,
        "location": project.location,
        "endpoint": (properties.get("inferenceEndpoint") or {}).get("uri"),
        "provisioning_state": properties.get("provisioningState"),
        "note": "serverless endpoints bill per token; fine-tuned models may also bill hosting per hour",
    }
    if as_json:
        render.print_json(result)
        return
    verb = "deployed" if result["created"] else "already deployed"
    render.line(
        f"[green]✓[/] {verb}: serverless endpoint [bold]{endpoint_name}[/] in {project.name} serving {result['model']}"
    )
    render.line(f"  endpoint: {result['endpoint']}")


def _deploy_online(ml: Any, outputs: Any, project: Any, model: str, model_id: str, name: str, *, as_json: bool) -> None:
    """A managed-compute fine-tune is hosted on your VMs: a managed online endpoint with one deployment."""
    from ftops.azure.arm import ArmClient
    from ftops.catalog import load_catalog
    from ftops.cli import render
    from ftops.errors import AzureRefusedError
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
        ml.begin_online_endpoint(project.id, name, project.location).result(poll_seconds=every)
    deployment = ml.begin_online_deployment(project.id, name, "default", project.location, model_id, size.name)
    served = deployment.result(poll_seconds=every) or {}
    result = {
        "deployment": name,
        "created": created,
        "model": model_id,
        "project": project.name,
        "location": project.location,
        "instance_type": size.name,
        "provisioning_state": (served.get("properties") or {}).get("provisioningState"),
        "note": "a managed online endpoint bills VM hours while it exists; delete it when unused",
    }
    if as_json:
        render.print_json(result)
        return
    render.line(
        f"[green]✓[/] {'deployed' if created else 'already deployed'}: managed online endpoint "
        f"[bold]{name}[/] ({size.name}) in {project.name} serving {model_id}"
    )
