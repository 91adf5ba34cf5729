"""`ftops jobs copy-checkpoint`: copy a fine-tuned checkpoint to an account in another region or subscription
(preview), with the docs' prerequisites checked before anything is sent, exactly once.

Microsoft's docs are the contract (no carried spec has the operation): articles/foundry/openai/includes/
fine-tuning-rest.md, section "Copy a model (preview)". Its prerequisites, checked here in this order, each a
one-line refusal naming the fix before the copy POST:
1. the destination account exists (ARM `Accounts_Get`) and is in the region asked for;
2. it is in the source's tenant (both accounts' `identity.tenantId` when ARM reports both; a token ARM refuses
   for the destination's tenant, `InvalidAuthenticationTokenTenant`, says the same);
3. its `publicNetworkAccess` is not Disabled (at least while the copy request is sent);
4. it has at least one fine-tuning job (listed on its data plane);
5. the source account has a user-assigned managed identity, and that identity holds Azure AI User on the
   destination (Microsoft.Authorization role assignments at or above the destination's scope).
What is not checked: roles that would grant the same permissions under another name or a custom role (the docs
name Azure AI User), and deny assignments.

A rerun sends nothing twice: the copy's status (GET on the same path) is read first, and an in-flight or
finished copy is reported (or followed with --wait) without a second POST. The service's status is the record
(the ledger keeps launches; a copy has no launch row of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from ftops.azure.errors import AzureMaybeAppliedError
from ftops.azure.models import JobCheckpoint, Outcome
from ftops.errors import AzureRefusedError, UsageError, UserError
from ftops.jobs.refs import JobRef, StackRef
from ftops.stack.roles import ROLES

COPY_ROLE = ROLES["Azure AI User"]
DOCS = "docs/checkpoint-copy.md"
COPY_TIMEOUT = 6 * 3600.0  # the docs give no duration; a copy moves model weights between regions


@dataclass(frozen=True)
class CopyRequest:
    """What `ftops jobs copy-checkpoint` was asked: the job, which checkpoint, where to, and whether to wait."""

    job: str
    checkpoint: str  # ftchkpt-… id, or its 1-based number in training order
    to_region: str | None = None
    to_account: str | None = None  # ARM id of the destination AI Services account
    wait: bool = False
    stack: StackRef | None = None


@dataclass
class CopyResult:
    """A copy as the service reports it, and how to use it at the destination."""

    job_id: str
    checkpoint: str
    fine_tuned_model_checkpoint: str | None
    source_account: str
    destination: str
    region: str
    status: str
    requested_now: bool
    destination_confirmed: bool = True  # False: a copy found by its status, which did not name its destination
    service: dict[str, Any] = field(default_factory=dict)
    next_steps: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pick_checkpoint(checkpoints: list[JobCheckpoint], wanted: str, job_id: str) -> JobCheckpoint:
    """The checkpoint an `ftchkpt-…` id or a 1-based number names, numbered as `ftops jobs checkpoints` and
    `ftops deploy --checkpoint N` number them (ftops.jobs.checkpoints)."""
    from ftops.jobs.checkpoints import choose

    if wanted.isdigit():
        chosen = choose(job_id, checkpoints, number=int(wanted))
    else:
        chosen = choose(job_id, checkpoints, wanted_id=wanted)
    return next(c for c in checkpoints if c.id == chosen.id)


def copy_checkpoint(request: CopyRequest, *, on_step: Callable[[str], None] | None = None) -> CopyResult:
    """Check the preconditions, copy once (or find the copy), and follow it with `wait`."""
    from ftops.jobs.clients import data_plane, poll_seconds
    from ftops.jobs.track import locate

    say = on_step or (lambda text: None)
    if not (request.to_region or request.to_account):
        raise UsageError("name the destination", hint="pass --to-region R (an account of the stack) or --to-account ID")
    if not (request.checkpoint.isdigit() or request.checkpoint.startswith("ftchkpt-")):
        raise UsageError(
            f"CHECKPOINT {request.checkpoint[:80]!r} is neither an ftchkpt-… id nor a number",
            hint=f"list them with `ftops jobs checkpoints {request.job}`",
        )
    destination_id = _destination_id(request)  # flags first: a usage error costs no request
    ref = locate(request.job, request.stack)
    endpoint = ref.require_openai("checkpoint copy")
    source_id = _source_account_id(ref, request.stack)
    if source_id.lower() == destination_id.lower():
        raise UserError(
            f"job {ref.job_id} trained on {destination_id.rsplit('/', 1)[-1]}: its checkpoints are there already",
            hint="name an account in another region or subscription with --to-region R or --to-account ID",
        )
    with data_plane(endpoint) as plane:
        jobs = plane.fine_tuning.jobs
        checkpoint = pick_checkpoint(list(jobs.checkpoints(ref.job_id)), request.checkpoint, ref.job_id)
        name = str(checkpoint.id)
        found = jobs.checkpoint_copy(ref.job_id, name)  # a rerun finds the copy: nothing is sent twice
        requested = found is None
        confirmed = True
        if found is None:
            region = _check_preconditions(source_id, destination_id, request.to_region, say)
            say(f"copying {name} to {destination_id.rsplit('/', 1)[-1]} ({region})")
            try:
                found = jobs.copy_checkpoint(ref.job_id, name, destination_resource_id=destination_id, region=region)
            except AzureMaybeAppliedError as lost:
                lost.hint = "run the same command again: it reads the copy's status before sending anything"
                raise
        else:
            confirmed = _same_destination(found.wire(), destination_id, name)
            region = str(found.get("region") or request.to_region or "")
            say(f"a copy of {name} was already requested: {found.status}")
        if request.wait and found.outcome is None:
            from ftops.azure.poll import wait_until

            found = wait_until(
                lambda: jobs.checkpoint_copy(ref.job_id, name) or found,
                lambda copy: copy.outcome,
                what=f"copy of checkpoint {name}",
                interval=poll_seconds(10.0),
                timeout=COPY_TIMEOUT,
                state=lambda copy: copy.status,
                on_poll=lambda copy: say(f"copy of {name}: {copy.status or 'running'}"),
                sleep=plane.sleep,
                hint=f"check it later: the same command without --wait reads its status ({DOCS})",
            ).value
    if found.outcome in (Outcome.FAILED, Outcome.CANCELLED):
        reason = (found.get("error") or {}).get("message") or "no reason given"
        raise AzureRefusedError(f"the copy of {name} ended {found.status}: {reason}", hint=f"see {DOCS}")
    return CopyResult(
        job_id=ref.job_id,
        checkpoint=name,
        fine_tuned_model_checkpoint=checkpoint.fine_tuned_model_checkpoint,
        source_account=source_id,
        destination=destination_id,
        region=region,
        status=str(found.status or "running"),
        requested_now=requested,
        destination_confirmed=confirmed,
        service=found.wire(),
        next_steps=_next_steps(name, destination_id, found.outcome is Outcome.SUCCEEDED, request),
    )


def _source_account_id(ref: JobRef, stack: StackRef | None) -> str:
    """The ARM id of the account the job ran on: from its ledger row, else from the stack's outputs."""
    if ref.launch is not None and ref.launch.resource_id.lower().startswith("/subscriptions/"):
        return ref.launch.resource_id
    if stack is None:
        raise UsageError(
            f"ftops does not know which account job {ref.job_id} ran on",
            hint="pass --stack S (or --outputs FILE) of the stack the job ran on",
        )
    from ftops.jobs.deploy import region_for_endpoint

    return region_for_endpoint(stack.outputs, ref.endpoint or "").account_id


