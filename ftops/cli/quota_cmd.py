"""`ftops quota`: VM quota for managed compute, and deployment (TPM) usage, per region."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ftops.cli.options import JsonOption, complete_region


def quota(
    region: Annotated[
        str | None, typer.Option("--region", "-r", help="Azure region.", autocompletion=complete_region)
    ] = None,
    vm_size: Annotated[str | None, typer.Option("--vm-size", help="Only the family of this VM size.")] = None,
    family: Annotated[
        str | None, typer.Option("--family", help="Only this VM family, e.g. standardNCADSA100v4Family.")
    ] = None,
    stack: Annotated[
        str | None, typer.Option("--stack", "-s", help="Compare with what this stack's managed compute needs.")
    ] = None,
    all_regions: Annotated[bool, typer.Option("--all-regions", help="Sweep every Azure region at once.")] = False,
    as_json: JsonOption = False,
) -> None:
    """VM quota (usage, limit, free vCPUs per family) and deployment quota in use, per region.

    Needs AZURE_SUBSCRIPTION_ID (or the emulator). With --stack, shows what the stack's managed compute
    needs against what is free, and what `pulumi up` will request.

    Examples:
      ftops quota --region westus3 --vm-size Standard_NC24ads_A100_v4
      ftops quota --stack managed-compute
      ftops quota --all-regions --family standardNCADSA100v4Family --json
    """
    from ftops.capacity.vm_quota import TOTAL, compare, stack_needs, sweep
    from ftops.catalog import load_catalog
    from ftops.cli import render
    from ftops.errors import UsageError, UserError
    from ftops.jobs.clients import subscription_arm

    if vm_size and family:
        raise UsageError("give --vm-size or --family, not both")
    if not (region or stack or all_regions):
        raise UsageError("say where to look", hint="pass --region R, --stack S or --all-regions")
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
    with subscription_arm() as arm:
        answers = sweep(arm, regions)
        tpm = _deployment_usage(arm, region.lower()) if region else []
    rows, errors = [], {}
    for location, answer in sorted(answers.items()):
        if isinstance(answer, str):
            errors[location] = answer
            continue
        # The regional total stays beside a filtered family: it caps every family in the region.
        rows += [q.to_dict() for q in answer.values() if _shown(q.family, wanted_family, TOTAL)]
    comparisons = []
    for need in needs:
        found = answers.get(need.location)
        comparisons.append(compare(need, found if isinstance(found, dict) else None))
    data: dict[str, Any] = {"vm_quota": rows, "errors": errors, "deployment_quota": tpm}
    if stack:
        data["stack"] = {"name": stack, "needs": comparisons}
    if as_json:
        render.print_json(data)
        return
    render.table(
        "VM quota (vCPUs)",
        ["region", "family", "used", "limit", "free"],
        ([r["location"], r["family"], r["used"], r["limit"], r["free"]] for r in rows),
    )
    if comparisons:
        render.table(
            f"what {stack} needs",
            ["region", "family", "VM size", "wanted", "free", "status"],
            ([c["location"], c["family"], c["vm_size"], c["wanted"], c["free"], c["status"]] for c in comparisons),
        )
    if tpm:
        render.table(
            f"deployment quota in use in {region} (thousands of tokens per minute)",
            ["usage", "used", "limit", "free"],
            ([u["name"], u["used"], u["limit"], u["free"]] for u in tpm),
        )
    for location, message in errors.items():
        render.note(f"{location}: could not read quota: {message}")


def _shown(family: str, wanted: str | None, total: str) -> bool:
    return wanted is None or family == total or family.lower() == wanted.lower()


def _deployment_usage(arm: Any, location: str) -> list[dict]:
    """Deployment (TPM) usages in use in a region, beside VM quota."""
    from ftops.capacity.preflight import usages

    return [
        {"name": u.name, "used": u.used, "limit": u.limit, "free": u.free}
        for u in usages(arm, location).values()
        if u.used > 0
    ]
