"""Names the stack wants that soft-deleted resources still hold, found before `pulumi up` fails on them.

Azure keeps a deleted AI Services account for 48 hours under its name (Microsoft.CognitiveServices
`DeletedAccounts_List`, `GET /subscriptions/{sub}/providers/Microsoft.CognitiveServices/deletedAccounts`):
creating the account again then fails with `FlagMustBeSetForRestore` in the same resource group and with
`CustomDomainInUse` elsewhere (docs/infra.md, "Destroy and re-create"). `ftops check --live` lists each such
account with its purge date and the two ways out: restore it with the stack (`ftops:restoreSoftDeleted`) or
purge it (`az cognitiveservices account purge`).

A hub's Key Vault is soft-deleted for 90 days (Microsoft.KeyVault `Vaults_ListDeleted`, `GET
/subscriptions/{sub}/providers/Microsoft.KeyVault/deletedVaults`, shaped as Microsoft's 2024-11-01 examples):
creating it again fails until it is recovered (`createMode: recover`, which `ftops:restoreSoftDeleted` sets)
or purged, and a vault with purge protection cannot be purged at all. Vault names are global: one deleted in
another subscription holds the name too, but only the caller's subscription can be listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from ftops.azure.models import WireModel, parse
from ftops.azure.sanitize import clean_text
from ftops.azure.settings import COGNITIVE_API_VERSION, KEYVAULT_API_VERSION
from ftops.errors import FtopsError
from ftops.stack.naming import resource_name
from ftops.stack.schema import Environment
from ftops.stack.summary import identity

RESTORE_KEY = "ftops:restoreSoftDeleted"
ACCOUNT_KIND = "AI Services account"
VAULT_KIND = "Key Vault"


def _group_of(resource_id: str | None) -> str | None:
    """The resource group segment of an ARM id, if it has one."""
    parts = (resource_id or "").split("/")
    lowered = [p.lower() for p in parts]
    if "resourcegroups" not in lowered:
        return None
    at = lowered.index("resourcegroups") + 1
    return parts[at] if at < len(parts) else None


class DeletedAccountProperties(WireModel):
    deletion_date: str | None = Field(default=None, alias="deletionDate")
    scheduled_purge_date: str | None = Field(default=None, alias="scheduledPurgeDate")


class DeletedAccount(WireModel):
    """One entry of `DeletedAccounts_List` (the spec's `Account`, with its deleted-account dates)."""

    id: str | None = None
    name: str | None = None
    location: str | None = None
    properties: DeletedAccountProperties | None = None

    @property
    def where(self) -> str | None:
        return self.location

    @property
    def purge_date(self) -> str | None:
        return self.properties.scheduled_purge_date if self.properties else None

    @property
    def purge_protected(self) -> bool:
        return False  # accounts have no purge protection: `az cognitiveservices account purge` always works

    @property
    def resource_group(self) -> str | None:
        """From the id, which follows DeletedAccounts_Get: .../locations/{l}/resourceGroups/{g}/deletedAccounts/{n}."""
        return _group_of(self.id)


class DeletedVaultProperties(WireModel):
    vault_id: str | None = Field(default=None, alias="vaultId")
    location: str | None = None
    deletion_date: str | None = Field(default=None, alias="deletionDate")
    scheduled_purge_date: str | None = Field(default=None, alias="scheduledPurgeDate")
    purge_protection_enabled: bool | None = Field(default=None, alias="purgeProtectionEnabled")


class DeletedVault(WireModel):
    """One entry of `Vaults_ListDeleted` (Microsoft's listDeletedVaults.json example)."""

    id: str | None = None
    name: str | None = None
    properties: DeletedVaultProperties | None = None

    @property
    def where(self) -> str | None:
        return self.properties.location if self.properties else None

    @property
    def purge_date(self) -> str | None:
        return self.properties.scheduled_purge_date if self.properties else None

    @property
    def purge_protected(self) -> bool:
        return bool(self.properties and self.properties.purge_protection_enabled)

    @property
    def resource_group(self) -> str | None:
        """From `properties.vaultId`, the vault's id before deletion: .../resourceGroups/{g}/providers/..."""
        return _group_of(self.properties.vault_id if self.properties else None)


@dataclass(frozen=True)
class NamingConfig:
    """The stack config that moves names or restores: ftops:nameSeed, ftops:legacyNames, ftops:restoreSoftDeleted."""

    seed: str = ""
    legacy: bool = False
    restore: bool = False


@dataclass(frozen=True)
class SoftDeleted:
    """A soft-deleted resource holding a name the stack wants."""

    kind: str
    name: str
    location: str
    resource_group: str | None
    purge_date: str | None
    same_group: bool  # restore works only in the resource group it was deleted from
    purge_protected: bool = False  # a Key Vault with purge protection: only restoring or waiting frees the name

    @property
    def is_vault(self) -> bool:
        return self.kind == VAULT_KIND

    def purge_command(self) -> str:
        if self.is_vault:
            return f"az keyvault purge --name {self.name} --location {self.location}"
        group = self.resource_group or "<its resource group>"
        return (
            f"az cognitiveservices account purge --location {self.location} --resource-group {group} --name {self.name}"
        )

    def line(self) -> str:
        kept = "90 days" if self.is_vault else "48 h"
        when = f"until it is purged on {self.purge_date}" if self.purge_date else f"until Azure purges it ({kept})"
        where = f"{self.location}, resource group {self.resource_group or 'unknown'}"
        restore = (
            f"restore it: `pulumi config set {RESTORE_KEY} true`, `pulumi up`, then `pulumi config rm {RESTORE_KEY}`"
            if self.same_group
            else "restore it in its own resource group, or set a new `ftops:nameSeed`"
        )
        purge = (
            "it has purge protection, so it cannot be purged"
            if self.purge_protected
            else f"or purge it: `{self.purge_command()}`"
        )
        return (
            f"{self.kind} {self.name} ({where}) is soft-deleted and holds a name this stack wants {when}: "
            f"either {restore}; {purge}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "location": self.location,
            "resource_group": self.resource_group,
            "scheduled_purge_date": self.purge_date,
            "restorable_by_stack": self.same_group,
            "purge_protected": self.purge_protected,
            "purge_command": None if self.purge_protected else self.purge_command(),
            "warning": self.line(),
        }


def naming_config(path: Path) -> NamingConfig:
    """The naming keys of a stack file's `config` (the file was read strictly before; absent keys: defaults)."""
    from ftops.stack.strict import load_yaml

    try:
        document = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, ValueError):
        return NamingConfig()
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        return NamingConfig()

    def flag(key: str) -> bool:
        return str(config.get(key, "")).strip().lower() == "true"

    seed = config.get("ftops:nameSeed")
    return NamingConfig(
        seed=seed if isinstance(seed, str) else "",
        legacy=flag("ftops:legacyNames"),
        restore=flag(RESTORE_KEY),
    )


