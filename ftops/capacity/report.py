"""`ftops quota` as one core call: VM quota per region and family, what a stack's managed compute needs
against it, and the deployment (TPM) quota in use in one region. The caller renders the document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ftops.errors import UserError


def quota_report(
    *,
    region: str | None,
    vm_size: str | None,
    family: str | None,
    stack: str | None,
    all_regions: bool,
    arm: Callable[[], Any],
) -> dict[str, Any]:
    """The `ftops quota --json` document (keys vm_quota, errors, deployment_quota, and stack with --stack).

    `arm` opens the ARM client; it is called only after the offline checks (VM size, the stack) pass.
    """
    from ftops.capacity.vm_quota import TOTAL, compare, stack_needs, sweep
    from ftops.catalog import load_catalog

    catalog = load_catalog()
    wanted_family = catalog.vm_size(vm_size).family if vm_size else family
    needs = []
    if stack:
        from ftops.stack.schema import load_stack_file

        needs = stack_needs(load_stack_file(stack))
        if not needs:
            raise UserError(
                f"stack {stack} declares no managed compute, so it needs no VM quota",
                hint="add a 'managed_compute' section to the stack, or look at a region with --region R",
            )
    regions = set(catalog.azure_regions) if all_regions else {n.location for n in needs}
    if region:
        regions.add(region.lower())
    with arm() as client:
        answers = sweep(client, regions)
        tpm = _deployment_usage(client, region.lower()) if region else []
    rows, errors = [], {}
    for location, answer in sorted(answers.items()):
        if isinstance(answer, str):
            errors[location] = answer
            continue
        # The regional total stays beside a filtered family: it caps every family in the region.
        rows += [q.to_dict() for q in answer.values() if _shown(q.family, wanted_family, TOTAL)]
    if family and not vm_size:
        _refuse_unknown_family(family, answers, TOTAL)
    comparisons = []
    for need in needs:
        found = answers.get(need.location)
        comparisons.append(compare(need, found if isinstance(found, dict) else None))
    data: dict[str, Any] = {"vm_quota": rows, "errors": errors, "deployment_quota": tpm}
    if stack:
        data["stack"] = {"name": stack, "needs": comparisons}
    return data


def _refuse_unknown_family(family: str, answers: dict[str, Any], total: str) -> None:
    """A --family no answered region lists is a typo, not an empty table: say so, with the nearest names."""
    import difflib

    known = {q.family for answer in answers.values() if isinstance(answer, dict) for q in answer.values()} - {total}
    if not known or family.lower() in {k.lower() for k in known}:
        return  # nothing answered (the errors say why), or the family is there
    close = difflib.get_close_matches(family.lower(), {k.lower(): k for k in known}, n=3, cutoff=0.6)
    names = {k.lower(): k for k in known}
    raise UserError(
        f"no region lists a VM family '{family}'",
        hint=f"did you mean {' or '.join(names[c] for c in close)}?"
        if close
        else "run `ftops quota --region R` to list the families of a region",
    )


def _shown(family: str, wanted: str | None, total: str) -> bool:
    return wanted is None or family == total or family.lower() == wanted.lower()


def _deployment_usage(arm: Any, location: str) -> list[dict[str, Any]]:
    """Deployment (TPM) usages in use in a region, beside VM quota."""
    from ftops.capacity.preflight import usages

    return [
        {"name": u.name, "used": u.used, "limit": u.limit, "free": u.free}
        for u in usages(arm, location).values()
        if u.used > 0
    ]
