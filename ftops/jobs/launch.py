"""Launch an Azure OpenAI fine-tune exactly once: validate, upload, wait for processing, create the job.

Every step is recorded in the ledger before the call that depends on it. A rerun of the same launch
(same stack, target, model, method, hyperparameters and dataset bytes) resumes where the last one
stopped: files already uploaded are reused (found in the ledger, or on the service by their
content-addressed filename when the upload's response was lost), and a job whose create response was
lost is found again by the launch's unique suffix instead of being created twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftops.azure.errors import AzureMaybeAppliedError, AzureNotFoundError
from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.uploads import PART_THRESHOLD
from ftops.catalog import Catalog, Method, Modality, Model, TrainingType
from ftops.errors import NotAvailableError, UsageError, UserError
from ftops.jobs.files import launch_preflight, upload_in_parts
from ftops.jobs.graders import service_check
from ftops.jobs.ledger import Launch, Ledger, launch_identity, legacy_identity
from ftops.jobs.propagation import RoleWait
from ftops.jobs.refs import JobDoc, on_emulator, realm
from ftops.stack.outputs import StackOutputs
from ftops.stack.placement import Target, resolve_target

if TYPE_CHECKING:
    from ftops.jobs.lineage import Parent

StepReporter = Callable[[str, str], None]
SUFFIX_MAX = 40  # the service's limit for a job suffix


@dataclass(frozen=True)
class LaunchRequest:
    """What the user asked for, as parsed from the command line."""

    stack: str  # a label for messages; the launch's identity comes from the stack's resources
    model: str | Model | None  # a catalog name, or the Model it was resolved to (None: the base of --from)
    method: Method
    train: Path
    validation: Path | None = None
    region: str | None = None
    project: str | None = None
    training_type: TrainingType | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    grader: dict[str, Any] | None = None
    suffix: str | None = None
    seed: int | None = None
    new: bool = False
    compute: str = "serverless"  # or "managed": the stack's own cluster (open models)
    queue: bool = False  # a full account's job waits in Azure's queue instead of being refused
    service_check: bool = True  # RFT: the service validates and runs the grader first (ftops.jobs.graders)
    parent: str | None = None  # --from: the job, launch key or fine-tuned model this launch continues
    continues: Parent | None = None  # what `parent` resolved to (ftops.jobs.lineage.find_parent)


@dataclass(frozen=True)
class DatasetFacts:
    """What launch needs from data validation: content hashes and whether images are present."""

    train_sha256: str
    validation_sha256: str | None
    vision: bool
    summary: dict[str, Any]


@dataclass
class LaunchOutcome:
    launch: Launch
    resumed: bool
    reused_files: list[str] = field(default_factory=list)
    recovered_job: bool = False
    job: JobDoc | None = None


def resolved_model(request: LaunchRequest, catalog: Catalog) -> Model:
    """The request's base model (resolved once in `ftops.jobs.run.launch`, which also infers it for --from)."""
    if isinstance(request.model, Model):
        return request.model
    if request.model is None:
        raise UsageError("--model is required", hint="name the base model (e.g. --model gpt-4.1-mini), or --from JOB")
    return catalog.model(request.model)


def base_model_id(model: Model) -> str:
    """The model id the fine-tuning API expects, e.g. gpt-4.1-mini-2025-04-14."""
    return f"{model.name}-{model.version}" if model.version else model.name


def launch_suffix(user_suffix: str | None, key: str, *, fresh: bool = False) -> str:
    """A suffix unique to this launch (so a lost create response can be found), keeping the user's part.

    `fresh` (--new) adds randomness: run numbers restart on a fresh ledger (another machine, CI), and a
    deliberate second run must never look like the job an earlier run created.
    """
    marker = re.sub(r"[^A-Za-z0-9]", "", key)[-10:]  # ends with the run number: --new runs differ
    if fresh:
        import secrets

        marker = marker[:4] + secrets.token_hex(3)
    if not user_suffix:
        return f"ft-{marker}"
    head = user_suffix[: SUFFIX_MAX - len(marker) - 1]
    return f"{head}-{marker}"


