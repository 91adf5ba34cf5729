"""`ftops jobs copy-checkpoint` end to end on the emulator: the docs' prerequisites (articles/foundry/openai/
includes/fine-tuning-rest.021e88f4….md, "Copy a model (preview)", carried in tests/fixtures/microsoft) refused
before anything reaches the copy endpoint, a copy across regions and subscriptions followed to succeeded, and a
rerun that sends nothing twice."""

from __future__ import annotations

import json

from copy_world import (
    AI_USER,
    DEST,
    DEST_ID,
    IDENTITY,
    SOURCE,
    SOURCE_EUS2,
    SOURCE_RG,
    SOURCE_SUB,
    account_id,
    launch,
    train_file,
)


def test_a_copy_into_a_destination_without_public_network_access_is_refused_before_anything_is_sent(arrange):
    setup = arrange(public_network_access="Disabled")
    code, out, err = setup.copy("2", "--to-account", DEST_ID, "--json")
    assert code == 1, err
    refused = json.loads(out)
    assert "disables public network access" in refused["message"] and DEST in refused["message"]
    assert "properties.publicNetworkAccess=Enabled" in refused["hint"] and "restore" in refused["hint"]
    assert setup.posts() == 0  # the copy endpoint saw nothing


def test_a_destination_without_any_fine_tuning_job_is_refused_before_the_copy(arrange):
    setup = arrange(destination_job=False)
    code, out, err = setup.copy("1", "--to-account", DEST_ID, "--json")
    assert code == 1, err
    assert "has no fine-tuning job" in json.loads(out)["message"]
    assert "run any fine-tuning job on it first" in json.loads(out)["hint"]
    assert setup.posts() == 0


def test_a_source_account_without_a_user_assigned_identity_is_refused(arrange):
    setup = arrange(identity=False)
    code, out, err = setup.copy("1", "--to-account", DEST_ID, "--json")
    assert code == 1, err
    assert "has no user-assigned managed identity" in json.loads(out)["message"]
    assert "Azure AI User" in json.loads(out)["hint"]
    assert setup.posts() == 0


def test_an_identity_without_azure_ai_user_on_the_destination_is_refused_naming_the_role_assignment(arrange):
    setup = arrange(role=False)
    code, out, err = setup.copy("1", "--to-account", DEST_ID, "--json")
    assert code == 3, err
    refused = json.loads(out)
    assert "holds Azure AI User on the destination" in refused["message"]
    assert refused["hint"].startswith("az role assignment create --assignee-object-id ")
    assert f"--scope {DEST_ID}" in refused["hint"]
    assert setup.posts() == 0


def test_a_destination_in_another_region_or_tenant_is_refused(arrange):
    setup = arrange(dest_tenant="11111111-2222-3333-4444-555555555555")
    code, out, _ = setup.copy("1", "--to-account", DEST_ID, "--to-region", "westus", "--json")
    assert code == 1 and "is in eastus2, not westus" in json.loads(out)["message"]
    code, out, _ = setup.copy("1", "--to-account", DEST_ID, "--json")
    assert code == 1 and "in another tenant" in json.loads(out)["message"]
    assert setup.posts() == 0


def test_a_swedencentral_checkpoint_copies_to_eastus2_in_another_subscription_once(arrange, emulator):
    setup = arrange()
    second = setup.checkpoints[1]
    assert not emulator.dataplane.holds_model(DEST, second["id"])
    code, out, err = setup.copy("2", "--to-account", DEST_ID, "--wait", "--json")
    assert code == 0, err
    copied = json.loads(out)
    assert copied["status"] == "succeeded" and copied["requested_now"] is True
    assert copied["checkpoint"] == second["id"] and copied["region"] == "eastus2"
    assert copied["destination"] == DEST_ID and "/accounts/aiswcsrc" in copied["source_account"]
    assert any(second["id"] in step for step in copied["next_steps"])
    assert setup.posts() == 1 and emulator.counters(SOURCE)["checkpoint_copies"] == 1
    # the destination holds it under the same name (and its model name), outside every job's checkpoint list
    assert emulator.dataplane.holds_model(DEST, second["id"])
    assert emulator.dataplane.holds_model(DEST, second["fine_tuned_model_checkpoint"])
    listed = [c["id"] for j in emulator.dataplane.accounts[DEST].jobs.values() for c in j.checkpoints]
    assert second["id"] not in listed
    for again in (["--wait"], []):  # reruns read the status; nothing is sent twice
        code, out, err = setup.copy(second["id"], "--to-account", DEST_ID, *again, "--json")
        assert code == 0, err
        assert json.loads(out)["requested_now"] is False and json.loads(out)["status"] == "succeeded"
    assert setup.posts() == 1


def test_without_wait_the_copy_is_requested_and_the_rerun_follows_it(arrange, emulator):
    setup = arrange()
    code, out, err = setup.copy("1", "--to-account", DEST_ID)
    assert code == 0, err
    assert "copy requested" in out and "running" in out and "--wait" in out
    code, out, err = setup.copy("1", "--to-account", DEST_ID, "--wait")
    assert code == 0, err
    assert "already requested" in out and "succeeded" in out
    assert setup.posts() == 1


