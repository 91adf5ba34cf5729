"""Continuing a fine-tune (`ftops launch --from`) and the lineage of a job.

Microsoft's REST how-to ("Perform continuous fine-tuning", fine-tuning-rest 2025): a job continues a fine-tune
when its `model` is that fine-tuned model's id (`gpt-4.1-2025-04-14.ft-5fd1...`), and "continuous fine-tuning
is supported only for OpenAI models". So a continuation is checked before anything is read or uploaded: the
parent job succeeded and has a fine-tuned model, the account of the stack that holds it is where the new job
trains, the base (from the model's name) is an OpenAI model, and the method is one the base supports (the
catalog's method table). The lineage of a job walks `model` back through the jobs that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ftops.errors import NotAvailableError, UsageError, UserError

if TYPE_CHECKING:
    from ftops.catalog import Catalog, Method, Model, Where
    from ftops.jobs.launch import LaunchRequest
    from ftops.jobs.ledger import Ledger
    from ftops.jobs.refs import JobDoc, JobRef
    from ftops.stack.outputs import RegionOutput, StackOutputs

# The service's method types, in the catalog's words (one vocabulary for ledger and service rows).
METHOD_OF_TYPE = {"supervised": "sft", "dpo": "dpo", "reinforcement": "rft"}
FINE_TUNED = ".ft-"  # what the service puts between the base model id and the job's part of a fine-tuned model
SCAN_JOBS = 500  # jobs read per account when looking for the job that produced a fine-tuned model
MAX_DEPTH = 20  # a lineage longer than this is cut (and a cycle cannot loop)
CONTINUED_BY = "OpenAI"  # "Continuous fine-tuning is supported only for OpenAI models" (fine-tuning-rest 2025)


def is_fine_tuned(model_id: Any) -> bool:
    """A fine-tuned model id (a job's `model` field may also be missing or not a string)."""
    from ftops.capacity.usage import is_fine_tuned as named_fine_tuned

    return isinstance(model_id, str) and named_fine_tuned(model_id)


def root_id(model_id: str) -> str:
    """gpt-4.1-mini-2025-04-14.ft-abc-x -> gpt-4.1-mini-2025-04-14: the base model id a fine-tune started from."""
    return model_id.split(FINE_TUNED)[0]


def method_of(job: JobDoc) -> str | None:
    """The job's method in the catalog's words (sft, dpo, rft), None when the job does not say."""
    method = job.get("method")
    kind = str(method.get("type") or "") if isinstance(method, dict) else ""
    return METHOD_OF_TYPE.get(kind, kind or None)


@dataclass(frozen=True)
class Parent:
    """The fine-tune a launch continues: its job, its fine-tuned model, and the stack account that holds it."""

    job_id: str
    fine_tuned_model: str
    account: RegionOutput
    base: Model

    def not_here(self, where: Where, training_type: str | None) -> NotAvailableError:
        """Placement's refusal, for a continuation: it cannot move to another region, so say what its account
        offers (a method, so that ftops.jobs.launch calls it without importing this module)."""
        holder = self.account
        offered = [t for t in where.training_types if holder.location in where.regions_for(t)]
        asked = f"{training_type} training" if training_type else "training"
        return NotAvailableError(
            f"{self.fine_tuned_model} continues on account {holder.account_name}, and {holder.location} offers no "
            f"{asked} of {where.model.name} with {where.method}",
            hint=f"{holder.location} offers {', '.join(offered) or 'none'} (--training-type); or copy the model to "
            "a region that offers it with `ftops jobs copy-checkpoint`",
        )


def find_parent(reference: str, outputs: StackOutputs, catalog: Catalog, ledger: Ledger, stack: str) -> Parent:
    """The succeeded job `reference` names (job id, launch key or fine-tuned model id): ledger first, then the
    stack's accounts (at most SCAN_JOBS jobs each). Refused when it did not succeed or is on no account of the stack.
    """
    job, account = _job_of(reference, outputs, ledger, stack)
    status, tuned = job.get("status"), job.get("fine_tuned_model")
    if status != "succeeded" or not tuned:
        hint = (
            f"wait for it (`ftops jobs wait {job['id']}`) and rerun"
            if status not in ("failed", "cancelled")
            else "continue from a job that succeeded (`ftops jobs list` shows their fine-tuned models)"
        )
        raise UserError(f"job {job['id']} is {status}: only a succeeded fine-tune can be continued", hint=hint)
    launch = ledger.by_job(job["id"])
    if launch is not None and launch.fine_tuned_model != tuned:  # the ledger learns what the service says
        ledger.update(launch.key, job_status=status, fine_tuned_model=tuned, state="succeeded")
    from ftops.jobs.deploy_variants import base_of  # one derivation of a fine-tune's catalog model

    base = base_of(tuned, catalog)
    if base is None:
        raise UserError(
            f"{tuned} is not a fine-tune of a model ftops knows ({root_id(tuned)})",
            hint="`ftops models` lists the models ftops can fine-tune",
        )
    return Parent(job["id"], tuned, account, base)


def _job_of(reference: str, outputs: StackOutputs, ledger: Ledger, stack: str) -> tuple[JobDoc, RegionOutput]:
    from ftops.azure.errors import AzureNotFoundError
    from ftops.jobs.clients import data_plane

    by_model = is_fine_tuned(reference)
    launch = ledger.by_fine_tuned_model(reference) if by_model else ledger.find(reference)
    if launch is not None and not by_model and not launch.job_id:
        raise UserError(
            f"launch {launch.key} has no job yet (state {launch.state}): nothing to continue",
            hint="run that `ftops launch` again to resume it, and continue once its job succeeded",
        )
    if launch is not None and launch.kind != "openai":
        raise NotAvailableError(
            f"{reference} is an AzureML job of {launch.model} in a hub project: continuous fine-tuning is supported "
            "only for OpenAI models",
            hint=f"train {launch.model} again from its base with the earlier and the new data together",
        )
    if launch is not None and launch.job_id:
        trained_on = (launch.endpoint or "").rstrip("/")
        account = next((r for r in outputs.regions if r.endpoint.rstrip("/") == trained_on), None)
        if account is None:
            raise UserError(
                f"{reference} trained on {launch.endpoint}, which is no account of {stack}",
                hint="pass the --stack (or --outputs) of the stack that trained it, or copy the model into this "
                "stack first with `ftops jobs copy-checkpoint`",
            )
        with data_plane(account.endpoint) as plane:
            try:
                return plane.fine_tuning.jobs.get(launch.job_id), account
            except AzureNotFoundError:
                pass  # deleted on the service (or an emulator restarted): look on the accounts below
    for account in outputs.regions:
        with data_plane(account.endpoint) as plane:
            if not by_model:
                try:
                    return plane.fine_tuning.jobs.get(reference), account
                except AzureNotFoundError:
                    continue
            for job in plane.fine_tuning.jobs.list(max_items=SCAN_JOBS):
                if job.get("fine_tuned_model") == reference:
                    return job, account
    what = "no job produced the fine-tuned model" if by_model else "no job or launch"
    raise UserError(
        f"{what} {reference} on the accounts of {stack} (nor in this machine's launch ledger)",
        hint="`ftops jobs list` with the same --stack/--outputs lists the jobs and their fine-tuned models",
    )


def check_continuation(parent: Parent, request: LaunchRequest, catalog: Catalog) -> Model:
    """Refuse what the service would refuse after an upload: another base, a non-OpenAI base, an unsupported method,
    a region or project other than the holding account's. Returns the base model."""
    base, tuned, holder = parent.base, parent.fine_tuned_model, parent.account
    given = request.model
    if given is not None:
        named = given if isinstance(given, str) else given.name
        if catalog.model(named).name != base.name:
            raise UsageError(
                f"--model {named} contradicts --from {request.parent}, a fine-tune of {base.name}",
                hint="leave out --model: a continued fine-tune trains from the model --from names",
            )
    if base.provider != CONTINUED_BY:
        raise NotAvailableError(
            f"{tuned} cannot be continued: continuous fine-tuning is supported only for OpenAI models, "
            f"and {base.name} is {base.provider}'s",
            hint=f"train {base.name} from its base again with the earlier and the new data together "
            f"(ftops launch --model {base.name} --method {request.method} --train ALL.jsonl)",
        )
    if request.method not in base.methods:
        methods = ", ".join(base.methods)
        raise NotAvailableError(
            f"{base.name} does not support {request.method} fine-tuning, so {tuned} cannot be continued with it",
            hint=f"{base.name} supports {methods}: continue with " + " or ".join(f"--method {m}" for m in base.methods),
        )
    elsewhere = request.region is not None and request.region != holder.location
    projects = [p.name for p in holder.projects]
    if elsewhere or (request.project is not None and request.project not in projects):
        asked = f"region {request.region}" if elsewhere else f"project {request.project}"
        raise UserError(
            f"{tuned} is held by account {holder.account_name} ({holder.location}, projects: "
            f"{', '.join(projects) or 'none'}), not in {asked}: a fine-tune continues on the account that holds it",
            hint=f"leave out --region/--project to continue it on {holder.account_name}, or copy it there first "
            "with `ftops jobs copy-checkpoint`",
        )
    return base


def pinned(
    request: LaunchRequest, parent: Parent, outputs: StackOutputs, method: Method, vision: bool
) -> tuple[LaunchRequest, StackOutputs]:
    """The request and the stack narrowed to the holding account; its training type as the stack declares it there."""
    from ftops.stack.placement import declared_fine_tune

    training_type = request.training_type
    if training_type is None:
        spec = declared_fine_tune(outputs, parent.base, method, "vision" if vision else "text")
        if spec is not None and spec.region in (None, parent.account.location):
            training_type = spec.training_type  # type: ignore[assignment]
    narrowed = outputs.model_copy(update={"regions": [parent.account]})
    return replace(request, region=parent.account.location, training_type=training_type), narrowed


# ---- lineage: base model -> job (method) -> ... -> this job


def entry(job: JobDoc) -> dict[str, Any]:
    """One link of a lineage, as `ftops jobs show --json` lists it."""
    return {
        "job_id": job.get("id"),
        "method": method_of(job),
        "model": job.get("model"),
        "fine_tuned_model": job.get("fine_tuned_model"),
    }


def lineage(job: JobDoc, ref: JobRef, ledger: Ledger) -> list[dict[str, Any]]:
    """The chain of jobs that led to `job`, oldest first, as far as the ledger and the job's account know it.

    Each job's `model` names its parent's fine-tuned model; the job that produced it is found from the ledger's
    lineage (parent_job_id), else among the jobs of the same account. An unknown producer ends the chain with a
    link that has the fine-tuned model but no job.
    """
    chain = [entry(job)]
    hint = ref.launch.parent_job_id if ref.launch is not None else None
    model, seen = job.get("model"), set()
    while is_fine_tuned(model) and model not in seen and len(chain) < MAX_DEPTH:
        seen.add(model)
        found = _producer(str(model), hint, ref.endpoint, ledger)
        if found is None:
            chain.append({"job_id": None, "method": None, "model": root_id(str(model)), "fine_tuned_model": model})
            break
        chain.append(entry(found))
        known = ledger.by_job(str(found.get("id")))
        hint, model = (known.parent_job_id if known else None), found.get("model")
    return chain[::-1]


def _producer(model: str, job_id: str | None, endpoint: str | None, ledger: Ledger) -> JobDoc | None:
    from ftops.azure.errors import AzureNotFoundError
    from ftops.jobs.clients import data_plane

    if endpoint is None:
        return None
    recorded = ledger.by_fine_tuned_model(model)
    candidates = [c for c in (job_id, recorded.job_id if recorded else None) if c]
    with data_plane(endpoint) as plane:
        for candidate in dict.fromkeys(candidates):
            try:
                found = plane.fine_tuning.jobs.get(candidate)
            except AzureNotFoundError:
                continue
            if found.get("fine_tuned_model") == model:
                return found
        for found in plane.fine_tuning.jobs.list(max_items=SCAN_JOBS):
            if found.get("fine_tuned_model") == model:
                return found
    return None


def chain_line(chain: list[dict[str, Any]]) -> str:
    """base model -> job (method) -> ... -> this job, for `ftops jobs show`."""
    if not chain:
        return ""
    links = [
        f"{link['job_id']} ({link['method']})" if link.get("job_id") else f"{link['fine_tuned_model']} (job not found)"
        for link in chain
    ]
    return " → ".join([str(chain[0].get("model")), *links])
