"""Pulumi entry point: read the stack's environment, build it, export the outputs the CLI reads."""

import pulumi
from ftops_infra.components.environment import EnvironmentArgs, FineTuningEnvironment, run_error

from ftops.errors import FtopsError
from ftops.stack.outputs import declared_fine_tunes
from ftops.stack.schema import environment_from_pulumi_config

config = pulumi.Config("ftops")
try:
    declared = environment_from_pulumi_config()
    environment = FineTuningEnvironment(
        "ftops",
        EnvironmentArgs(
            environment=declared,
            protect=config.get_bool("protect") is not False,
            deployer_principal_id=config.get("deployerPrincipalId") or None,
            deployer_principal_type=config.get("deployerPrincipalType") or "User",
            name_seed=config.get("nameSeed") or "",
            legacy_names=config.get_bool("legacyNames") is True,
            restore_soft_deleted=config.get_bool("restoreSoftDeleted") is True,
            purge_protection=config.get_bool("keyVaultPurgeProtection") is not False,
        ),
    )
except FtopsError as exc:
    raise run_error(exc) from None  # every problem and the fix, as `pulumi preview` prints it
for key, value in environment.outputs.items():
    pulumi.export(key, value)
pulumi.export("fine_tunes", declared_fine_tunes(declared))  # schema version 2: where each fine-tune trains
