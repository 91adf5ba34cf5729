"""Deploy a fine-tuned model on the account that trained it, idempotently, and wait until it serves.

Deployments on one account must be created one after another (Azure answers parallel creates
with 409), so creates on an account hold a per-account lock file, and a 409 from another client
is waited out a bounded number of times.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftops.azure.arm import ArmClient
from ftops.azure.errors import AzureConflictError
from ftops.errors import AzureRefusedError, UserError
from ftops.jobs.refs import JobDoc, JobRef
from ftops.stack.naming import resource_name, short_hash
from ftops.stack.outputs import RegionOutput, StackOutputs

CONFLICT_RETRIES = 6
CONFLICT_WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class DeployRequest:
    job: JobDoc
    name: str | None = None
    sku: str = "Standard"
    capacity: int = 1
    asked: frozenset[str] = frozenset()  # which of sku/capacity the user gave: only those change a deployment


def region_for_endpoint(outputs: StackOutputs, endpoint: str) -> RegionOutput:
    """The stack's account behind a data-plane endpoint (where the job ran)."""
    wanted = endpoint.rstrip("/")
    for region in outputs.regions:
        if region.endpoint.rstrip("/") == wanted:
            return region
    raise UserError(
        f"the account {endpoint} is not part of stack {outputs.environment}",
        hint="pass the --stack (or --outputs) the job was launched on",
    )


def default_deployment_name(job: JobDoc) -> str:
    """A stable name per job, valid for Azure: the base model plus a hash of the job id."""
    base = str(job.get("model") or "model").split(".ft-")[0]
    return resource_name("deployment", base, "ft", short_hash(str(job.get("id")), length=8))


def fine_tuned_model(job: JobDoc) -> str:
    status = job.get("status")
    model = job.get("fine_tuned_model")
    if status != "succeeded" or not model:
        ended = status in ("failed", "cancelled")  # a job that ended without a model never gets one
        raise UserError(
            f"job {job.get('id')} is {status}; only a succeeded job has a model to deploy",
            hint="start a fresh run: the same `ftops launch` with --new"
            if ended
            else f"wait for it with `ftops jobs wait {job.get('id')}`, then deploy",
        )
    return str(model)