def _destination_id(request: CopyRequest) -> str:
    if request.to_account:
        from ftops.azure.accounts import account_id_parts

        account_id_parts(request.to_account)  # a usage error (exit 2) for anything else
        return request.to_account.strip()
    region = str(request.to_region).lower()
    if request.stack is None:
        raise UsageError(
            "--to-region needs the stack whose account in that region receives the copy",
            hint="pass --stack S (or --outputs FILE), or name the account with --to-account ID",
        )
    target = request.stack.outputs.region(region)
    if target is None:
        regions = ", ".join(r.location for r in request.stack.outputs.regions) or "none"
        raise UserError(
            f"stack {request.stack.name} has no account in {region} (its regions: {regions})",
            hint="add the region to the stack and run `pulumi up`, or name any account with --to-account ID",
        )
    return target.account_id


def _check_preconditions(source_id: str, destination_id: str, region: str | None, say: Callable[[str], None]) -> str:
    """The docs' prerequisites, in order, before the copy is sent; returns the destination's region."""
    from ftops.azure.accounts import account_id_parts
    from ftops.jobs.clients import arm

    say("checking the destination: account, region, tenant, network access, jobs, identity role")
    dest_sub, dest_group, dest_name = account_id_parts(destination_id)
    destination = _read_account(arm(dest_sub), destination_id, "destination")
    if destination is None:
        raise UserError(
            f"the destination account {dest_name} does not exist ({destination_id})",
            hint=f"check the id with `az cognitiveservices account show -n {dest_name} -g {dest_group}`",
        )
    location = str(destination.get("location") or "").lower().replace(" ", "")
    if region and location != region.lower():
        raise UserError(
            f"the destination account {dest_name} is in {location}, not {region}",
            hint=f"pass --to-region {location}, or name an account in {region} with --to-account ID",
        )
    source = _read_account(arm(account_id_parts(source_id, flag="source")[0]), source_id, "source")
    if source is None:
        raise UserError(f"the source account {source_id} no longer exists", hint="the job's account was deleted")
    tenants = {(a.get("identity") or {}).get("tenantId") for a in (source, destination)} - {None, ""}
    if len(tenants) > 1:
        raise UserError(
            f"the destination account {dest_name} is in another tenant; checkpoint copies stay within one tenant",
            hint=f"across tenants, deploy the model from its source account instead ({DOCS})",
        )
    _check_public_access(destination, dest_name, destination_id)
    _check_has_job(destination, dest_name)
    _check_identity_role(source, destination_id, dest_name)
    return location


