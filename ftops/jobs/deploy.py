"""Deploy a fine-tuned model or checkpoint, idempotently, and wait until it serves.

Where the job trained, or on another region's or subscription's account with the model's `source`
(`ftops.jobs.deploy_source`); which checkpoint is `ftops.jobs.checkpoints`; docs/deploy.md.

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
from typing import TYPE_CHECKING, Any

from ftops.azure.arm import ArmClient
from ftops.azure.errors import AzureConflictError
from ftops.errors import AzureRefusedError, UsageError, UserError
from ftops.jobs.deploy_source import Placement
from ftops.jobs.refs import JobDoc, JobRef, StackRef
from ftops.stack.naming import resource_name, short_hash
from ftops.stack.outputs import RegionOutput, StackOutputs

if TYPE_CHECKING:
    from ftops.jobs.checkpoints import Chosen

CONFLICT_RETRIES = 6
CONFLICT_WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class DeployRequest:
    job: JobDoc
    name: str | None = None
    sku: str = "Standard"
    capacity: int = 1
    asked: frozenset[str] = frozenset()  # which of sku/capacity the user gave: only those change a deployment
    model: str | None = None  # deploy this instead of the job's fine-tuned model (a checkpoint's `ftchkpt-` id)
    source: str | None = None  # the training account's ARM id, when the deployment is on another account
    source_tenant: str | None = None  # the source's tenant, when it differs (sourceAccount + auxiliary token)


@dataclass(frozen=True)
class DeployAsk:
    """What `ftops deploy` was asked beyond the job: which checkpoint, and which account to deploy on."""

    checkpoint: int | None = None
    best: bool = False
    to_region: str | None = None
    to_account: str | None = None
    source_tenant: str | None = None


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


def checkpoint_deployment_name(job: JobDoc, checkpoint_id: str) -> str:
    """A stable name per checkpoint, distinct from the job's final model's: base model, `ckpt`, a hash of the id."""
    base = str(job.get("model") or "model").split(".ft-")[0]
    return resource_name("deployment", base, "ckpt", short_hash(checkpoint_id, length=8))


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
    at: Placement | None = None,
) -> tuple[dict[str, Any], bool]:
    """Create (or find) the deployment and wait until it serves. Returns (deployment, created_now).

    `at` is the account the deployment goes on (default: `region`'s, where the job trained); `arm` must be a
    client of its subscription."""
    say = on_step or (lambda text: None)
    at = at or Placement.of(outputs, region)
    model = request.model or fine_tuned_model(request.job)
    name = request.name or default_deployment_name(request.job)
    group, account = at.resource_group, at.account_name
    with account_lock(state_dir, at.account_id):
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
        checked = check_deployment(str(request.job.get("model") or model), request.sku, at.location)
        _preflight(arm, outputs, at, model, request, name)
        origin = _origin(request)
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
                    **origin,
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
        **_origin(request),  # a deployment of another account's model keeps naming its source
    )
    return dict(poller.result(poll_seconds=poll_seconds))


def _origin(request: DeployRequest) -> dict[str, Any]:
    """Where the model comes from, as the PUT says it: nothing (this account's own), `source` (another region
    or subscription), or `sourceAccount` with the source tenant's token in the auxiliary header."""
    if not request.source:
        return {}
    if not request.source_tenant:
        return {"source": request.source}
    from ftops.jobs.deploy_source import auxiliary_header

    return {"source_account": request.source, "headers": auxiliary_header(request.source_tenant)}


def _preflight(
    arm: ArmClient, outputs: StackOutputs, at: Placement, model: str, request: DeployRequest, name: str
) -> None:
    """Refuse before creating anything when the region lacks the deployment quota, saying what would fit."""
    from ftops.capacity.preflight import Want, refuse, shortfalls
    from ftops.capacity.usage import base_model_name

    base = base_model_name(str(request.job.get("model") or model))  # the job names the base model
    want = Want(at.location, model, request.sku, request.capacity, f"deployment {name}", base=base)
    stack_regions = [r.location for r in outputs.regions]
    preferred = stack_regions if at.subscription_id == outputs.subscription_id else [at.location]
    found = shortfalls(arm, [want], preferred=preferred)
    if found:
        raise refuse(found, what=f"cannot deploy {name} on {at.account_name}")


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


def deploy_ref(
    ref: str,
    stack: StackRef,
    *,
    name: str | None,
    sku: str | None,
    capacity: int | None,
    ask: DeployAsk = DeployAsk(),
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """`ftops deploy` as one call: a job id, launch key or checkpoint id, located and deployed; the `--json`."""
    from ftops.jobs.checkpoints import CHECKPOINT_PREFIX, choose, find_checkpoint

    if ask.checkpoint is not None and ask.best:
        raise UsageError("give --checkpoint N or --best, not both", hint="--best picks by validation loss")
    if ask.to_region and ask.to_account:
        raise UsageError("give --to-region or --to-account, not both", hint="--to-region R: the stack's account in R")
    if ask.source_tenant and not ask.to_account:
        raise UsageError("--source-tenant needs --to-account", hint="name the destination account in the other tenant")
    from ftops.jobs.deploy_source import check_tenant, parse_account_id

    if ask.to_account:
        parse_account_id(ask.to_account)  # a malformed id is a usage error before anything is read
    if ask.source_tenant:
        check_tenant(ask.source_tenant)
    chosen = None
    if ref.startswith(CHECKPOINT_PREFIX):
        if ask.checkpoint is not None or ask.best:
            raise UsageError(f"{ref} is a checkpoint already", hint="drop --checkpoint/--best, or pass the job id")
        job_ref, found = find_checkpoint(ref, stack)
        chosen = choose(job_ref.job_id, found, wanted_id=ref)
    else:
        from ftops.jobs.track import locate

        job_ref = locate(ref, stack)
        if ask.checkpoint is not None or ask.best:
            from ftops.jobs.track import checkpoints

            job_ref.require_openai("deploying a checkpoint")
            chosen = choose(job_ref.job_id, checkpoints(job_ref), number=ask.checkpoint, best=ask.best)
    if job_ref.on_hub and (ask.to_region or ask.to_account):
        raise UsageError("--to-region/--to-account deploy Azure OpenAI fine-tunes only", hint="drop them for hub jobs")
    return deploy_job(
        job_ref, stack.outputs, name=name, sku=sku, capacity=capacity, chosen=chosen, ask=ask, on_step=on_step
    )


def deploy_job(
    ref: JobRef,
    outputs: StackOutputs,
    *,
    name: str | None,
    sku: str | None,
    capacity: int | None,
    chosen: Chosen | None = None,
    ask: DeployAsk = DeployAsk(),
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The job's model (or `chosen` checkpoint) deployed where it trained, or on the account `ask` names.

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
    from ftops.jobs.deploy_variants import refuse_unserved

    refuse_unserved(str(found.get("model") or ""))  # gpt-oss-120b & co: not an ARM deployment anywhere
    source = Placement.of(outputs, region)
    dest = _destination(outputs, source, ask)
    cross = dest.account_id.lower() != source.account_id.lower()
    if cross:  # "the new region must also support fine-tuning" (docs); checked before anything is created
        from ftops.jobs.deploy_source import check_fine_tuning_region

        check_fine_tuning_region(str(found.get("model") or ""), dest.location)
    model = chosen.id if chosen else fine_tuned_model(found)
    if chosen and not name:
        name = checkpoint_deployment_name(found, chosen.id)
    request = DeployRequest(
        job=found,
        name=name,
        sku=sku,
        capacity=capacity,
        asked=asked,
        model=model,
        source=source.account_id if cross else None,
        source_tenant=ask.source_tenant,
    )
    with arm(dest.subscription_id) as client:
        deployment, created = deploy(
            client,
            outputs,
            region,
            request,
            state_dir=default_path().parent,
            poll_seconds=poll_seconds(5.0),
            on_step=on_step,
            at=dest,
        )
    if ref.launch is not None and not cross and chosen is None:  # the ledger keeps the job's own deployment
        with Ledger() as ledger:
            ledger.update(ref.launch.key, deployment=deployment.get("name"))
    properties = deployment.get("properties") or {}
    served = str((properties.get("model") or {}).get("name") or "")
    served_sku = str((deployment.get("sku") or {}).get("name") or sku)
    priced = chosen.model if chosen and chosen.model else served  # a checkpoint id does not say its base model
    return {
        "deployment": deployment.get("name"),
        "created": created,
        "model": (properties.get("model") or {}).get("name"),
        "job_id": ref.job_id,
        "account": dest.account_name,
        "location": dest.location,
        "endpoint": dest.endpoint,
        "account_id": dest.account_id,
        "subscription_id": dest.subscription_id,
        "source": {**source.to_dict(), "sent": (properties.get("model") or {}).get("source") or request.source},
        "cross_account": cross,
        "checkpoint": chosen.to_dict() if chosen else None,
        "sku": (deployment.get("sku") or {}).get("name"),
        "capacity": (deployment.get("sku") or {}).get("capacity"),
        "provisioning_state": properties.get("provisioningState"),
        "hosting_per_day": hosting_per_day(priced, served_sku),
        "note": hosting_note(priced, served_sku),
    }


def _destination(outputs: StackOutputs, source: Placement, ask: DeployAsk) -> Placement:
    """The account the deployment goes on: the training account, the stack's account in --to-region, or
    --to-account's (read with ARM for its location and endpoint)."""
    from ftops.jobs.deploy_source import parse_account_id, read_account, stack_account_in

    if ask.to_region:
        return Placement.of(outputs, stack_account_in(outputs, ask.to_region))
    if ask.to_account:
        sub, group, name = parse_account_id(ask.to_account)
        wanted = f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.CognitiveServices/accounts/{name}"
        for region in outputs.regions:  # the stack's own account, named by its id
            if region.account_id.lower() == wanted.lower():
                return Placement.of(outputs, region)
        return read_account(sub, group, name)
    return source