def check_request(request: LaunchRequest, model: Model) -> None:
    """Flag combinations the service would refuse after an upload, before anything is sent."""
    if request.suffix is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,28}", request.suffix):
        raise UsageError(
            f"--suffix {request.suffix!r} is not valid",
            hint="use up to 28 letters, digits, '-' or '_' (ftops appends a short launch marker)",
        )
    if request.method == "rft":
        if request.grader is None:
            raise UsageError("reinforcement fine-tuning needs a grader", hint="pass --grader grader.json")
        if request.validation is None:
            raise UsageError("reinforcement fine-tuning needs a validation file", hint="pass --validation FILE")
    elif request.grader is not None:
        raise UsageError(f"--grader applies to rft only, not {request.method}")
    if "beta" in request.hyperparameters and request.method != "dpo":
        raise UsageError("--beta applies to dpo only")
    if request.compute == "managed" and not model.managed_compute:
        raise UsageError(
            f"{model.name} is not offered on managed compute",
            hint="leave out --compute managed; `ftops models` lists the managed-compute models",
        )


def plan_launch(
    request: LaunchRequest,
    outputs: StackOutputs,
    catalog: Catalog,
    facts: DatasetFacts,
    ledger: Ledger,
    *,
    live_regions: frozenset[str] | None = None,
) -> tuple[Target, Launch, bool]:
    """Resolve the target and record (or find) the launch. Returns (target, launch, resumed)."""
    model = resolved_model(request, catalog)
    check_request(request, model)
    modality: Modality = "vision" if facts.vision else "text"
    try:
        target = resolve_target(
            outputs,
            catalog,
            model,
            request.method,
            modality,
            region=request.region,
            project=request.project,
            training_type=request.training_type,
            compute="managed" if request.compute == "managed" else "serverless",
            stack=request.stack,
            live_regions=live_regions,
        )
    except NotAvailableError:
        if request.continues is None or request.compute != "serverless":
            raise
        offers = catalog.where(model, request.method, modality)
        holder = request.continues.account.location
        if request.training_type and holder in offers.regions_for(request.training_type):
            raise  # the holder's region offers what was asked: the refusal is about something else, keep it
        raise request.continues.not_here(offers, request.training_type) from None
    where = realm()
    params: dict[str, Any] = {
        "hyperparameters": request.hyperparameters,
        "seed": request.seed,
        "suffix": request.suffix,
    }
    if request.grader is not None:
        params["grader"] = request.grader
    content: dict[str, Any] = {
        "target": target.key,
        "method": request.method,
        "params": params,
        "train_sha256": facts.train_sha256,
        "validation_sha256": facts.validation_sha256,
    }
    parent = request.continues
    parent_model = parent.fine_tuned_model if parent else None
    identity = launch_identity(realm=where, model=f"{model.name}@{model.version or ''}", parent=parent_model, **content)
    before = ledger.latest(identity)
    if before is None and parent is None:  # recorded by an older ftops (never a continuation): adopt it
        labels = {request.stack, outputs.environment}
        before = ledger.adopt([legacy_identity(stack=label, model=model.name, **content) for label in labels], identity)
    draft = Launch(
        key="",
        run=0,
        identity=identity,
        stack=outputs.environment,
        target=target.key,
        kind=target.kind,
        location=target.location,
        endpoint=target.endpoint,
        resource_id=target.resource_id,
        model=model.name,
        method=request.method,
        params=_json(params),
        train_sha256=facts.train_sha256,
        validation_sha256=facts.validation_sha256,
        suffix="",
        state="planned",
        workspace=None if target.kind == "openai" else target.resource_id,
        realm=where,
        parent_job_id=parent.job_id if parent else None,
        parent_model=parent_model,
    )
    launch = ledger.start(draft, new_run=request.new)
    resumed = before is not None and launch.key == before.key
    if not launch.suffix:
        launch = ledger.update(launch.key, suffix=launch_suffix(request.suffix, launch.key, fresh=request.new))
    return target, launch, resumed


class JobLost(UserError):
    """The ledger's job for this launch is unknown to the service (an emulator restart, or deleted)."""

    def __init__(self, launch: Launch) -> None:
        super().__init__(
            f"launch {launch.key} recorded job {launch.job_id}, which {launch.endpoint} does not know",
            hint="the job was deleted (or the emulator restarted); start a fresh run with the same `ftops launch` "
            "and --new",
        )
        self.launch = launch


