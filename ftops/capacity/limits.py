"""Per-resource limits preflight: is there room on this account for what a launch is about to send?

Azure limits each AI Services resource (quotas-limits.md, the catalog's versioned `limits`): 3 running jobs
(5 on Developer training), 20 queued, 100 jobs in total, 100 fine-tuning files and 1 GB of them, 10 fine-tuned
deployments, and 2 billion tokens x epochs per job. A full account otherwise queues a job silently or refuses
it late, after the upload. `check_limits` compares what the account holds (`read_usage`, from the data plane
and, when given, ARM's deployment list) with what the launch adds, and names, for each limit that is full,
the command that frees it.

    usage = read_usage(plane, deployments=arm.deployments.list(rg, account))
    problems = [c for c in check_limits(usage, catalog.limits, new_files=2, new_bytes=size) if not c.ok]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ftops.errors import AzureRefusedError

if TYPE_CHECKING:
    from ftops.azure.openai import OpenAIDataPlane
    from ftops.catalog import Limits

RUNNING = frozenset({"running", "pausing", "paused", "resuming"})  # a paused job keeps its slot
QUEUED = frozenset({"pending", "queued", "validating_files"})


@dataclass(frozen=True)
class ResourceUsage:
    """What one account holds now, as the data plane (and ARM, for deployments) report it."""

    running_jobs: int
    queued_jobs: int
    jobs: int
    files: int
    file_bytes: int
    fine_tuned_deployments: int | None = None  # None: not read (no ARM client)
    running_job_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LimitCheck:
    """One limit against what the account holds plus what the launch adds."""

    name: str  # the catalog's limit name
    what: str  # in words, e.g. "running fine-tuning jobs"
    used: int
    adding: int
    limit: int
    fix: str  # the command that frees room

    @property
    def ok(self) -> bool:
        return self.used + self.adding <= self.limit

    def line(self) -> str:
        return f"{self.what}: {self.used} in use + {self.adding} new > limit {self.limit}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


class LimitReachedError(AzureRefusedError):
    """A per-resource limit is full: the launch would be refused (or wait in a queue) after its upload."""

    def __init__(self, checks: list[LimitCheck], account: str) -> None:
        full = [c for c in checks if not c.ok]
        names = "; ".join(c.line() for c in full)
        super().__init__(
            f"{account} is full: {names}",
            hint="; ".join(dict.fromkeys(c.fix for c in full)),
            code="LimitReached",
        )
        self.checks = full


def read_usage(plane: OpenAIDataPlane, *, deployments: Iterable[Any] | None = None) -> ResourceUsage:
    """Count the account's jobs by state and its fine-tuning files (and fine-tuned deployments, if given)."""
    running: list[str] = []
    queued = total = 0
    for job in plane.fine_tuning.jobs.list(max_items=1000):
        total += 1
        status = job.get("status")
        if status in RUNNING:
            running.append(str(job.get("id")))
        elif status in QUEUED:
            queued += 1
    files = [f for f in plane.files.list() if f.get("purpose") == "fine-tune"]
    tuned = None
    if deployments is not None:
        tuned = sum(1 for d in deployments if ".ft-" in _deployed_model(d))
    return ResourceUsage(
        len(running),
        queued,
        total,
        len(files),
        sum(int(f.get("bytes") or 0) for f in files),
        tuned,
        tuple(running),
    )


def _deployed_model(deployment: Any) -> str:
    data = deployment.wire() if hasattr(deployment, "wire") else deployment
    model = ((data.get("properties") or {}).get("model") or {}) if isinstance(data, dict) else {}
    return str(model.get("name") or "")


def check_limits(
    usage: ResourceUsage,
    limits: Limits,
    *,
    stack: str = "STACK",
    new_files: int = 0,
    new_bytes: int = 0,
    new_job: bool = True,
    tokens_x_epochs: int | None = None,
    developer: bool = False,
    queue: bool = False,
) -> list[LimitCheck]:
    """Every per-resource limit the launch meets, each with the command that frees it.

    `queue`: the user accepts that Azure queues the job behind the running ones (`--queue`): the running-jobs
    limit is then not a refusal, the queued-jobs limit is."""
    values = limits.values
    job = 1 if new_job else 0
    running_limit = values["running_developer_jobs_per_resource" if developer else "running_jobs_per_resource"]
    prune = f"ftops files prune --stack {stack} (or ftops files delete FILE_ID)"
    cancel = f"ftops jobs cancel JOB_ID --stack {stack} (running: {', '.join(usage.running_job_ids) or 'none'})"
    checks = [
        LimitCheck(
            "running_jobs_per_resource",
            "running fine-tuning jobs",
            usage.running_jobs,
            0 if queue else job,
            running_limit,
            f"{cancel}, or launch with --queue to wait in Azure's queue",
        ),
        LimitCheck(
            "queued_jobs_per_resource",
            "queued fine-tuning jobs",
            usage.queued_jobs,
            job if queue or usage.running_jobs >= running_limit else 0,
            values["queued_jobs_per_resource"],
            f"ftops jobs cancel JOB_ID --stack {stack} for a queued job",
        ),
        LimitCheck(
            "jobs_per_resource",
            "fine-tuning jobs in total",
            usage.jobs,
            job,
            values["jobs_per_resource"],
            "delete finished jobs in the Foundry portal (Azure counts every job the resource keeps)",
        ),
        LimitCheck(
            "training_files_per_resource",
            "fine-tuning files",
            usage.files,
            new_files,
            values["training_files_per_resource"],
            prune,
        ),
        LimitCheck(
            "training_files_total_bytes_per_resource",
            "bytes of fine-tuning files",
            usage.file_bytes,
            new_bytes,
            values["training_files_total_bytes_per_resource"],
            prune,
        ),
    ]
    if usage.fine_tuned_deployments is not None:
        checks.append(
            LimitCheck(
                "fine_tuned_deployments_per_resource",
                "fine-tuned deployments",
                usage.fine_tuned_deployments,
                0,
                values["fine_tuned_deployments_per_resource"],
                f"ftops deployments delete NAME --stack {stack}",
            )
        )
    if tokens_x_epochs is not None:
        checks.append(
            LimitCheck(
                "max_job_tokens",
                "tokens x epochs of this job",
                0,
                tokens_x_epochs,
                values["max_job_tokens"],
                "train fewer epochs (--epochs) or on less data",
            )
        )
    return checks


def preflight(
    plane: OpenAIDataPlane,
    limits: Limits,
    *,
    account: str,
    deployments: Iterable[Any] | None = None,
    **planned: Any,
) -> list[LimitCheck]:
    """Read the account and check it; raise `LimitReachedError` (exit 3) naming what is full."""
    checks = check_limits(read_usage(plane, deployments=deployments), limits, **planned)
    if any(not c.ok for c in checks):
        raise LimitReachedError(checks, account)
    return checks
