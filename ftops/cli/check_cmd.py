"""`ftops check`: validate a stack file offline and show what it will provision."""

from __future__ import annotations

from typing import Annotated

import typer

from ftops.cli.options import JsonOption, StackFileOption


def check(
    stack: StackFileOption,
    live: Annotated[
        bool, typer.Option("--live", help="Also preflight availability and quota against Azure (or the emulator).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Validate a stack's environment config; print what `pulumi up` will create and where each fine-tune runs.

    Nothing is created or written. Every problem is listed with its config path.

    Example: ftops check --stack dev
    """
    from ftops.cli import render
    from ftops.stack.schema import load_stack_file, stack_file
    from ftops.stack.summary import summarize

    environment = load_stack_file(stack)
    summary = {"stack": stack, "file": str(stack_file(stack)), "valid": True, **summarize(environment)}
    if live:
        from ftops.jobs.clients import subscription_arm
        from ftops.stack.preflight import live_preflight
        from ftops.stack.soft_delete import naming_config

        with subscription_arm() as arm:
            summary["live"] = live_preflight(environment, arm, naming_config(stack_file(stack)))
    if as_json:
        render.print_json(summary)
        return
    _render(summary)
    if live:
        _render_live(summary["live"])


def _render_live(live: dict) -> None:
    from rich.markup import escape

    from ftops.cli import render

    for warning in live.get("warnings", []):  # soft-deleted resources holding the stack's names
        render.note(f"[yellow]warning:[/] {escape(warning)}")
    if vm_quota := live["vm_quota"]:
        render.table(
            "managed compute quota (vCPUs)",
            ["region", "family", "wanted", "free", "status"],
            ([q["location"], q["family"], q["wanted"], q["free"], q["status"]] for q in vm_quota),
        )
    if results := live["availability"]:
        render.table(
            "live preflight (ARM)",
            ["model", "method", "training", "live regions", "errors"],
            (
                [r["model"], r["method"], r["training_type"], render.csv(r["live_regions"]), render.csv(r["errors"])]
                for r in results
            ),
        )


def _render(summary: dict) -> None:
    from ftops.cli import render

    rg = summary["resource_group"]
    render.line(
        f"[green]✓[/] {summary['file']} is valid: environment [bold]{summary['environment']}[/], "
        f"resource group {rg['name']} ({rg['location']}), network {summary['network_mode']}"
    )
    rows = []
    for account in summary["accounts"]:
        deployments = render.csv(
            f"{d['name']} ({d['model']}, {d['sku']} x{d['capacity']})" for d in account["deployments"]
        )
        rows.append(
            [
                "AI Services account",
                account["account"],
                account["location"],
                "projects: "
                + render.csv(account["projects"])
                + (f"; deployments: {deployments}" if deployments else ""),
            ]
        )
    if hub := summary["hub"]:
        rows.append(["hub", hub["name"], hub["location"], f"managed network: {hub['managed_network']}"])
        for project in hub["projects"]:
            market = render.csv(project["marketplace_subscriptions"])
            rows.append(["hub project", project["name"], hub["location"], f"marketplace: {market}" if market else ""])
    if compute := summary["managed_compute"]:
        rows.append(
            [
                "managed compute",
                compute["vm_size"],
                compute["location"],
                f"quota: {compute['training_vcpus']} training + {compute['inference_vcpus']} inference vCPUs; "
                f"nodes {compute['nodes']}",
            ]
        )
    for grant in summary["access"]:
        rows.append(["access", grant["principal_id"], "", f"{grant['type']}: {render.csv(grant['roles'])}"])
    render.table("will provision", ["kind", "name", "location", "details"], rows)
    if summary["fine_tunes"]:
        render.table(
            "fine-tunes",
            ["model", "method", "modality", "training", "compute", "runs on"],
            (
                [f["model"], f["method"], f["modality"], f["training_type"], f["compute"], render.csv(f["targets"])]
                for f in summary["fine_tunes"]
            ),
        )
