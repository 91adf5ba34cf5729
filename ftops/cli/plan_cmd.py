"""`ftops plan`: what `pulumi up` would create for a stack, evaluated offline under Pulumi's mocks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ftops.cli.options import JsonOption, StackFileOption


def plan(
    stack: StackFileOption,
    deployer: Annotated[
        str | None, typer.Option("--deployer", help="Object id to plan as ftops:deployerPrincipalId.")
    ] = None,
    deployer_type: Annotated[
        str, typer.Option("--deployer-type", help="User, Group or ServicePrincipal (ftops:deployerPrincipalType).")
    ] = "User",
    subscription: Annotated[
        str | None,
        typer.Option(
            "--subscription",
            help="Subscription id to plan in (what azure-native's getClientConfig would answer); globally "
            "unique names and role-assignment names depend on it. Defaults to $AZURE_SUBSCRIPTION_ID, "
            "else an all-zero id.",
        ),
    ] = None,
    name_seed: Annotated[
        str, typer.Option("--name-seed", help="Plan as with ftops:nameSeed (fresh globally unique names).")
    ] = "",
    legacy_names: Annotated[
        bool, typer.Option("--legacy-names", help="Plan as with ftops:legacyNames (names of stacks deployed before).")
    ] = False,
    unprotected: Annotated[
        bool, typer.Option("--unprotected", help="Plan as with ftops:protect=false (nothing protected).")
    ] = False,
    save_outputs: Annotated[
        Path | None, typer.Option("--save-outputs", help="Write the planned stack outputs (for the emulator demo).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the resources `pulumi up` would create for a stack, and its outputs, without Azure or Pulumi.

    The program runs under Pulumi's mocks: the real resource tree (types, logical names, parents,
    properties) with made-up ids. With --json each resource carries its full inputs as the engine
    would send them (secrets masked), its dependencies and protect flag. Bad config stops it with
    the same message as `ftops check`.

    Example: ftops plan --stack dev --subscription $(az account show --query id -o tsv) --json
    """
    import json
    import os
    import re

    from ftops_infra.plan import SUBSCRIPTION, run_program, tree

    from ftops.cli import render
    from ftops.cli.options import writable_file
    from ftops.cli.progress import Steps
    from ftops.errors import UsageError
    from ftops.stack.outputs import declared_fine_tunes
    from ftops.stack.schema import load_stack_file

    writable_file(save_outputs, "--save-outputs")  # before the plan is computed, not after
    subscription_id = subscription or os.environ.get("AZURE_SUBSCRIPTION_ID") or SUBSCRIPTION
    if not re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", subscription_id):
        raise UsageError(
            f"--subscription {subscription_id[:40]!r} is not a subscription id",
            hint="pass a GUID, e.g. --subscription $(az account show --query id -o tsv)",
        )
    environment = load_stack_file(stack)
    steps = Steps(as_json)  # a line on a terminal; quiet with --json or off a TTY
    steps("evaluating the program under Pulumi mocks", f"{len(environment.regions)} regions, no Azure calls")
    result = run_program(
        environment,
        protect=not unprotected,
        deployer_principal_id=deployer,
        deployer_principal_type=deployer_type,
        stack=Path(stack).stem.split(".")[-1],
        subscription_id=subscription_id,
        name_seed=name_seed,
        legacy_names=legacy_names,
    )
    rows = tree(result)
    outputs = {**result.outputs, "fine_tunes": declared_fine_tunes(environment)}  # as infra/__main__.py exports
    if save_outputs is not None:
        save_outputs.write_text(json.dumps(outputs, indent=2) + "\n", encoding="utf-8")
    if as_json:
        render.print_json({"stack": stack, "subscription_id": subscription_id, "resources": rows, "outputs": outputs})
        return
    render.table(
        f"{stack}: {len(result.resources)} Azure resources in {len(result.components)} components",
        ["type", "logical name", "parent", "key properties"],
        (
            [
                "  " * row["depth"] + row["type"].removeprefix("azure-native:"),
                row["name"],
                row["parent"].rsplit("::", 1)[-1],
                ", ".join(f"{k}={v}" for k, v in row["key"].items()),
            ]
            for row in rows
        ),
    )
    render.line("outputs:")
    render.print_json(outputs)  # plain JSON: brackets in it are not console markup
    render.note(f"planned for subscription {subscription_id} (--subscription): globally unique names depend on it")
    if save_outputs is not None:
        render.note(f"outputs written to {save_outputs}")
