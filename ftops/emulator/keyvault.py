"""Emulated Microsoft.KeyVault deleted vaults: `Vaults_ListDeleted` and `Vaults_GetDeleted` (2024-11-01).

No Key Vault spec is carried; the replies follow Microsoft's examples of that version, carried under
spec_files/azure-rest-api-specs/specification/keyvault/.../2024-11-01/examples (`listDeletedVaults.json`,
`getDeletedVault.json`), and tests read them with azure-mgmt-keyvault's generated models. A vault is marked
deleted by the test hook `soft_delete_vault`, as Azure keeps one for 90 days after a delete.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from ftops.emulator.http import Reply, Request, error

SUB = r"/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.KeyVault"
LIST = re.compile(SUB + r"/deletedVaults/?", re.IGNORECASE)
GET = re.compile(SUB + r"/locations/(?P<location>[^/]+)/deletedVaults/(?P<name>[^/]+)/?", re.IGNORECASE)
API_VERSIONS = frozenset({"2024-11-01"})  # the carried examples' version
RETENTION_DAYS = 90  # Key Vault's default soft-delete retention


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class KeyVaultPlane:
    """Deleted vaults per subscription, as ARM lists them."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.deleted: dict[tuple[str, str], dict[str, Any]] = {}

    def soft_delete_vault(
        self, sub: str, rg: str, name: str, location: str, *, purge_protection: bool = True
    ) -> dict[str, Any]:
        """A vault as Azure keeps it after a delete (test hook)."""
        now = datetime.now(UTC)
        entry = {
            "id": f"/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}",
            "name": name,
            "type": "Microsoft.KeyVault/deletedVaults",
            "properties": {
                "vaultId": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}",
                "location": location,
                "tags": {},
                "deletionDate": _stamp(now),
                "scheduledPurgeDate": _stamp(now + timedelta(days=RETENTION_DAYS)),
                "purgeProtectionEnabled": purge_protection,
            },
        }
        with self.lock:
            self.deleted[(sub.lower(), name.lower())] = entry
        return entry

    def owns(self, request: Request) -> bool:
        return bool(LIST.fullmatch(request.path) or GET.fullmatch(request.path))

    def handle(self, request: Request) -> Reply:
        if request.method != "GET":
            return error(405, "MethodNotAllowed", f"{request.method} is not served on {request.path}")
        version = request.query.get("api-version")
        if version not in API_VERSIONS:
            supported = ", ".join(sorted(API_VERSIONS))
            message = f"The api-version '{version}' is invalid. The supported versions are '{supported}'."
            return error(400, "InvalidApiVersionParameter", message)
        with self.lock:
            if found := GET.fullmatch(request.path):
                entry = self.deleted.get((found["sub"].lower(), found["name"].lower()))
                if entry is None or entry["properties"]["location"].lower() != found["location"].lower():
                    return error(404, "ResourceNotFound", f"Deleted vault {found['name']} was not found.")
                return Reply(200, entry)
            sub = LIST.fullmatch(request.path)["sub"].lower()  # type: ignore[index]
            items = [entry for (owner, _), entry in sorted(self.deleted.items()) if owner == sub]
        from ftops.emulator.armplane import ArmPlane

        return Reply(200, ArmPlane._paged(request, items, "$skiptoken"))  # ARM paging; the example's token name