def uploads_key(launch: Launch) -> str:
    """Where an upload cache entry belongs: the endpoint, qualified by the emulator it was made on."""
    endpoint = launch.endpoint or launch.workspace or ""
    return f"{launch.realm} {endpoint}" if on_emulator(launch.realm) else endpoint


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, sort_keys=True, separators=(",", ":"))


class Launcher:
    """Carries a planned launch through upload, processing and job creation on one account."""

    def __init__(
        self,
        plane: OpenAIDataPlane,
        ledger: Ledger,
        catalog: Catalog,
        *,
        on_step: StepReporter | None = None,
        poll_seconds: float = 2.0,
    ) -> None:
        self.plane = plane
        self.ledger = ledger
        self.catalog = catalog
        self.on_step = on_step or (lambda step, detail: None)
        self.poll_seconds = poll_seconds
        self._may_recover = True
        self.role_wait: RoleWait | None = None  # a 401/403 just after `pulumi up`: ftops.jobs.propagation

    def run(self, launch: Launch, request: LaunchRequest, target: Target, outcome: LaunchOutcome) -> LaunchOutcome:
        if launch.job_id:
            try:
                outcome.job = self.plane.fine_tuning.jobs.get(launch.job_id)
            except AzureNotFoundError:
                raise JobLost(launch) from None
            outcome.launch = launch
            return outcome
        # Only a run that may have sent the create looks for its job; a deliberate --new run always creates.
        self._may_recover = not request.new or launch.state == "creating"
        limits, endpoint = self.catalog.limits, uploads_key(launch)
        check = lambda: launch_preflight(self.plane, self.ledger, limits, launch, request, endpoint=endpoint)  # noqa: E731
        self.role_wait.call(check) if self.role_wait else check()  # room on the account, once the role works
        if request.method == "rft" and request.grader is not None and request.service_check:
            service_check(self.plane, request.grader, request.train, self.on_step)  # before any upload
        train_id = self._ensure_file(launch, "train_file_id", request.train, launch.train_sha256, outcome)
        launch = self.ledger.get(launch.key) or launch
        validation_id = None
        if request.validation is not None and launch.validation_sha256:
            validation_id = self._ensure_file(
                launch, "validation_file_id", request.validation, launch.validation_sha256, outcome
            )
        launch = self.ledger.update(launch.key, state="uploaded")
        for file_id in filter(None, (train_id, validation_id)):
            self.on_step("processing", f"waiting for Azure to process {file_id}")
            self.plane.files.wait_processed(file_id, poll_seconds=self.poll_seconds)
        job = self._ensure_job(launch, request, target, train_id, validation_id, outcome)
        outcome.job = job
        outcome.launch = self.ledger.update(launch.key, state="created", job_id=job["id"], job_status=job.get("status"))
        return outcome

    # ---- files
    def _ensure_file(self, launch: Launch, column: str, path: Path, sha256: str, outcome: LaunchOutcome) -> str:
        from ftops.jobs.lock import held

        endpoint = uploads_key(launch)
        # Launches sharing a dataset on one endpoint upload it once: the second finds the first's record.
        with held(self.ledger.path.parent, "upload", f"{endpoint} {sha256}", what=f"upload of {path.name}"):
            return self._ensure_file_held(launch, column, path, sha256, outcome, endpoint)

    def _ensure_file_held(
        self, launch: Launch, column: str, path: Path, sha256: str, outcome: LaunchOutcome, endpoint: str
    ) -> str:
        known = [c for c in (getattr(launch, column), self.ledger.upload_for(endpoint, sha256)) if c]
        for candidate in dict.fromkeys(known):
            if self._usable(candidate):
                self._remember(launch, column, endpoint, sha256, candidate, path)
                outcome.reused_files.append(candidate)
                self.on_step("upload", f"{path.name}: reusing {candidate}")
                return candidate
        if known:  # the service no longer has it (deleted, or failed processing)
            self.ledger.forget_upload(endpoint, sha256)
        name = upload_name(sha256, path)
        if found := self._find_uploaded(name):
            self._remember(launch, column, endpoint, sha256, found, path)
            outcome.reused_files.append(found)
            self.on_step("upload", f"{path.name}: found earlier upload {found}")
            return found
        if path.stat().st_size > PART_THRESHOLD:  # the Uploads API in parts, resumable from the ledger
            self.ledger.update(launch.key, state="uploading")
            key = f"{endpoint} {sha256}"
            uploaded = upload_in_parts(self.plane, self.ledger, path, sha256, name=name, key=key, on_step=self.on_step)
            self._remember(launch, column, endpoint, sha256, uploaded, path)
            return uploaded
        from ftops.jobs.lock import verified_bytes

        # Upload exactly the bytes that were validated: a file changed since then is refused.
        content = verified_bytes(path, sha256, limit=self.catalog.limits.training_file_max_bytes)
        self.ledger.update(launch.key, state="uploading")
        self.on_step("upload", f"uploading {path.name} ({len(content):,} bytes)")
        try:
            uploaded_file = self.plane.files.upload(content, filename=name)
        except AzureMaybeAppliedError:
            # The connection broke after sending: Azure may have stored it. Look before sending again.
            found = self._find_uploaded(name)
            uploaded = found or self.plane.files.upload(content, filename=name)["id"]
        else:
            uploaded = uploaded_file["id"]
        self._remember(launch, column, endpoint, sha256, uploaded, path)
        return uploaded

    def _remember(self, launch: Launch, column: str, endpoint: str, sha256: str, file_id: str, path: Path) -> None:
        self.ledger.record_upload(endpoint, sha256, file_id, upload_name(sha256, path))
        self.ledger.update(launch.key, **{column: file_id})

    def _usable(self, file_id: str) -> bool:
        try:
            found = self.plane.files.get(file_id)
        except AzureNotFoundError:
            return False
        return found.get("status") not in ("error", "deleted")

    def _find_uploaded(self, name: str) -> str | None:
        for found in self.plane.files.list(purpose="fine-tune"):
            if found.get("filename") == name and found.get("status") not in ("error", "deleted"):
                return found["id"]
        return None

    # ---- job
    def _ensure_job(
        self,
        launch: Launch,
        request: LaunchRequest,
        target: Target,
        train_id: str,
        validation_id: str | None,
        outcome: LaunchOutcome,
    ) -> JobDoc:
        if self._may_recover and (found := self._find_job(launch, train_id)):
            outcome.recovered_job = True
            self.on_step("create", f"found the job created earlier: {found['id']}")
            return found
        self.ledger.update(launch.key, state="creating")
        model = target.model or self.catalog.model(launch.model)
        arguments: dict[str, Any] = {
            "validation_file": validation_id,
            "method": request.method,
            "hyperparameters": request.hyperparameters or None,
            "grader": request.grader,
            "suffix": launch.suffix,
            "seed": request.seed,
            "training_type": target.training_type if target.training_type != "standard" else None,
        }
        # A continued fine-tune trains from its parent's fine-tuned model, recorded before this create.
        model_id = launch.parent_model or base_model_id(model)
        self.on_step("create", f"creating the fine-tuning job on {target.name} ({target.location})")
        try:
            return self.plane.fine_tuning.jobs.create(model_id, train_id, **arguments)
        except AzureMaybeAppliedError:
            if found := self._find_job(launch, train_id):
                outcome.recovered_job = True
                return found
            return self.plane.fine_tuning.jobs.create(model_id, train_id, **arguments)

    def _find_job(self, launch: Launch, train_id: str) -> JobDoc | None:
        """A job on the service carrying this launch's suffix and training file, not claimed by another launch."""
        claimed = self.ledger.claimed_job_ids()
        for job in self.plane.fine_tuning.jobs.list(max_items=1000):
            if job.get("id") in claimed:
                continue
            if job.get("suffix") == launch.suffix and job.get("training_file") == train_id:
                return job
        return None


def upload_name(sha256: str, path: Path) -> str:
    """Content-addressed filename: lets a rerun find an upload whose response was lost."""
    return f"ftops-{sha256[:16]}-{path.name}"
