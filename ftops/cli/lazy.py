"""Commands are imported only when used, so `ftops --help` and completion start fast.

Each entry names where a command lives and its one-line help (shown by `ftops --help` without
importing the module; a test keeps it equal to the command's own docstring line).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from typer.core import TyperGroup

# name -> (module, attribute, kind, short help)
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "models": (
        "ftops.cli.models_cmd",
        "models",
        "command",
        "List the models ftops can fine-tune, with methods, modalities, offers and regions.",
    ),
    "availability": (
        "ftops.cli.availability_cmd",
        "availability",
        "command",
        "Where a model can be fine-tuned, or what can be fine-tuned in a region.",
    ),
    "catalog": (
        "ftops.cli.catalog_cmd",
        "app",
        "group",
        "The fine-tuning catalog: its sources, and a refresh from Microsoft's docs.",
    ),
    "check": (
        "ftops.cli.check_cmd",
        "check",
        "command",
        "Validate a stack's environment config; print what `pulumi up` will create and where each fine-tune runs.",
    ),
    "data": (
        "ftops.cli.data_cmd",
        "app",
        "group",
        "Check training data before money is spent.",
    ),
    "cost": (
        "ftops.cli.cost_cmd",
        "cost",
        "command",
        "Estimate what a fine-tune will cost before launching it.",
    ),
    "plan": (
        "ftops.cli.plan_cmd",
        "plan",
        "command",
        "Show the resources `pulumi up` would create for a stack, and its outputs, without Azure or Pulumi.",
    ),
    "quota": (
        "ftops.cli.quota_cmd",
        "quota",
        "command",
        "VM quota (usage, limit, free vCPUs per family) and deployment quota in use, per region.",
    ),
    "launch": (
        "ftops.cli.launch_cmd",
        "launch",
        "command",
        "Validate the data, upload it, and create a fine-tuning job on the stack's resources.",
    ),
    "jobs": (
        "ftops.cli.jobs_cmd",
        "app",
        "group",
        "List, inspect, follow and control fine-tuning jobs.",
    ),
    "deploy": (
        "ftops.cli.deploy_cmd",
        "deploy",
        "command",
        "Deploy a fine-tuned model (or one of its checkpoints) and wait until it serves; idempotent.",
    ),
    "eval": (
        "ftops.cli.eval_cmd",
        "eval_",
        "command",
        "Compare deployments, a fine-tuned model and its checkpoints on held-out data with graders.",
    ),
    "deployments": (
        "ftops.cli.deployments_cmd",
        "app",
        "group",
        "List and delete model deployments on the stack's accounts.",
    ),
    "files": ("ftops.cli.files_cmd", "app", "group", "List, delete and prune fine-tuning files on the accounts."),
    "emulator": (
        "ftops.cli.emulator_cmd",
        "app",
        "group",
        "The local Azure emulator (ARM, Azure OpenAI and AzureML), for demos and tests.",
    ),
}


def load(name: str) -> Any:
    """The click command for `name`, built from its typer definition."""
    import typer

    module, attribute, kind, _ = COMMANDS[name]
    target = getattr(import_module(module), attribute)
    if kind == "group":
        command: Any = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    _plain_help(command)
    return command


def _plain_help(command: Any) -> None:
    """Plain click-style help everywhere, like the root's (rich help costs start-up time)."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    for child in getattr(command, "commands", {}).values():
        _plain_help(child)


class LazyGroup(TyperGroup):
    """A TyperGroup whose subcommands come from COMMANDS on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(n for n in self.commands if n not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load(cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in COMMANDS and name not in self.commands:
                rows.append((name, COMMANDS[name][3]))
            elif (command := self.get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