def _read_account(client: Any, resource_id: str, which: str) -> dict[str, Any] | None:
    from ftops.azure.accounts import get_account

    try:
        with client:
            return get_account(client, resource_id)
    except AzureRefusedError as refused:
        if (refused.code or "").lower() == "invalidauthenticationtokentenant":
            raise UserError(
                f"the {which} account {resource_id.rsplit('/', 1)[-1]} is in another tenant than your sign-in; "
                "checkpoint copies stay within one tenant",
                hint=f"across tenants, deploy the model from its source account instead ({DOCS})",
            ) from None
        raise


def _check_public_access(destination: dict[str, Any], name: str, destination_id: str) -> None:
    if (destination.get("properties") or {}).get("publicNetworkAccess") == "Disabled":
        raise UserError(
            f"the destination account {name} disables public network access, which the copy needs while it is sent",
            hint=f"enable it for the copy (`az resource update --ids {destination_id} --set "
            "properties.publicNetworkAccess=Enabled`; a stack's network_mode: private disables it), then restore it",
        )


@contextmanager
def _signed_in_may(what: str, hint: str) -> Iterator[None]:
    """A 401/403 while checking a precondition: say which check needed what, not just "forbidden"."""
    try:
        yield
    except AzureRefusedError as refused:
        if refused.status not in (401, 403):
            raise
        raise AzureRefusedError(
            f"could not {what} ({refused.status})", hint=hint, status=refused.status, code=refused.code
        ) from None


def _check_has_job(destination: dict[str, Any], name: str) -> None:
    from ftops.azure.accounts import data_plane_endpoint
    from ftops.jobs.clients import data_plane

    endpoint = data_plane_endpoint(destination)
    if endpoint is None:
        raise UserError(f"ARM reports no endpoint for the destination account {name}", hint="check the account")
    reading = f"list the fine-tuning jobs of the destination account {name}"
    needs = f"the check needs a data-plane role for your sign-in on {name}, e.g. {COPY_ROLE.name}"
    with _signed_in_may(reading, needs), data_plane(endpoint) as plane:
        has_job = next(iter(plane.fine_tuning.jobs.list(limit=1, max_items=1)), None) is not None
    if not has_job:
        raise UserError(
            f"the destination account {name} has no fine-tuning job; Azure copies only into an account that has one",
            hint="run any fine-tuning job on it first (e.g. `ftops launch` on its stack), then copy",
        )


def _check_identity_role(source: dict[str, Any], destination_id: str, name: str) -> None:
    from ftops.azure.accounts import account_id_parts, role_definitions_held, user_assigned_principals
    from ftops.jobs.clients import arm

    principals = user_assigned_principals(source)
    source_name = str(source.get("name") or "the source account")
    if not principals:
        raise UserError(
            f"the source account {source_name} has no user-assigned managed identity; the copy runs as one",
            hint=f"create one, give it {COPY_ROLE.name} on {name} and assign it to {source_name} ({DOCS})",
        )
    with arm(account_id_parts(destination_id)[0]) as client:
        for principal in principals.values():
            reading = f"read the role assignments on the destination account {name}"
            with _signed_in_may(reading, f"the check needs Reader (roleAssignments/read) on {name} for your sign-in"):
                held = role_definitions_held(client, destination_id, principal)
            if COPY_ROLE.definition_id in held:
                return
    first = next(iter(principals.values()))
    raise AzureRefusedError(
        f"no user-assigned identity of {source_name} holds {COPY_ROLE.name} on the destination account {name}",
        hint=f"az role assignment create --assignee-object-id {first} --assignee-principal-type ServicePrincipal "
        f'--role "{COPY_ROLE.name}" --scope {destination_id}',
    )


def _same_destination(found: dict[str, Any], destination_id: str, name: str) -> bool:
    """A copy already requested elsewhere is not silently taken for this one. True when the status names this
    destination; False when it names none (the docs show no status body), so the result says so."""
    earlier = str(found.get("destinationResourceId") or "")
    if earlier and earlier.lower() != destination_id.lower():
        raise UserError(
            f"checkpoint {name} was already copied to {earlier.rsplit('/', 1)[-1]}, not to this destination",
            hint=f"the status of a copy is read per checkpoint ({DOCS}); deploy from {earlier} or copy another one",
        )
    return bool(earlier)


def _next_steps(name: str, destination_id: str, done: bool, request: CopyRequest) -> list[str]:
    account = destination_id.rsplit("/", 1)[-1]
    if not done:
        where = f"--to-account {destination_id}" if request.to_account else f"--to-region {request.to_region}"
        return [f"follow it: ftops jobs copy-checkpoint {request.job} {request.checkpoint} {where} --wait"]
    return [
        f"on {account} the copy is named {name} (it does not appear in that account's list of checkpoints)",
        f"deploy it there with model name {name} (properties.model.name)",
        f"or fine-tune from it there with model {name}",
    ]
