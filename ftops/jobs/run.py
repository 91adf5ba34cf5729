"""`launch` as one core call: validate the data, place the fine-tune, record it, and carry it out exactly once.

The CLI parses flags into a `LaunchRequest` and renders the `LaunchResult`; everything between lives here:
hyperparameter assembly, the grader file, dataset facts, live regions, launcher dispatch (Azure OpenAI
account or hub project), and what to tell the user when the launch already ran and its job ended badly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftops.catalog import Catalog, Model
from ftops.errors import FtopsError
from ftops.jobs.launch import DatasetFacts, JobLost, LaunchOutcome, LaunchRequest, StepReporter
from ftops.jobs.ledger import Ledger
from ftops.jobs.refs import JobDoc, StackRef, on_emulator
from ftops.stack.outputs import StackOutputs
from ftops.stack.placement import Target

if TYPE_CHECKING:
    from ftops.jobs.lineage import Parent

ENDED = ("failed", "cancelled")


def hyperparameters(
    epochs: int | None, batch_size: int | None, learning_rate_multiplier: float | None, beta: float | None
) -> dict[str, Any]:
    """The service's hyperparameter names, for the flags that were given."""
    given = {
        "n_epochs": epochs,
        "batch_size": batch_size,
        "learning_rate_multiplier": learning_rate_multiplier,
        "beta": beta,
    }
    return {key: value for key, value in given.items() if value is not None}


def read_grader(path: Path | None) -> dict[str, Any] | None:
    """An RFT grader file (the data package's reader: one JSON object from a regular file of bounded size)."""
    from ftops.data.grader import read_grader as read

    return read(path)


def dataset_facts(request: LaunchRequest) -> DatasetFacts:
    """Validate the datasets with the same checks as `ftops data validate`; refuse before any upload."""
    from ftops.data import raise_for_problems, validate_files

    name = request.model.name if isinstance(request.model, Model) else str(request.model)
    report = validate_files(request.train, request.method, name, request.validation, request.grader)
    raise_for_problems(report)
    return DatasetFacts(
        train_sha256=report.train.sha256,
        validation_sha256=report.validation.sha256 if report.validation else None,
        vision=report.has_images,
        # The warnings `ftops data validate` shows, so `launch` shows them too (they do not stop it).
        summary={**report.summary(), "warning_list": [p.to_dict() for p in report.problems if p.severity == "warning"]},
    )


def live_regions(outputs: StackOutputs, model: Model | str) -> frozenset[str]:
    """The stack's regions whose live ARM model list has the model with the fine-tune capability."""
    from ftops.azure import availability
    from ftops.azure.arm import ArmClient
    from ftops.catalog.live import offers_model

    if isinstance(model, str):
        from ftops.catalog import load_catalog

        model = load_catalog().model(model)

    with ArmClient(outputs.subscription_id) as arm:
        answers = availability.sweep(arm, [r.location for r in outputs.regions])
    return frozenset(region for region, answer in answers.items() if offers_model(answer, model))


@dataclass
class LaunchResult:
    """What a launch did; `to_dict` is the `ftops launch --json` document."""

    outcome: LaunchOutcome
    target: Target
    facts: DatasetFacts
    stack: StackRef

    @property
    def job(self) -> JobDoc:
        return self.outcome.job or {}

    @property
    def ended(self) -> bool:
        """The launch ran before and its job failed or was cancelled: rerunning it changes nothing."""
        return self.outcome.resumed and self.job.get("status") in ENDED

    @property
    def job_ref(self) -> Any:
        from ftops.jobs.refs import job_ref_of

        return job_ref_of(self.outcome.launch)

    def to_dict(self) -> dict[str, Any]:
        launch, target = self.outcome.launch, self.target
        return {
            "launch": launch.key,
            "resumed": self.outcome.resumed,
            "job_id": self.job.get("id"),
            "status": self.job.get("status"),
            "model": launch.model,
            "method": launch.method,
            "target": {
                "kind": target.kind,
                "location": target.location,
                "account": target.name,
                "project": target.project,
                "training_type": target.training_type,
                "endpoint": target.endpoint,
            },
            "training_file": launch.train_file_id,
            "validation_file": launch.validation_file_id,
            "reused_files": self.outcome.reused_files,
            "recovered_job": self.outcome.recovered_job,
            "suffix": launch.suffix,
            # The fine-tune this launch continues (`--from`), or None for a launch from a base model.
            "parent": {"job_id": launch.parent_job_id, "fine_tuned_model": launch.parent_model}
            if launch.parent_model
            else None,
            "dataset": self.facts.summary,
            "follow": f"ftops jobs wait {self.job.get('id')}",
        }


