"""azure-mgmt-cognitiveservices (its default api-version) against the emulated Microsoft.CognitiveServices."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient
from azure.mgmt.cognitiveservices.models import Account, Deployment, PatchResourceTagsAndSku, Sku

RG = "rg-contract"  # as in conftest.py


@pytest.fixture
def cs(sdk_kwargs) -> CognitiveServicesManagementClient:
    return CognitiveServicesManagementClient(**sdk_kwargs)


def deployment(model: str = "gpt-4.1-mini", capacity: int = 10) -> Deployment:
    return Deployment.from_dict(
        {
            "sku": {"name": "GlobalStandard", "capacity": capacity},
            "properties": {"model": {"format": "OpenAI", "name": model, "version": "2025-04-14"}},
        }
    )


def test_the_sdk_sends_its_default_api_version(cs):
    assert cs._config.api_version == "2025-09-01"  # answered with the carried 2026-09-01 spec


def test_accounts_create_get_list_usages_models_delete(cs, transport):
    body = Account(location="swedencentral", kind="AIServices", sku=Sku(name="S0"))
    created = cs.accounts.begin_create(RG, "aisnew", body).result()
    assert created.properties.provisioning_state == "Succeeded"  # the poller returned at a terminal state
    assert 1 in transport.sleeps  # it waited the Retry-After the emulator sent
    assert cs.accounts.get(RG, "aisnew").name == "aisnew"
    assert [a.name for a in cs.accounts.list_by_resource_group(RG)] == ["aisnew"]
    assert [a.name for a in cs.accounts.list()] == ["aisnew"]
    usages = list(cs.accounts.list_usages(RG, "aisnew").value)
    assert usages and all(u.name.value and u.limit is not None for u in usages)
    models = list(cs.accounts.list_models(RG, "aisnew"))
    assert any(m.name == "gpt-4.1-mini" for m in models)
    cs.accounts.begin_delete(RG, "aisnew").result()
    with pytest.raises(ResourceNotFoundError):
        cs.accounts.get(RG, "aisnew")


def test_location_models_page_to_the_end(cs, emulator):
    listed = list(cs.models.list("swedencentral"))
    assert len(listed) > 5  # more than one page of the emulator's five: nextLink followed
    assert len({(m.model.name, m.model.version) for m in listed}) == len(listed)


def test_usages_and_model_capacities(cs):
    usages = list(cs.usages.list("swedencentral"))
    assert any(u.name.value == "OpenAI.GlobalStandard.gpt-4.1-mini" for u in usages)
    here = list(cs.location_based_model_capacities.list("swedencentral", "OpenAI", "gpt-4.1-mini", "2025-04-14"))
    assert here and {c.location for c in here} == {"swedencentral"}
    everywhere = list(cs.model_capacities.list("OpenAI", "gpt-4.1-mini", "2025-04-14"))
    assert len({c.location for c in everywhere}) > 1  # one call answers every region
    assert all(c.properties.available_capacity >= 0 for c in everywhere)


def test_deployment_create_update_skus_list_delete(cs, account):
    made = cs.deployments.begin_create_or_update(RG, account, "d1", deployment()).result()
    assert made.properties.provisioning_state == "Succeeded"
    assert cs.deployments.get(RG, account, "d1").sku.capacity == 10
    patched = cs.deployments.begin_update(
        RG, account, "d1", PatchResourceTagsAndSku(sku=Sku(name="GlobalStandard", capacity=20))
    ).result()
    assert patched.sku.capacity == 20 and cs.deployments.get(RG, account, "d1").sku.capacity == 20
    skus = list(cs.deployments.list_skus(RG, account, "d1"))
    assert any(s.sku.name == "GlobalStandard" and s.capacity.maximum for s in skus)
    assert [d.name for d in cs.deployments.list(RG, account)] == ["d1"]
    cs.deployments.begin_delete(RG, account, "d1").result()
    assert list(cs.deployments.list(RG, account)) == []


def test_refusals_are_400_with_a_message(cs, account):
    with pytest.raises(HttpResponseError) as caught:
        cs.deployments.begin_create_or_update(RG, account, "ft", deployment("gpt-4.1-mini.ft-nope")).result()
    assert caught.value.status_code == 400 and "was not found" in caught.value.message
    with pytest.raises(HttpResponseError) as caught:
        cs.deployments.begin_create_or_update(RG, account, "big", deployment(capacity=100_000)).result()
    assert caught.value.status_code == 400 and caught.value.error.code == "InsufficientQuota"


def _keys(node, prefix=""):
    """Every key path of a JSON value (list items by their first element)."""
    if isinstance(node, dict):
        return {k for key, value in node.items() for k in {f"{prefix}/{key}", *_keys(value, f"{prefix}/{key}")}}
    if isinstance(node, list) and node:
        return _keys(node[0], prefix + "[]")
    return set()


def test_the_sdk_models_keep_every_field_the_emulator_sends(cs, account):
    cs.deployments.begin_create_or_update(RG, account, "d1", deployment()).result()

    def raw_and_model(pipeline_response, deserialized, headers):
        return pipeline_response.http_response.json(), deserialized

    for raw, model in (
        cs.deployments.get(RG, account, "d1", cls=raw_and_model),
        cs.accounts.get(RG, account, cls=raw_and_model),
    ):
        kept = _keys(model.serialize(keep_readonly=True))
        assert _keys(raw) <= kept, sorted(_keys(raw) - kept)
