"""`ftops eval` as one call: targets resolved on the stack's account, one eval, one run per target, scores.

The service does the work (completions and graders run in Azure's Evals API); ftops sends the held-out
items inline, waits with the one poller, reads the output items and computes the report
(`ftops.evals.report`). Exactly once, like launches: the eval and each run are recorded in the eval
ledger before they are created and carry their key in `metadata`, so a rerun after a crash reuses them.
Checkpoints named with `--checkpoint` are deployed only with `deploy_checkpoints` (the hosting cost per
hour is reported before anything is created) and deleted after the runs, also after a failure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftops.errors import AzureRefusedError, UsageError, UserError
from ftops.evals.report import PASS_RATE, TargetScores, paired, pick, score

KEY_FIELD = "ftops_key"  # metadata key that lets a rerun find what a lost reply created


@dataclass(frozen=True)
class EvalRequest:
    """What `ftops eval` was asked."""

    data: Path
    graders: list[str]
    targets: list[str] = field(default_factory=list)  # LABEL=DEPLOYMENT or DEPLOYMENT
    job: str | None = None
    checkpoints: list[str] = field(default_factory=list)  # step numbers or checkpoint ids
    deploy_checkpoints: bool = False
    region: str | None = None
    baseline: str | None = None
    metric: str = PASS_RATE
    fail_under: float | None = None
    max_completion_tokens: int = 1024


@dataclass
class Target:
    label: str
    deployment: str
    model: str
    kind: str  # deployment | fine-tuned | checkpoint
    temporary: bool = False  # deployed for this evaluation, deleted after it
    hosting_per_hour: float | None = None  # what a temporary deployment costs while it exists


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _parse_target(text: str) -> tuple[str, str]:
    label, sep, deployment = text.partition("=")
    if not sep:
        label, deployment = text, text
    if not label or not deployment:
        raise UsageError(f"--target {text!r} is not LABEL=DEPLOYMENT", hint="e.g. --target base=gpt-41-mini")
    return label, deployment


def run_eval(
    request: EvalRequest,
    stack: Any,
    *,
    on_step: Callable[[str], None] | None = None,
    on_note: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run (or resume) the evaluation and return the `--json` document; the CLI renders it.

    `on_step` gets progress; `on_note` what a person must see even off a terminal (hosting costs)."""
    from ftops.evals.data import item_schema, load_graders, read_held_out
    from ftops.evals.ledger import EvalLedger
    from ftops.jobs.clients import arm, data_plane, poll_seconds
    from ftops.jobs.refs import realm

    say = on_step or (lambda text: None)
    graders = load_graders(request.graders)
    held_out = read_held_out(request.data)
    outputs = stack.outputs
    job, region = _job_and_region(request, stack)
    with EvalLedger() as ledger, arm(outputs.subscription_id) as client:
        targets = _targets(request, job, region, outputs, client, ledger, say, on_note or say)
        labels = [t.label for t in targets]
        if len(set(labels)) != len(labels):
            raise UsageError("two targets have the same label", hint="give each --target its own LABEL=")
        baseline = request.baseline or labels[0]
        if baseline not in labels:
            raise UsageError(f"--baseline {baseline} is not a target", hint=f"use one of {', '.join(labels)}")
        try:
            with data_plane(region.endpoint) as plane:
                from ftops.evals.client import EvalRun, EvalsClient

                evals = EvalsClient(plane)
                eval_key = _key("eval", realm(), region.endpoint, held_out.sha256, graders)
                eval_id = _ensure_eval(evals, ledger, eval_key, region.endpoint, graders, held_out, item_schema, say)
                runs = {}
                for target in targets:
                    run_key = _key("run", eval_id, target.label, target.deployment, target.model)
                    runs[target.label] = (
                        run_key,
                        _ensure_run(evals, ledger, eval_id, run_key, target, held_out, request, say),
                    )
                scored = []
                for target in targets:
                    run_key, run_id = runs[target.label]

                    def progress(run: EvalRun, label: str = target.label) -> None:
                        say(f"run {label}: {run.status}")

                    run = evals.wait_run(eval_id, run_id, interval=poll_seconds(10.0), on_poll=progress)
                    if run.status != "completed":
                        ledger.forget_run(run_key)  # a rerun starts a fresh run for this target
                        detail = (run.error or {}).get("message") or "no reason given"
                        raise AzureRefusedError(
                            f"eval run for {target.label} ({target.deployment}) ended {run.status}: {detail}",
                            hint="check the deployment serves, then run the same `ftops eval` again",
                        )
                    items = [i.wire() for i in evals.output_items(eval_id, run_id)]
                    scores = TargetScores(target.label, target.deployment, target.model, target.kind, run_id)
                    scored.append(score(scores, items, run.per_model_usage or []))
        finally:
            _clean_up(targets, region, outputs, client, ledger, say)
    result = _result(request, stack, job, region, eval_id, scored, baseline, held_out.items)
    result["deployed_for_eval"] = [
        {"deployment": t.deployment, "model": t.model, "hosting_per_hour": t.hosting_per_hour, "deleted": True}
        for t in targets
        if t.temporary
    ]
    return result


