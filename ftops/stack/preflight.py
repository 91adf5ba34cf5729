"""A stack against live ARM before `pulumi up`: fine-tunes need a region that can train them now, declared
deployments need free deployment quota (TPM), managed compute needs VM quota `pulumi up` can request.

Every shortfall is reported at once, with what would fit; the caller renders the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftops.errors import AzureRefusedError, Problem
from ftops.stack.schema import Environment

if TYPE_CHECKING:
    from ftops.stack.soft_delete import NamingConfig


def live_preflight(environment: Environment, arm: Any, naming: NamingConfig | None = None) -> dict[str, Any]:
    """The `live` section of `ftops check --live`, or AzureRefusedError listing every problem.

    Soft-deleted resources holding the stack's names are warnings (`pulumi up` fails on them unless
    restored or purged); on a failure they are listed after the problems."""
    from ftops.stack.soft_delete import soft_delete_report

    held, warnings = soft_delete_report(environment, arm, naming)
    results, problems = _availability(environment, arm)
    capacity = _capacity(environment, arm)
    vm_quota = _vm_quota(environment, arm)
    # VM quota that `pulumi up` cannot request by itself (family missing, regional total short) fails too.
    vm_blocking = [Problem("managed_compute", q["status"]) for q in vm_quota if q["blocking"]]
    if problems or capacity or vm_blocking:
        error = AzureRefusedError(
            f"live preflight failed: {len(problems) + len(capacity) + len(vm_blocking)} problem(s)",
            hint="see `ftops availability --model M --live` and `ftops quota --region R`; change the stack "
            "to a region or SKU that fits",
            code="NotAvailableLive" if problems else "InsufficientQuota",
        )
        error.problems = [Problem("fine_tunes", text) for text in problems]
        error.problems += [Problem(", ".join(s.what), s.line()) for s in capacity]
        error.problems += vm_blocking
        error.problems += [Problem("soft-deleted (warning)", text) for text in warnings]
        raise error
    return {
        "availability": results,
        "capacity": [],
        "vm_quota": vm_quota,
        "soft_deleted": held,
        "warnings": warnings,
        "ok": True,
    }


def _availability(environment: Environment, arm: Any) -> tuple[list[dict[str, Any]], list[str]]:
    from ftops.azure import availability
    from ftops.catalog import load_catalog
    from ftops.catalog.live import offers_model

    catalog = load_catalog()
    wanted: dict[str, Any] = {}
    for spec in environment.fine_tunes:
        model = catalog.model(spec.model)
        if not model.is_openai or spec.compute == "managed":
            continue
        regions = [spec.region] if spec.region else [r.location for r in environment.regions]
        wanted[f"{spec.model}/{spec.method}"] = (spec, model, regions)
    if not wanted:
        return [], []
    answers = availability.sweep(arm, {r for _, _, regions in wanted.values() for r in regions})
    results, problems = [], []
    for spec, model, regions in wanted.values():
        live_ok = [r for r in regions if not answers[r].error and offers_model(answers[r], model)]
        errors = {r: answers[r].error for r in regions if answers[r].error}
        results.append(
            {
                "model": model.name,
                "method": spec.method,
                "training_type": spec.training_type,
                "regions": regions,
                "live_regions": live_ok,
                "errors": errors,
            }
        )
        if not live_ok and not errors:
            problems.append(f"{model.name} ({spec.method}) cannot be fine-tuned in {', '.join(regions)} per ARM")
    return results, problems


def _capacity(environment: Environment, arm: Any) -> list[Any]:
    """Declared base-model deployments against free TPM, with regions that would fit."""
    from ftops.capacity.preflight import Want, shortfalls

    wants = [
        Want(region.location, deployment.model, deployment.sku, deployment.capacity, f"regions[{i}].deployments[{j}]")
        for i, region in enumerate(environment.regions)
        for j, deployment in enumerate(region.deployments)
    ]
    if not wants:
        return []
    return list(shortfalls(arm, wants, preferred=[r.location for r in environment.regions]))


def _vm_quota(environment: Environment, arm: Any) -> list[dict[str, Any]]:
    """The stack's managed compute against free VM quota; a shortfall is what `pulumi up` will request."""
    from ftops.capacity.vm_quota import compare, read_quota, stack_needs

    return [compare(need, read_quota(arm, need.location)) for need in stack_needs(environment)]