def wanted_accounts(environment: Environment, subscription_id: str, naming: NamingConfig) -> dict[str, str]:
    """The AI Services account names the stack creates (lower-cased) -> region, as infra/ names them."""
    ids = identity(environment, subscription_id, seed=naming.seed, legacy=naming.legacy)
    return {
        resource_name("ai_services", environment.name, region.location, unique_by=ids).lower(): region.location
        for region in environment.regions
    }


def wanted_vaults(environment: Environment, subscription_id: str, naming: NamingConfig) -> dict[str, str]:
    """The hub's Key Vault name (lower-cased) -> the hub's region, as infra/ names it; none without a hub."""
    if environment.hub is None:
        return {}
    ids = identity(environment, subscription_id, seed=naming.seed, legacy=naming.legacy)
    return {resource_name("key_vault", environment.name, unique_by=ids).lower(): environment.hub_location or ""}


def soft_deleted(environment: Environment, arm: Any, naming: NamingConfig | None = None) -> list[SoftDeleted]:
    """Soft-deleted AI Services accounts and Key Vaults of the subscription that hold a name the stack wants."""
    naming = naming or NamingConfig()
    return deleted_accounts(environment, arm, naming) + deleted_vaults(environment, arm, naming)


def deleted_accounts(environment: Environment, arm: Any, naming: NamingConfig) -> list[SoftDeleted]:
    """Soft-deleted AI Services accounts holding a name the stack wants."""
    wanted = wanted_accounts(environment, arm.subscription_id, naming)
    path = f"{arm.sub}/providers/Microsoft.CognitiveServices/deletedAccounts"
    return _held(environment, arm, naming, ACCOUNT_KIND, wanted, path, COGNITIVE_API_VERSION, DeletedAccount)


def deleted_vaults(environment: Environment, arm: Any, naming: NamingConfig) -> list[SoftDeleted]:
    """A soft-deleted Key Vault holding the hub's vault name (none to look for without a hub)."""
    wanted = wanted_vaults(environment, arm.subscription_id, naming)
    if not wanted:
        return []
    path = f"{arm.sub}/providers/Microsoft.KeyVault/deletedVaults"
    return _held(environment, arm, naming, VAULT_KIND, wanted, path, KEYVAULT_API_VERSION, DeletedVault)


def _held(
    environment: Environment,
    arm: Any,
    naming: NamingConfig,
    kind: str,
    wanted: dict[str, str],
    path: str,
    version: str,
    model: type[DeletedAccount] | type[DeletedVault],
) -> list[SoftDeleted]:
    """The list's entries whose name the stack wants. With `ftops:restoreSoftDeleted` on, one in the stack's own
    resource group is what `pulumi up` will restore, so it is not reported; one elsewhere still is (restore
    cannot move it)."""
    found = []
    for item in arm.transport.paged(path, params={"api-version": version}):
        entry = parse(model, item, what=f"deleted {kind}s")
        name = (entry.name or "").lower()
        if name not in wanted:
            continue
        group, purge = entry.resource_group, entry.purge_date
        same = (group or "").lower() == environment.resource_group_name.lower()
        if same and naming.restore:
            continue
        found.append(
            SoftDeleted(
                kind,
                clean_text(entry.name, 64),
                clean_text(entry.where or wanted[name], 40),
                clean_text(group, 90) if group else None,
                clean_text(purge, 40) if purge else None,
                same,
                entry.purge_protected,
            )
        )
    return found


def soft_delete_report(
    environment: Environment, arm: Any, naming: NamingConfig | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """What `ftops check --live` shows: each holder (for `--json`) and the warning lines; a list that cannot
    be read (no permission, Azure failing) is itself one warning, since the check is advice, not a gate."""
    naming = naming or NamingConfig()
    held: list[SoftDeleted] = []
    problems: list[str] = []
    for what, read in (("AI Services accounts", deleted_accounts), ("Key Vaults", deleted_vaults)):
        try:
            held += read(environment, arm, naming)
        except FtopsError as exc:
            problems.append(f"could not list soft-deleted {what}: {exc.message}")
    return [h.as_dict() for h in held], [h.line() for h in held] + problems