def _job_and_region(request: EvalRequest, stack: Any) -> tuple[dict[str, Any] | None, Any]:
    """The job (when --job) and the stack account the evaluation runs on."""
    from ftops.jobs.clients import data_plane

    outputs = stack.outputs
    if request.job:
        from ftops.jobs.deploy import region_for_endpoint
        from ftops.jobs.track import locate

        ref = locate(request.job, stack)
        endpoint = ref.require_openai("ftops eval --job")
        with data_plane(endpoint) as plane:
            job = ref.job or plane.fine_tuning.jobs.get(ref.job_id).wire()
        found = dict(job) if isinstance(job, dict) else job.wire()
        found["_ledger_deployment"] = ref.launch.deployment if ref.launch is not None else None
        return found, region_for_endpoint(outputs, endpoint)
    if request.region:
        for region in outputs.regions:
            if region.location == request.region or region.account_name == request.region:
                return None, region
        known = ", ".join(r.location for r in outputs.regions)
        raise UserError(f"stack {stack.name} has no account in {request.region}", hint=f"use one of {known}")
    if not outputs.regions:
        raise UserError(f"stack {stack.name} has no Azure OpenAI account", hint="check the stack's outputs")
    return None, outputs.regions[0]


def _targets(request, job, region, outputs, client, ledger, say, note) -> list[Target]:
    from ftops.jobs.deploy import default_deployment_name

    group, account = outputs.resource_group, region.account_name
    targets: list[Target] = []
    for text in request.targets:
        label, name = _parse_target(text)
        found = client.deployments.get(group, account, name)
        if found is None:
            raise UserError(
                f"no deployment {name} on {account}",
                hint="list them with `ftops deployments list`; a base model needs a deployment to be evaluated",
            )
        targets.append(Target(label, name, found.model_name, "deployment"))
    if job is not None:
        if job.get("status") != "succeeded" or not job.get("fine_tuned_model"):
            raise UserError(
                f"job {job.get('id')} is {job.get('status')}; evaluate it once it succeeded",
                hint=f"ftops jobs wait {job.get('id')}",
            )
        name = job.get("_ledger_deployment") or default_deployment_name(job)
        found = client.deployments.get(group, account, name)
        if found is None or found.model_name != job["fine_tuned_model"]:
            raise UserError(
                f"the fine-tuned model of {job['id']} is not deployed as {name}",
                hint=f"deploy it with `ftops deploy {job['id']}`",
            )
        targets.append(Target("fine-tuned", name, job["fine_tuned_model"], "fine-tuned"))
        targets += _checkpoint_targets(request, job, region, outputs, client, ledger, say, note)
    elif request.checkpoints:
        raise UsageError("--checkpoint needs --job JOB", hint="name the job whose checkpoints to evaluate")
    if not targets:
        raise UsageError("nothing to evaluate", hint="pass --target LABEL=DEPLOYMENT and/or --job JOB")
    return targets