@contextmanager
def account_lock(state_dir: Path, account_id: str) -> Iterator[None]:
    """Serialize deployment creates on one account across ftops processes on this machine."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / f"deploy-{short_hash(account_id, length=16)}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def deploy(
    arm: ArmClient,
    outputs: StackOutputs,
    region: RegionOutput,
    request: DeployRequest,
    *,
    state_dir: Path,
    poll_seconds: float = 5.0,
    on_step: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[dict[str, Any], bool]:
    """Create (or find) the deployment and wait until it serves. Returns (deployment, created_now)."""
    say = on_step or (lambda text: None)
    model = fine_tuned_model(request.job)
    name = request.name or default_deployment_name(request.job)
    group, account = outputs.resource_group, region.account_name
    with account_lock(state_dir, region.account_id):
        existing = arm.deployments.get(group, account, name)
        if existing is not None:
            serving = ((existing.get("properties") or {}).get("model") or {}).get("name")
            if serving != model:
                raise UserError(
                    f"deployment '{name}' on {account} already serves {serving}",
                    hint="choose another --name, or delete it with `ftops deployments delete`",
                )
            if changes := _changes(existing, request):
                return _update(arm, group, account, name, existing, request, changes, say, poll_seconds), True
            say(f"deployment {name} already exists; waiting until it serves")
            return _wait_existing(arm, group, account, name, poll_seconds, sleep), False
        from ftops.jobs.deploy_variants import check_deployment

        # The deployment type must serve this fine-tuned model here, and open models carry their provider's format.
        checked = check_deployment(str(request.job.get("model") or model), request.sku, region.location)
        _preflight(arm, outputs, region, model, request, name)
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                say(f"creating deployment {name} of {model} ({request.sku} x{request.capacity}) on {account}")
                poller = arm.deployments.begin_create(
                    group,
                    account,
                    name,
                    model=model,
                    version="1",
                    model_format=checked.format,
                    sku=checked.sku,
                    capacity=request.capacity,
                )
                return poller.result(poll_seconds=poll_seconds), True
            except AzureConflictError:
                if attempt == CONFLICT_RETRIES:
                    raise
                say(f"another deployment is in progress on {account}; waiting {CONFLICT_WAIT_SECONDS:.0f}s")
                sleep(CONFLICT_WAIT_SECONDS)
    raise AssertionError("unreachable")


def _changes(existing: Any, request: DeployRequest) -> list[str]:
    """What the user asked for that the existing deployment does not have ("sku Standard -> GlobalStandard")."""
    sku = existing.get("sku") or {}
    changes = []
    if "sku" in request.asked and str(sku.get("name") or "").lower() != request.sku.lower():
        changes.append(f"sku {sku.get('name')} -> {request.sku}")
    if "capacity" in request.asked and sku.get("capacity") != request.capacity:
        changes.append(f"capacity {sku.get('capacity')} -> {request.capacity}")
    return changes


def _update(
    arm: ArmClient,
    group: str,
    account: str,
    name: str,
    existing: Any,
    request: DeployRequest,
    changes: list[str],
    say: Callable[[str], None],
    poll_seconds: float,
) -> dict[str, Any]:
    """PUT the same deployment with the asked SKU and capacity: ARM updates it in place (never "already deployed")."""
    model = (existing.get("properties") or {}).get("model") or {}
    sku = existing.get("sku") or {}
    say(f"updating deployment {name} on {account}: {', '.join(changes)}")
    poller = arm.deployments.begin_create(
        group,
        account,
        name,
        model=str(model.get("name")),
        version=str(model.get("version") or "1"),
        model_format=str(model.get("format") or "OpenAI"),
        sku=request.sku if "sku" in request.asked else str(sku.get("name") or request.sku),
        capacity=request.capacity if "capacity" in request.asked else int(sku.get("capacity") or request.capacity),
    )
    return dict(poller.result(poll_seconds=poll_seconds))


def _preflight(
    arm: ArmClient, outputs: StackOutputs, region: RegionOutput, model: str, request: DeployRequest, name: str
) -> None:
    """Refuse before creating anything when the region lacks the deployment quota, saying what would fit."""
    from ftops.capacity.preflight import Want, refuse, shortfalls
    from ftops.capacity.usage import base_model_name

    base = base_model_name(str(request.job.get("model") or model))  # the job names the base model
    want = Want(region.location, model, request.sku, request.capacity, f"deployment {name}", base=base)
    found = shortfalls(arm, [want], preferred=[r.location for r in outputs.regions])
    if found:
        raise refuse(found, what=f"cannot deploy {name} on {region.account_name}")


def _wait_existing(
    arm: ArmClient, group: str, account: str, name: str, poll_seconds: float, sleep: Callable[[float], None]
) -> dict[str, Any]:
    from ftops.azure.models import Outcome, outcome_of
    from ftops.azure.poll import PollTimeoutError, wait_until

    def state(found: Any) -> str:
        return str((found.get("properties") or {}).get("provisioningState") or "") if found else ""

    last = [""]
    try:
        done = wait_until(  # the one poller (ftops.azure.poll)
            lambda: arm.deployments.get(group, account, name),
            lambda found: outcome_of(state(found)),
            what=f"deployment '{name}'",
            interval=poll_seconds,
            timeout=3600,
            state=state,
            on_poll=lambda found: last.__setitem__(0, state(found)),
            sleep=sleep,
        )
    except PollTimeoutError:
        raise UserError(f"deployment '{name}' still {last[0]} after an hour") from None
    if done.outcome is not Outcome.SUCCEEDED:
        raise AzureRefusedError(
            f"deployment '{name}' on {account} is {state(done.value)}",
            hint="delete it with `ftops deployments delete` and deploy again",
        )
    return done.value


def deploy_job(
    ref: JobRef,
    outputs: StackOutputs,
    *,
    name: str | None,
    sku: str | None,
    capacity: int | None,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """`ftops deploy` as one call: the job's model deployed where it trained; the `--json` document.

    `sku`/`capacity` None means not asked: Standard x1 for a new deployment, unchanged for an existing one.
    """
    asked = frozenset(k for k, v in (("sku", sku), ("capacity", capacity)) if v is not None)
    sku, capacity = sku or "Standard", capacity or 1
    if ref.on_hub:
        from ftops.jobs.deploy_hub import deploy_hub_job

        return deploy_hub_job(ref, outputs, name, on_step=on_step)
    from ftops.capacity.lifecycle import hosting_note, hosting_per_day
    from ftops.jobs.clients import arm, data_plane, poll_seconds
    from ftops.jobs.ledger import Ledger, default_path

    endpoint = ref.require_openai("deploy")
    region = region_for_endpoint(outputs, endpoint)
    with data_plane(endpoint) as plane:
        found = ref.job or plane.fine_tuning.jobs.get(ref.job_id)
    request = DeployRequest(job=found, name=name, sku=sku, capacity=capacity, asked=asked)
    with arm(outputs.subscription_id) as client:
        deployment, created = deploy(
            client,
            outputs,
            region,
            request,
            state_dir=default_path().parent,
            poll_seconds=poll_seconds(5.0),
            on_step=on_step,
        )
    if ref.launch is not None:
        with Ledger() as ledger:
            ledger.update(ref.launch.key, deployment=deployment.get("name"))
    properties = deployment.get("properties") or {}
    served = str((properties.get("model") or {}).get("name") or "")
    served_sku = str((deployment.get("sku") or {}).get("name") or sku)
    return {
        "deployment": deployment.get("name"),
        "created": created,
        "model": (properties.get("model") or {}).get("name"),
        "account": region.account_name,
        "location": region.location,
        "endpoint": region.endpoint,
        "sku": (deployment.get("sku") or {}).get("name"),
        "capacity": (deployment.get("sku") or {}).get("capacity"),
        "provisioning_state": properties.get("provisioningState"),
        "hosting_per_day": hosting_per_day(served, served_sku),
        "note": hosting_note(served, served_sku),
    }
