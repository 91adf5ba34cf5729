"""`ftops check --live` warns when a soft-deleted AI Services account holds a name the stack wants.

The emulator answers Microsoft.CognitiveServices `DeletedAccounts_List` (its responses checked against the
carried 2026-09-01 spec); an account is marked soft-deleted by the emulator's hook or by a real ARM DELETE.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ftops.azure.arm import ArmClient
from ftops.azure.auth import StaticTokenCredential
from ftops.azure.settings import EMULATOR_SUBSCRIPTION, load_settings
from ftops.azure.transport import RetryPolicy
from ftops.cli.app import app
from ftops.stack.schema import load_stack_file, stack_file
from ftops.stack.soft_delete import NamingConfig, naming_config, soft_delete_report, wanted_accounts
from ftops.stack.summary import summarize

SUB = EMULATOR_SUBSCRIPTION


def dev_account() -> tuple[str, str, str]:
    """The dev stack's account name in the emulator's subscription, its region and resource group."""
    environment = load_stack_file("dev")
    (account,) = summarize(environment, subscription_id=SUB)["accounts"]
    return account["account"], account["location"], environment.resource_group_name


def check_live(*args: str) -> tuple[dict, str]:
    result = CliRunner().invoke(app, ["check", "--live", "--json", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout), result.stderr


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))


def test_the_names_checked_are_the_names_the_stack_creates() -> None:
    name, location, _ = dev_account()
    assert wanted_accounts(load_stack_file("dev"), SUB, NamingConfig()) == {name: location}
    seeded = wanted_accounts(load_stack_file("dev"), SUB, NamingConfig(seed="b2"))
    assert name not in seeded  # ftops:nameSeed moves the name, so the old holder no longer matters


def test_a_soft_deleted_account_in_the_stacks_group_is_a_warning_with_both_fixes(emulator) -> None:
    name, location, group = dev_account()
    emulator.arm.soft_delete_account(SUB, group, name, location)
    emulator.arm.soft_delete_account(SUB, group, "ais-someone-else-123456", location)  # not the stack's: ignored
    document, _ = check_live("--stack", "dev")
    live = document["live"]
    (held,) = live["soft_deleted"]
    assert (held["name"], held["location"], held["resource_group"]) == (name, location, group)
    assert held["scheduled_purge_date"] and held["restorable_by_stack"] is True
    assert held["purge_command"] == (
        f"az cognitiveservices account purge --location {location} --resource-group {group} --name {name}"
    )
    (warning,) = live["warnings"]
    assert f"AI Services account {name} ({location}, resource group {group}) is soft-deleted" in warning
    assert f"until it is purged on {held['scheduled_purge_date']}" in warning
    assert "`pulumi config set ftops:restoreSoftDeleted true`" in warning and held["purge_command"] in warning
    assert live["ok"] is True  # a warning, not a failure: restore or purge, then `pulumi up`


def test_an_account_deleted_through_arm_is_kept_soft_deleted_and_warned_about(emulator) -> None:
    name, location, group = dev_account()
    emulator.arm.add_account(SUB, group, name, location)
    with ArmClient(SUB, settings=load_settings()) as arm:
        path = f"{arm.sub}/resourceGroups/{group}/providers/Microsoft.CognitiveServices/accounts/{name}"
        arm.transport.request("DELETE", path, params={"api-version": "2026-09-01"})
    result = CliRunner().invoke(app, ["check", "--stack", "dev", "--live"])
    assert result.exit_code == 0, result.output
    warning = " ".join(result.stderr.split())  # the terminal may wrap the line
    assert f"warning: AI Services account {name}" in warning and "az cognitiveservices account purge" in warning


def test_nothing_soft_deleted_means_no_warning(emulator) -> None:
    document, stderr = check_live("--stack", "dev")
    assert document["live"]["soft_deleted"] == [] and document["live"]["warnings"] == []
    assert "warning" not in stderr


def stack_copy(tmp_path: Path, extra: dict[str, str]) -> Path:
    """The dev stack file with extra config keys (as `pulumi config set` would add them)."""
    text = stack_file("dev").read_text(encoding="utf-8")
    lines = "".join(f"  {key}: {json.dumps(value)}\n" for key, value in extra.items())
    copy = tmp_path / "Pulumi.devcopy.yaml"
    copy.write_text(text.replace("config:\n", "config:\n" + lines, 1), encoding="utf-8")
    return copy


def test_a_name_seed_or_restore_in_the_stack_config_silences_it(emulator, tmp_path) -> None:
    name, location, group = dev_account()
    emulator.arm.soft_delete_account(SUB, group, name, location)
    seeded = stack_copy(tmp_path, {"ftops:nameSeed": "b2"})
    assert naming_config(seeded) == NamingConfig(seed="b2")
    assert check_live("--stack", str(seeded))[0]["live"]["warnings"] == []
    restoring = stack_copy(tmp_path, {"ftops:restoreSoftDeleted": "true"})
    assert check_live("--stack", str(restoring))[0]["live"]["warnings"] == []  # `pulumi up` will restore it


def test_one_in_another_resource_group_cannot_be_restored_by_the_stack(emulator, tmp_path) -> None:
    name, location, _ = dev_account()
    emulator.arm.soft_delete_account(SUB, "rg-elsewhere", name, location)
    restoring = stack_copy(tmp_path, {"ftops:restoreSoftDeleted": "true"})
    (warning,) = check_live("--stack", str(restoring))[0]["live"]["warnings"]
    assert "restore it in its own resource group, or set a new `ftops:nameSeed`" in warning
    assert "--resource-group rg-elsewhere" in warning and "pulumi config set" not in warning


@pytest.mark.parametrize(
    "body", [b"<html>sign in</html>", b'{"value": [{"name": {"x": 1}}]}', b'{"value": "none"}'], ids=str
)
def test_a_malformed_deleted_accounts_reply_is_one_warning_not_a_crash(body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    arm = ArmClient(
        SUB,
        StaticTokenCredential("t"),
        httpx.Client(transport=httpx.MockTransport(handler)),
        settings=load_settings({"FTOPS_AZURE_EMULATOR": "http://127.0.0.1:9"}),
        policy=RetryPolicy(backoff_base=0.001, backoff_max=0.01, budget_seconds=1),
        sleep=lambda s: None,
    )
    with arm:
        held, warnings = soft_delete_report(load_stack_file("dev"), arm)
    assert held == [] and len(warnings) == 1
    assert warnings[0].startswith("could not list soft-deleted AI Services accounts: ") and "\n" not in warnings[0]


def hub_vault(stack: str = "open-models") -> tuple[str, str, str]:
    """The hub's Key Vault name the stack creates in the emulator's subscription, its region and resource group."""
    from ftops.stack.soft_delete import wanted_vaults

    environment = load_stack_file(stack)
    ((name, location),) = wanted_vaults(environment, SUB, NamingConfig()).items()
    return name, location, environment.resource_group_name


def test_the_vault_name_checked_is_the_one_the_program_creates() -> None:
    """The name infra/ gives the hub's vault (the plan under mocks), not a second derivation of it."""
    from ftops_infra.plan import run_program

    plan = run_program(load_stack_file("open-models"), subscription_id=SUB)
    (vault,) = plan.of_type("azure-native:keyvault:Vault")
    assert vault.inputs["vaultName"].lower() == hub_vault()[0]
    assert wanted_vaults_of("dev") == {}  # no hub, no vault