def _checkpoint_targets(request, job, region, outputs, client, ledger, say, note) -> list[Target]:
    from ftops.capacity.lifecycle import hosting_per_day
    from ftops.jobs.clients import data_plane, poll_seconds
    from ftops.jobs.deploy import DeployRequest, deploy
    from ftops.jobs.ledger import default_path
    from ftops.stack.naming import resource_name, short_hash

    if not request.checkpoints:
        return []
    with data_plane(region.endpoint) as plane:
        known = [c.wire() for c in plane.fine_tuning.jobs.checkpoints(job["id"])]
    group, account = outputs.resource_group, region.account_name
    chosen = []
    for wanted in request.checkpoints:
        found = next((c for c in known if wanted in (str(c.get("step_number")), c.get("id"))), None)
        if found is None:
            steps = ", ".join(str(c.get("step_number")) for c in known) or "none"
            raise UserError(f"job {job['id']} has no checkpoint {wanted}", hint=f"its checkpoints' steps: {steps}")
        name = resource_name(
            "deployment", job["model"].split(".ft-")[0], "eval", short_hash(str(found["id"]), length=8)
        )
        chosen.append((found, name))
    missing = [(c, n) for c, n in chosen if client.deployments.get(group, account, n) is None]
    if missing and not request.deploy_checkpoints:
        raise UserError(
            f"{len(missing)} checkpoint(s) are not deployed",
            hint="add --deploy-checkpoints to deploy them for this evaluation (billed per hour; deleted after)",
        )
    hourly = {}
    for checkpoint, name in chosen:
        per_day = hosting_per_day(checkpoint["fine_tuned_model_checkpoint"], "Standard")
        hourly[name] = round(per_day / 24, 4) if per_day is not None else None
    for checkpoint, name in missing:  # the cost is said before anything is created
        cost = f"${hourly[name]:,.2f} per hour" if hourly[name] is not None else "an hourly fee (no price recorded)"
        note(
            f"deploying checkpoint step {checkpoint['step_number']} as {name} for this evaluation: {cost} until deleted"
        )
    targets = []
    for checkpoint, name in chosen:
        model = checkpoint["fine_tuned_model_checkpoint"]
        if (checkpoint, name) in missing:
            ledger.add_temporary(region.account_id, name, model)  # recorded first: a crash still cleans it up
            stand_in = {"id": checkpoint["id"], "model": job["model"], "status": "succeeded", "fine_tuned_model": model}
            deploy(
                client,
                outputs,
                region,
                DeployRequest(job=stand_in, name=name),
                state_dir=default_path().parent,
                poll_seconds=poll_seconds(5.0),
                on_step=say,
            )
        temporary = ledger.temporary(region.account_id, name)
        label = f"step-{checkpoint['step_number']}"
        targets.append(Target(label, name, model, "checkpoint", temporary, hourly[name] if temporary else None))
    return targets


def _clean_up(targets, region, outputs, client, ledger, say) -> None:
    for target in targets:
        if target.temporary:
            say(f"deleting {target.deployment} (deployed for this evaluation)")
            client.deployments.delete(outputs.resource_group, region.account_name, target.deployment)
            ledger.removed(region.account_id, target.deployment)


