"""Ready-made waits on the one poller (`ftops.azure.poll.wait_until`) for what the job flows wait on.

Each returns a `Polled` (outcome, last value, polls) and leaves the wording of a failure to its caller:
    done = wait_for_ml_job(ml, workspace, name, interval=10, timeout=721 * 3600, on_poll=show)
    if done.outcome is Outcome.FAILED: ...
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ftops.azure.arm import ArmClient
from ftops.azure.ml import AzureML
from ftops.azure.models import Deployment, FineTuningJob, MlJob, outcome_of
from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.poll import Polled, wait_until
from ftops.errors import AzureFailureError


def wait_for_job(
    plane: OpenAIDataPlane,
    job_id: str,
    *,
    interval: float = 10.0,
    timeout: float = 721 * 3600.0,
    on_poll: Callable[[FineTuningJob], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Polled[FineTuningJob]:
    """A data-plane fine-tuning job until it succeeds, fails, is cancelled or paused."""
    return wait_until(
        lambda: plane.fine_tuning.jobs.get(job_id),
        lambda job: job.outcome,
        what=f"job {job_id}",
        interval=interval,
        timeout=timeout,
        state=lambda job: job.status,
        on_poll=on_poll,
        sleep=sleep,
    )


def wait_for_ml_job(
    ml: AzureML,
    workspace_id: str,
    name: str,
    *,
    interval: float = 10.0,
    timeout: float = 721 * 3600.0,
    on_poll: Callable[[MlJob], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Polled[MlJob]:
    """An AzureML job until Completed, Failed, Canceled or NotResponding; a job that vanishes is an error."""

    def fetch() -> MlJob:
        found = ml.job(workspace_id, name)
        if found is None:
            raise AzureFailureError(f"job {name} disappeared from {workspace_id}", hint="list the project's jobs")
        return found

    return wait_until(
        fetch,
        lambda job: job.outcome,
        what=f"job {name}",
        interval=interval,
        timeout=timeout,
        state=lambda job: job.properties.status if job.properties else "unknown",
        on_poll=on_poll,
        sleep=sleep,
    )


def wait_for_deployment(
    arm: ArmClient,
    resource_group: str,
    account: str,
    name: str,
    *,
    interval: float = 5.0,
    timeout: float = 3600.0,
    on_poll: Callable[[Deployment], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Polled[Deployment]:
    """An existing deployment (someone else's create) until its provisioningState is terminal."""

    def fetch() -> Deployment:
        found = arm.deployments.get(resource_group, account, name)
        if found is None:
            raise AzureFailureError(f"deployment {name} disappeared from {account}", hint="deploy it again")
        return found

    return wait_until(
        fetch,
        lambda deployment: outcome_of(deployment.state),
        what=f"deployment {name}",
        interval=interval,
        timeout=timeout,
        state=lambda deployment: deployment.state,
        on_poll=on_poll,
        sleep=sleep,
    )
