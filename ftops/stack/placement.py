"""Placement: which provisioned resource runs a fine-tune. Stack outputs + catalog, never guessed names.

The one answer to "where does this fine-tune train": the stack's declared `fine_tunes` (outputs schema
version 2) say where each one belongs, and `launch` follows them unless the user names a region or a
training type. Without a declaration, the first declared region that can train it, in-region first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ftops.catalog import Catalog, Method, Modality, Model, TrainingType, Where, normalize
from ftops.errors import NotAvailableError
from ftops.stack.outputs import FineTuneOutput, StackOutputs

TargetKind = Literal["openai", "hub", "managed"]


@dataclass(frozen=True)
class Target:
    """A resource that can run one fine-tune, with everything the clients need to reach it."""

    kind: TargetKind
    location: str
    training_type: TrainingType
    resource_id: str  # AI Services account id, or hub project workspace id
    name: str  # account name, or hub project name
    endpoint: str | None = None  # Azure OpenAI data-plane endpoint (openai targets)
    project: str | None = None  # Foundry project or hub project name
    compute: str | None = None  # managed compute cluster name
    model: Model | None = field(default=None, compare=False)  # the catalog model, resolved once per launch
    declared: bool = False  # placed by the stack's declared fine_tunes

    @property
    def key(self) -> str:
        """Stable identity of the target, part of a launch key."""
        return f"{self.kind}:{self.resource_id}:{self.project or ''}:{self.training_type}"


def resolve_target(
    outputs: StackOutputs,
    catalog: Catalog,
    model: Model,
    method: Method,
    modality: Modality = "text",
    *,
    region: str | None = None,
    project: str | None = None,
    training_type: TrainingType | None = None,
    compute: Literal["serverless", "managed"] = "serverless",
    stack: str = "the stack",
    live_regions: frozenset[str] | None = None,
) -> Target:
    """Pick the resource of the stack that can run this fine-tune, or explain what to add."""
    where = catalog.where(model, method, modality)
    if compute == "managed":
        found = _managed_target(outputs, model, stack)
    elif model.is_openai:
        spec = (
            declared_fine_tune(outputs, model, method, modality) if region is None and training_type is None else None
        )
        if spec is not None:
            region, training_type = spec.region, spec.training_type  # type: ignore[assignment]
        found = _openai_target(outputs, model, where, region, project, training_type, stack, live_regions)
        if spec is not None:
            found = _replace(found, declared=True)
    else:
        found = _hub_target(outputs, model, region, project, stack)
    return _replace(found, model=model)


def declared_fine_tune(
    outputs: StackOutputs, model: Model, method: Method, modality: Modality
) -> FineTuneOutput | None:
    """The stack's declared fine-tune for this model, method and modality (serverless), if any."""
    for spec in outputs.fine_tunes:
        if (
            normalize(spec.model) == normalize(model.name)
            and spec.method == method
            and spec.modality == modality
            and spec.compute == "serverless"
        ):
            return spec
    return None


def _replace(target: Target, **changes: object) -> Target:
    from dataclasses import replace

    return replace(target, **changes)  # type: ignore[arg-type]


def _openai_target(
    outputs: StackOutputs,
    model: Model,
    where: Where,
    region: str | None,
    project: str | None,
    training_type: TrainingType | None,
    stack: str,
    live_regions: frozenset[str] | None = None,
) -> Target:
    """`live_regions`, when given, are the regions ARM reports can fine-tune the model right now.

    Without a training type asked for: in-region first, then Global (the open models offer no Standard training,
    so they land on Global; Data zone regions all offer Global too); Data zone and Developer (which may be
    preempted) only when asked for or declared. The type placed is always the job's `trainingType`.
    """
    if training_type is not None and not where.regions_for(training_type):
        raise _type_not_offered(model, where, training_type)
    types: list[TrainingType] = [training_type] if training_type else ["standard", "global"]
    declared = [
        r
        for r in outputs.regions
        if (region is None or r.location == region) and (live_regions is None or r.location in live_regions)
    ]
    for kind in types:
        can = where.regions_for(kind)
        for candidate in declared:
            if candidate.location not in can:
                continue
            projects = [p.name for p in candidate.projects]
            if project is not None and project not in projects:
                continue
            return Target(
                kind="openai",
                location=candidate.location,
                training_type=kind,
                resource_id=candidate.account_id,
                name=candidate.account_name,
                endpoint=candidate.endpoint,
                project=project or (projects[0] if projects else None),
            )
    wanted = [t for t in types if where.regions_for(t)]
    options = "; ".join(f"{t} training in {', '.join(where.regions_for(t))}" for t in wanted)
    have = ", ".join(r.location for r in outputs.regions) or "none"
    scope = f" in {region}" if region else ""
    scope += " that ARM reports as able to fine-tune it now" if live_regions is not None else ""
    scope += f" with project {project}" if project else ""
    candidates = [r for t in wanted for r in where.regions_for(t)]
    locations = {r.location for r in outputs.regions}
    missing = [r for r in candidates if r not in locations]
    file = _stack_file_named(stack)
    if missing:  # never suggest a region the stack already has
        change = f"Add a regions entry (e.g. `- location: {missing[0]}`) to {file} and run `pulumi up`"
    else:
        change = f"the stack has those regions: check their projects and fine_tunes in {file} (docs/config.md)"
    raise NotAvailableError(
        f"{stack} has no AI Services account{scope} that can fine-tune {model.name} with {where.method}"
        f" (stack regions: {have})",
        hint=f"{model.name} offers {options or 'no training type you asked for'}. {change}",
    )


