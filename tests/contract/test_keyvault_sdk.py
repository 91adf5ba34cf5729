"""azure-mgmt-keyvault's generated models read the emulator's deleted vaults, and its replies have the shape of
Microsoft's own 2024-11-01 examples (carried in spec_files/azure-rest-api-specs/.../keyvault/.../examples)."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import DeletedVault

from ftops.emulator.specs import specs_dir

EXAMPLES = "azure-rest-api-specs/specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2024-11-01/examples"
SUB = "00000000-0000-0000-0000-00000000c0de"  # the subscription of conftest.py's sdk_kwargs


def example(name: str) -> dict:
    return json.loads((specs_dir() / EXAMPLES / name).read_text())["responses"]["200"]["body"]


def shape(value: object) -> object:
    """Keys and value types, recursively: what a reply must share with Microsoft's example."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture
def kv(sdk_kwargs) -> KeyVaultManagementClient:
    return KeyVaultManagementClient(**sdk_kwargs, api_version="2024-11-01")  # the carried examples' version


def test_the_sdk_lists_and_gets_deleted_vaults_across_pages(emulator, kv):
    for i in range(7):  # more than one page: the SDK follows the nextLink
        emulator.keyvault.soft_delete_vault(SUB, "rg-x", f"kv-ftdev-{i}", "swedencentral", purge_protection=i % 2 == 0)
    emulator.keyvault.soft_delete_vault("00000000-0000-0000-0000-0000000000ff", "rg-x", "kv-other", "eastus2")
    listed = list(kv.vaults.list_deleted())
    assert sorted(v.name for v in listed) == [f"kv-ftdev-{i}" for i in range(7)]  # this subscription's only
    one = kv.vaults.get_deleted("kv-ftdev-2", "swedencentral")
    assert one.properties.purge_protection_enabled is True and one.properties.location == "swedencentral"
    assert one.properties.vault_id.endswith("/resourceGroups/rg-x/providers/Microsoft.KeyVault/vaults/kv-ftdev-2")
    assert one.properties.scheduled_purge_date > one.properties.deletion_date
    with pytest.raises(ResourceNotFoundError):
        kv.vaults.get_deleted("kv-ftdev-2", "eastus2")  # deleted vaults are found under their own location


def test_replies_have_the_shape_of_microsofts_examples(emulator):
    import httpx

    emulator.keyvault.soft_delete_vault(SUB, "rg-x", "kv-ftdev-a", "westus")
    base = f"{emulator.url}/subscriptions/{SUB}/providers/Microsoft.KeyVault"
    headers, version = {"Authorization": "Bearer t"}, {"api-version": "2024-11-01"}
    served = httpx.get(f"{base}/locations/westus/deletedVaults/kv-ftdev-a", params=version, headers=headers).json()
    page = httpx.get(f"{base}/deletedVaults", params=version, headers=headers).json()
    assert shape(served) == shape(example("getDeletedVault.json"))
    listed = example("listDeletedVaults.json")
    assert shape(page["value"][0]) == shape(listed["value"][0]) and "nextLink" not in page  # one page only
    # Microsoft's example body itself reads into the SDK's model with its fields set
    model = DeletedVault(example("getDeletedVault.json"))
    assert model.properties.vault_id and model.properties.purge_protection_enabled is True


def test_an_unsupported_api_version_is_refused_as_arm_does(emulator, sdk_kwargs):
    from azure.core.exceptions import HttpResponseError

    with pytest.raises(HttpResponseError) as caught:
        list(KeyVaultManagementClient(**sdk_kwargs, api_version="2015-06-01").vaults.list_deleted())
    assert caught.value.status_code == 400 and "InvalidApiVersionParameter" in str(caught.value)
