"""Deploying an open model fine-tuned in a hub project: a serverless endpoint in that project."""

from __future__ import annotations

from typing import Any

from ftops.errors import UserError
from ftops.naming import resource_name, short_hash


def deploy_hub_job(where: Any, outputs: Any, name: str | None, *, as_json: bool) -> None:
    """Create (or find) the serverless endpoint serving the job's fine-tuned model, and wait until it serves."""
    from ftops.azure.ml import AzureML
    from ftops.cli import render
    from ftops.jobs.clients import poll_seconds
    from ftops.jobs.launch_hub import job_view
    from ftops.jobs.ledger import Ledger

    workspace = where.endpoint
    launch = where.launch
    if launch is not None and launch.kind == "managed":
        raise UserError(
            "deploying a managed-compute fine-tune needs a managed online endpoint, which ftops does not create yet",
            hint="deploy the registered model from the job's outputs with a managed online endpoint in the portal",
        )
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