def test_to_region_copies_to_the_stacks_account_there(arrange, emulator, tmp_path):
    setup = arrange()
    code, out, err = setup.copy("3", "--to-region", "eastus2", "--json")
    # the stack's own eastus2 account has no job yet: refused before the copy, naming the fix
    assert code == 1 and "aieus2src has no fine-tuning job" in json.loads(out)["message"], err
    code, out, _ = setup.copy("3", "--to-region", "westus3", "--json")
    assert code == 1 and "has no account in westus3" in json.loads(out)["message"]
    code, out, _ = setup.copy("3", "--to-region", "swedencentral", "--json")
    assert code == 1 and "its checkpoints are there already" in json.loads(out)["message"]
    assert setup.posts() == 0
    launch(setup.outputs, train_file(tmp_path), "eastus2")  # the docs' fix: a fine-tuning job there first
    target = account_id(SOURCE_SUB, SOURCE_RG, SOURCE_EUS2)
    source = next(a for a in emulator.arm.accounts.values() if a["name"] == SOURCE)
    emulator.copies.add_role_assignment(
        target, source["identity"]["userAssignedIdentities"][IDENTITY]["principalId"], AI_USER
    )
    code, out, err = setup.copy("3", "--to-region", "eastus2", "--wait", "--json")
    assert code == 0 and json.loads(out)["status"] == "succeeded" and json.loads(out)["destination"] == target, err
    assert emulator.dataplane.holds_model(SOURCE_EUS2, setup.checkpoints[2]["id"]) and setup.posts() == 1


def test_a_checkpoint_that_is_not_there_is_a_user_or_usage_error(arrange):
    setup = arrange()
    code, out, _ = setup.copy("9", "--to-account", DEST_ID, "--json")
    assert code == 1 and "has 3 checkpoints; there is no checkpoint 9" in json.loads(out)["message"]
    code, _, err = setup.copy("latest", "--to-account", DEST_ID)
    assert code == 2 and "neither an ftchkpt-" in err and "Traceback" not in err
    code, _, err = setup.copy("1", "--to-account", "/subscriptions/x/resourceGroups/g")
    assert code == 2 and "is not the ARM id of an AI Services account" in err
    code, _, err = setup.copy("1")
    assert code == 2 and "--to-region R" in err
    assert setup.posts() == 0


def test_a_copy_whose_answer_was_lost_is_found_by_its_status_on_rerun_not_sent_again(arrange, emulator):
    setup = arrange()
    emulator.set_faults("drop-after on=POST:/openai/fine_tuning/jobs/*/copy nth=1")  # acted on, then the line drops
    code, out, err = setup.copy("1", "--to-account", DEST_ID, "--json")
    assert code == 4 and "may or may not have acted" in json.loads(out)["message"], err
    assert "reads the copy's status before sending anything" in json.loads(out)["hint"]
    assert setup.posts() == 1
    code, out, err = setup.copy("1", "--to-account", DEST_ID, "--wait", "--json")
    assert code == 0, err
    assert json.loads(out)["requested_now"] is False and json.loads(out)["status"] == "succeeded"
    assert setup.posts() == 1 and emulator.counters(SOURCE)["checkpoint_copies"] == 1


def test_a_precondition_the_sign_in_may_not_read_says_which_check_needed_what():
    """A 401/403 while checking is reworded to name the check and the right it needs; other refusals pass."""
    import pytest

    from ftops.errors import AzureRefusedError
    from ftops.jobs.copy_checkpoint import _signed_in_may

    for status in (401, 403):
        with pytest.raises(AzureRefusedError) as caught, _signed_in_may("list the jobs of x", "needs a role on x"):
            raise AzureRefusedError("Forbidden", status=status, code="PermissionDenied")
        assert caught.value.message == f"could not list the jobs of x ({status})"
        assert caught.value.hint == "needs a role on x" and caught.value.code == "PermissionDenied"
    with pytest.raises(AzureRefusedError) as other, _signed_in_may("list the jobs of x", "needs a role on x"):
        raise AzureRefusedError("quota exceeded", status=429)
    assert other.value.message == "quota exceeded"


def test_a_rerun_whose_status_names_no_destination_says_it_is_unconfirmed(arrange, emulator):
    """Microsoft's docs show no status body: when the service's status does not echo the destination, a rerun
    cannot tell where the earlier copy went, and says so instead of reporting a quiet success."""
    setup = arrange()
    code, _, err = setup.copy("1", "--to-account", DEST_ID, "--wait", "--json")
    assert code == 0, err
    for record in emulator.copies.copies.values():
        record.pop("destinationResourceId")
    code, out, err = setup.copy("1", "--to-account", DEST_ID, "--json")
    assert code == 0, err
    assert json.loads(out)["destination_confirmed"] is False
    code, out, err = setup.copy("1", "--to-account", DEST_ID)
    assert code == 0 and "names no destination" in " ".join(err.split())
    assert setup.posts() == 1