def wanted_vaults_of(stack: str) -> dict[str, str]:
    from ftops.stack.soft_delete import wanted_vaults

    return wanted_vaults(load_stack_file(stack), SUB, NamingConfig())


@pytest.mark.parametrize("protected", [True, False])
def test_a_soft_deleted_hub_vault_is_a_warning_with_the_fixes_that_apply(emulator, protected) -> None:
    name, location, group = hub_vault()
    emulator.keyvault.soft_delete_vault(SUB, group, name, location, purge_protection=protected)
    emulator.keyvault.soft_delete_vault(SUB, group, "kv-someone-else-1234", location)  # not the stack's: ignored
    live = check_live("--stack", "open-models")[0]["live"]
    (held,) = live["soft_deleted"]
    assert (held["kind"], held["name"], held["resource_group"]) == ("Key Vault", name, group)
    assert held["purge_protected"] is protected and held["restorable_by_stack"] is True
    (warning,) = live["warnings"]
    assert f"Key Vault {name} ({location}, resource group {group}) is soft-deleted" in warning
    assert "`pulumi config set ftops:restoreSoftDeleted true`" in warning
    if protected:  # purge protection: purging is impossible, so it is not offered
        assert held["purge_command"] is None and "cannot be purged" in warning and "az keyvault purge" not in warning
    else:
        assert held["purge_command"] == f"az keyvault purge --name {name} --location {location}"
        assert held["purge_command"] in warning
    restoring = stack_copy_of("open-models", {"ftops:restoreSoftDeleted": "true"})
    assert check_live("--stack", str(restoring))[0]["live"]["warnings"] == []  # `pulumi up` recovers it


def stack_copy_of(stack: str, extra: dict[str, str]) -> Path:
    import tempfile

    text = stack_file(stack).read_text(encoding="utf-8")
    lines = "".join(f"  {key}: {json.dumps(value)}\n" for key, value in extra.items())
    copy = Path(tempfile.mkdtemp()) / f"Pulumi.{stack}copy.yaml"
    copy.write_text(text.replace("config:\n", "config:\n" + lines, 1), encoding="utf-8")
    return copy


@pytest.mark.parametrize("failing", ["Microsoft.CognitiveServices/deletedAccounts", "Microsoft.KeyVault/deletedVaults"])
def test_an_unreadable_list_is_its_own_warning_and_the_other_is_still_checked(emulator, failing) -> None:
    """Each list is advice on its own: one failing does not hide what the other finds."""
    name, location, group = hub_vault()
    environment = load_stack_file("open-models")
    emulator.keyvault.soft_delete_vault(SUB, group, name, location)
    emulator.set_faults(f"500 on=GET:*/{failing}")
    policy = RetryPolicy(backoff_base=0.001, backoff_max=0.01, budget_seconds=1)
    with ArmClient(SUB, settings=load_settings(), policy=policy, sleep=lambda s: None) as arm:
        held, warnings = soft_delete_report(environment, arm)
    what = "AI Services accounts" if "Cognitive" in failing else "Key Vaults"
    assert warnings[-1].startswith(f"could not list soft-deleted {what}: ")
    assert [h["kind"] for h in held] == (["Key Vault"] if "Cognitive" in failing else [])