def _ensure_eval(evals, ledger, key, endpoint, graders, held_out, item_schema, say) -> str:
    from ftops.azure.errors import AzureNotFoundError

    recorded, eval_id = ledger.eval_state(key)
    if eval_id:
        try:
            evals.get(eval_id)
            say(f"reusing eval {eval_id}")
            return eval_id
        except AzureNotFoundError:  # deleted on the service since: evaluate afresh
            say(f"eval {eval_id} no longer exists; creating it again")
            recorded = False
    if recorded:  # a create may have reached Azure before the process died: look for it by its key
        found = next((e for e in evals.list() if (e.metadata or {}).get(KEY_FIELD) == key), None)
        if found is not None:
            ledger.set_eval(key, found.id)
            say(f"found eval {found.id} from an interrupted run")
            return found.id
    ledger.begin_eval(key, endpoint)
    body = {
        "name": f"ftops {Path(held_out.source).name}"[:200],
        "metadata": {KEY_FIELD: key, "data_sha256": held_out.sha256[:64]},
        "data_source_config": {
            "type": "custom",
            "item_schema": item_schema(held_out.items),
            "include_sample_schema": True,
        },
        "testing_criteria": graders,
    }
    created = evals.create(body)
    ledger.set_eval(key, created.id)
    say(f"created eval {created.id}")
    return created.id


def _ensure_run(evals, ledger, eval_id, key, target, held_out, request, say) -> str:
    recorded, run_id = ledger.run_state(key)
    if run_id:
        say(f"reusing run {run_id} for {target.label}")
        return run_id
    if recorded:
        found = next((r for r in evals.runs(eval_id) if (r.metadata or {}).get(KEY_FIELD) == key), None)
        if found is not None and found.status not in ("failed", "canceled"):
            ledger.set_run(key, found.id)
            say(f"found run {found.id} for {target.label} from an interrupted run")
            return found.id
    ledger.begin_run(key, eval_id, target.label)
    body = {
        "name": target.label,
        "metadata": {KEY_FIELD: key, "target": target.label[:500]},
        "data_source": {
            "type": "completions",
            "model": target.deployment,
            "input_messages": {"type": "item_reference", "item_reference": "item.input"},
            "source": {"type": "file_content", "content": [{"item": item} for item in held_out.items]},
            "sampling_params": {
                "temperature": 0,
                "seed": 42,
                "top_p": 1,
                "max_completion_tokens": request.max_completion_tokens,
            },
        },
    }
    created = evals.create_run(eval_id, body)
    ledger.set_run(key, created.id)
    say(f"started run {created.id} for {target.label} ({target.deployment})")
    return created.id


def _result(request, stack, job, region, eval_id, scored, baseline, items) -> dict[str, Any]:
    base = next(t for t in scored if t.label == baseline)
    comparisons = [paired(base, t, items) for t in scored if t.label != baseline]
    best = pick(scored, request.metric)
    result: dict[str, Any] = {
        "eval_id": eval_id,
        "account": region.account_name,
        "items": len(items),
        "metric": request.metric,
        "baseline": baseline,
        "targets": [t.view() for t in scored],
        "comparisons": comparisons,
        "pick": {
            "label": best.label,
            "value": round(best.metric(request.metric), 6),
            "deploy": _deploy_hint(best, job, stack),
        },
    }
    if request.fail_under is not None:
        others = [t for t in scored if t.label != baseline]
        candidate = pick(others, request.metric) if others else base
        margin = candidate.metric(request.metric) - base.metric(request.metric)
        result["gate"] = {
            "candidate": candidate.label,
            "margin": round(margin, 6),
            "fail_under": request.fail_under,
            "passed": margin >= request.fail_under,
        }
    return result


def _deploy_hint(best: TargetScores, job: dict[str, Any] | None, stack: Any) -> str:
    """The exact command that ships the pick, or why none is needed."""
    if best.kind == "fine-tuned" and job is not None:
        return f"ftops deploy {job['id']} {stack.selector}"
    if best.kind == "checkpoint":
        return (
            f"checkpoint model {best.model}: `ftops deploy` deploys a job's final model; "
            "deploy this checkpoint from the Foundry portal"
        )
    return f"already deployed as {best.deployment}; nothing to ship"