def launch(
    request: LaunchRequest,
    stack: StackRef,
    catalog: Catalog,
    *,
    live: bool = False,
    on_step: StepReporter | None = None,
) -> LaunchResult:
    """Validate, place, record and carry out one launch (resuming it if it exists)."""
    from ftops.jobs.launch import resolved_model

    say: StepReporter = on_step or (lambda step, detail: None)
    parent = _parent(request, stack, catalog, say) if request.parent is not None else None
    model = parent.base if parent is not None else resolved_model(request, catalog)
    if not model.offered:  # retired: say when, and what to use instead (exit 1), before any file is read
        raise catalog.retired_error(model)
    request = replace(request, model=model, continues=parent)  # resolved once: placement and launchers use it
    files = f"checking {request.train.name}" + (f" and {request.validation.name}" if request.validation else "")
    say("validate", files)
    facts = dataset_facts(request)
    if parent is not None:  # a continuation trains on the account that holds its parent's model
        from ftops.jobs.lineage import pinned

        request, narrowed = pinned(request, parent, stack.outputs, request.method, facts.vision)
        stack = replace(stack, outputs=narrowed)
    regions = live_regions(stack.outputs, model) if live else None
    with Ledger() as ledger:
        try:
            return _carry_out(request, stack, catalog, facts, ledger, regions, say)
        except JobLost as lost:
            if not on_emulator(lost.launch.realm):
                raise
            # An emulator forgets everything when it restarts: its old jobs cost nothing, so start afresh.
            say("resume", f"the emulator no longer knows job {lost.launch.job_id}; launching afresh")
            ledger.update(lost.launch.key, job_status="unknown", error="the emulator that ran it was restarted")
            fresh = replace(request, new=True)
            return _carry_out(fresh, stack, catalog, facts, ledger, regions, say)


def _parent(request: LaunchRequest, stack: StackRef, catalog: Catalog, say: StepReporter) -> Parent:
    """--from: the succeeded fine-tune to continue, checked against the catalog before any file is read."""
    from ftops.jobs.lineage import check_continuation, find_parent

    say("parent", f"finding {request.parent}")
    with Ledger() as ledger:
        parent = find_parent(str(request.parent), stack.outputs, catalog, ledger, stack.name)
    check_continuation(parent, request, catalog)
    return parent


def _carry_out(
    request: LaunchRequest,
    stack: StackRef,
    catalog: Catalog,
    facts: DatasetFacts,
    ledger: Ledger,
    regions: frozenset[str] | None,
    say: StepReporter,
) -> LaunchResult:
    from ftops.jobs.launch import plan_launch
    from ftops.jobs.lock import held

    target, planned, resumed = plan_launch(request, stack.outputs, catalog, facts, ledger, live_regions=regions)
    # One process carries a launch out at a time, from its record to its job (see ftops.jobs.lock).
    with held(ledger.path.parent, "launch", planned.key, what=lambda: _running(ledger, planned.key)):
        planned = ledger.get(planned.key) or planned  # the holder before us may have finished it
        return _carry_out_held(request, stack, catalog, facts, ledger, target, planned, resumed, say)


def _running(ledger: Ledger, key: str) -> str:
    """The launch another process holds, with its job once created (for "already running: ...")."""
    now = ledger.get(key)
    if now is None or not now.job_id:
        return f"launch {key} (state {now.state if now else 'planned'}, no job created yet)"
    return f"job {now.job_id} (launch {key})"


def _carry_out_held(
    request: LaunchRequest,
    stack: StackRef,
    catalog: Catalog,
    facts: DatasetFacts,
    ledger: Ledger,
    target: Target,
    planned: Any,
    resumed: bool,
    say: StepReporter,
) -> LaunchResult:
    if resumed:
        say("resume", f"continuing launch {planned.key} (state {planned.state})")
    try:
        outcome = _dispatch(planned, request, target, stack.outputs, ledger, catalog, say, resumed)
    except FtopsError:
        ledger.discard(planned.key)  # refused before anything was sent: leave no ghost `planned` row
        raise
    return LaunchResult(outcome, target, facts, stack)


def _dispatch(
    planned: Any,
    request: LaunchRequest,
    target: Target,
    outputs: StackOutputs,
    ledger: Ledger,
    catalog: Catalog,
    say: Callable[[str, str], None],
    resumed: bool,
) -> LaunchOutcome:
    """Azure OpenAI accounts run the Launcher; hub projects (open models, managed compute) the HubLauncher."""
    from ftops.jobs.clients import poll_seconds

    if target.kind == "openai":
        from ftops.jobs.clients import data_plane
        from ftops.jobs.launch import Launcher
        from ftops.jobs.propagation import role_wait_for

        with data_plane(target.endpoint or "") as plane:
            launcher = Launcher(plane, ledger, catalog, on_step=say, poll_seconds=poll_seconds(2.0))
            launcher.role_wait = role_wait_for(outputs, target, say)  # a role granted by `pulumi up` propagates
            return launcher.run(planned, request, target, LaunchOutcome(planned, resumed))
    from ftops.azure.arm import ArmClient
    from ftops.azure.ml import AzureML
    from ftops.jobs.launch_hub import HubLauncher

    with AzureML() as ml, ArmClient(outputs.subscription_id) as arm:
        hub = HubLauncher(ml, arm, ledger, catalog, outputs, on_step=say)
        return hub.run(planned, request, target, LaunchOutcome(planned, resumed))
