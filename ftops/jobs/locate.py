"""Find where a job lives: the ledger first, then the stack's accounts."""

from __future__ import annotations

from ftops.azure.errors import AzureNotFoundError
from ftops.errors import UserError
from ftops.jobs.ledger import Ledger
from ftops.jobs.refs import JobRef, job_ref_of
from ftops.stack.outputs import StackOutputs


def locate_job(ref: str, ledger: Ledger, outputs: StackOutputs | None) -> JobRef:
    """`ref` is a job id or a launch key (prefix). Without a ledger entry, ask each account of the stack."""
    launch = ledger.find(ref)
    if launch is not None and launch.job_id and (launch.endpoint or launch.workspace):
        return job_ref_of(launch)
    if launch is not None and not launch.job_id:
        raise UserError(
            f"launch {launch.key} has no job yet (state {launch.state})",
            hint="run the same `ftops launch` again to resume it",
        )
    if outputs is None:
        raise UserError(
            f"job {ref} is not in this machine's launch ledger",
            hint="pass --stack S (or --outputs FILE) so ftops can look for it on the stack's accounts",
        )
    from ftops.jobs.clients import data_plane

    for region in outputs.regions:
        with data_plane(region.endpoint) as plane:
            try:
                job = plane.fine_tuning.jobs.get(ref)
            except AzureNotFoundError:
                continue
        return JobRef(kind="openai", job_id=ref, endpoint=region.endpoint, job=job)
    raise UserError(
        f"no account of stack {outputs.environment} has a job {ref}",
        hint="list jobs with `ftops jobs list --stack S`",
    )
