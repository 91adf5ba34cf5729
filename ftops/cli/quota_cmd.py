"""`ftops quota`: VM quota for managed compute, and deployment (TPM) usage, per region."""

from __future__ import annotations

from typing import Annotated

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
    from ftops.capacity.report import quota_report
    from ftops.cli import render
    from ftops.errors import UsageError
    from ftops.jobs.clients import subscription_arm

    if vm_size and family:
        raise UsageError("give --vm-size or --family, not both")
    if not (region or stack or all_regions):
        raise UsageError("say where to look", hint="pass --region R, --stack S or --all-regions")
    data = quota_report(
        region=region, vm_size=vm_size, family=family, stack=stack, all_regions=all_regions, arm=subscription_arm
    )
    rows, errors, tpm = data["vm_quota"], data["errors"], data["deployment_quota"]
    comparisons = data["stack"]["needs"] if stack else []
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
