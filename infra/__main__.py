"""Pulumi entry point: read the stack's environment, build it, export the outputs the CLI reads."""

import pulumi
from ftops_infra.components.environment import EnvironmentArgs, FineTuningEnvironment

from ftops.stack.outputs import declared_fine_tunes
from ftops.stack.schema import environment_from_pulumi_config

config = pulumi.Config("ftops")
declared = environment_from_pulumi_config()
environment = FineTuningEnvironment(
    "ftops",
    EnvironmentArgs(
        environment=declared,
        protect=config.get_bool("protect") is not False,
        deployer_principal_id=config.get("deployerPrincipalId") or None,
        deployer_principal_type=config.get("deployerPrincipalType") or "User",
    ),
)
for key, value in environment.outputs.items():
    pulumi.export(key, value)
pulumi.export("fine_tunes", declared_fine_tunes(declared))  # schema version 2: where each fine-tune trains