def _type_not_offered(model: Model, where: Where, training_type: TrainingType) -> NotAvailableError:
    """A training type the model does not offer at all (e.g. Developer for gpt-oss-20b): name the ones it does.

    The same words whether `--training-type` or the stack's declaration asked for it; refused before any upload."""
    offered = where.training_types
    if not offered:
        return NotAvailableError(
            f"{model.name} offers no training type with {where.method}",
            hint=f"`ftops availability --model {model.name}` shows where it trains",
        )
    choices = " or ".join(f"--training-type {t}" for t in offered)
    return NotAvailableError(
        f"{model.name} does not offer {training_type} training with {where.method} (it offers {', '.join(offered)})",
        hint=f"pass {choices}, or set that training_type in the stack's fine_tunes entry for {model.name}",
    )


def _stack_file_named(stack: str) -> str:
    """The stack file a hint can name: the user's own when it exists, else the pattern (never a made-up file)."""
    from ftops.errors import ConfigError
    from ftops.stack.schema import stack_file

    try:
        path = stack_file(stack)
    except ConfigError:  # a label that is no stack name (e.g. from --outputs): name the pattern
        return "your stack file (stacks/Pulumi.<stack>.yaml)"
    if not path.is_file():
        return "your stack file (stacks/Pulumi.<stack>.yaml)"
    from ftops.stack.schema import project_dir

    try:
        return str(path.resolve().relative_to(project_dir().resolve()))
    except ValueError:
        return str(path)


def _hub_target(outputs: StackOutputs, model: Model, region: str | None, project: str | None, stack: str) -> Target:
    hub = outputs.hub
    can = ", ".join(model.standard_regions)
    if hub is None or not hub.projects:
        raise NotAvailableError(
            f"{model.name} fine-tunes in a hub project, and {stack} has no hub",
            hint=f"add a 'hub' section with a project (location in one of: {can}) to the stack and run `pulumi up`",
        )
    if hub.location not in model.standard_regions or (region and region != hub.location):
        raise NotAvailableError(
            f"{model.name} cannot be fine-tuned in the hub's region {hub.location}",
            hint=f"regions that can: {can}; set hub.location to one of them",
        )
    for candidate in hub.projects:
        if project is not None and candidate.name != project:
            continue
        return Target(
            kind="hub",
            location=hub.location,
            training_type="standard",
            resource_id=candidate.id,
            name=candidate.name,
            project=candidate.name,
        )
    raise NotAvailableError(
        f"hub project '{project}' is not in {stack}",
        hint="hub projects: " + ", ".join(p.name for p in hub.projects),
    )


def _managed_target(outputs: StackOutputs, model: Model, stack: str) -> Target:
    hub = outputs.hub
    if not model.managed_compute:
        raise NotAvailableError(f"{model.name} is not offered on managed compute", hint="use serverless fine-tuning")
    if hub is None or hub.compute is None or not hub.projects:
        raise NotAvailableError(
            f"{stack} has no managed compute for {model.name}",
            hint="add a 'managed_compute' section and a hub project to the stack and run `pulumi up`",
        )
    first = hub.projects[0]
    return Target(
        kind="managed",
        location=hub.location,
        training_type="standard",
        resource_id=first.id,
        name=first.name,
        project=first.name,
        compute=hub.compute.name,
    )
