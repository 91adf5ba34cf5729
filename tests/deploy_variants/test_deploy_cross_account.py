"""`ftops deploy … --to-region R | --to-account ID`: a fine-tune deployed on another region's or subscription's
account, the PUT carrying `properties.model.source` (docs: fine-tuning-deploy.md, "Cross region deployment")."""

from __future__ import annotations

import json

from cli_run import ftops, no_traceback
from deploy_stack import OTHER_RG, OTHER_SUB, RG, SUB, account_id

SOURCE = account_id(SUB, RG, "aisse")
EAST = account_id(OTHER_SUB, OTHER_RG, "aiprodeus2")


def counters(emulator) -> dict[str, int]:
    return emulator.arm.summary()["counters"]


def test_a_swedencentral_fine_tune_deploys_into_an_eastus2_account_of_another_subscription(
    emulator, trained, run, stack
):
    emulator.arm.add_account(OTHER_SUB, OTHER_RG, "aiprodeus2", "eastus2")
    launched = trained()
    assert launched["target"]["location"] == "swedencentral"
    args = ["deploy", launched["job_id"], "--outputs", str(stack), "--to-account", EAST, "--sku", "GlobalStandard"]
    deployed = run(*args)
    assert deployed["created"] is True and deployed["provisioning_state"] == "Succeeded"
    assert deployed["model"] == launched["final"]["fine_tuned_model"]
    assert (deployed["account"], deployed["location"], deployed["subscription_id"]) == (
        "aiprodeus2",
        "eastus2",
        OTHER_SUB,
    )
    assert deployed["account_id"] == EAST and deployed["cross_account"] is True
    assert deployed["source"]["account_id"] == SOURCE and deployed["source"]["location"] == "swedencentral"
    assert deployed["endpoint"] == "https://aiprodeus2.cognitiveservices.azure.com/"  # read from ARM
    stored = emulator.arm.deployments[(OTHER_SUB, OTHER_RG, "aiprodeus2")][deployed["deployment"]]
    assert stored["properties"]["model"]["source"] == SOURCE  # the PUT body's source, as the emulator kept it
    assert counters(emulator).get("deployment_puts:aiprodeus2") == 1
    assert "deployment_puts:aisse" not in counters(emulator)

    again = run(*args)
    assert again["created"] is False and again["deployment"] == deployed["deployment"]
    assert counters(emulator).get("deployment_puts:aiprodeus2") == 1  # exactly once

    shown = ftops(*args)
    assert shown.returncode == 0 and f"sent as the model's source {SOURCE}" in shown.stdout


def test_to_region_uses_the_stacks_account_there(emulator, trained, run, stack):
    job = trained()["job_id"]
    deployed = run("deploy", job, "--outputs", str(stack), "--to-region", "eastus2", "--sku", "GlobalStandard")
    assert deployed["account"] == "aiseus2" and deployed["source"]["sent"] == SOURCE
    stored = emulator.arm.deployments[(SUB, RG, "aiseus2")][deployed["deployment"]]
    assert stored["properties"]["model"]["source"] == SOURCE
    here = run("deploy", job, "--outputs", str(stack), "--to-region", "swedencentral")  # its own account: no source
    assert here["cross_account"] is False and here["source"]["sent"] is None
    assert "source" not in emulator.arm.deployments[(SUB, RG, "aisse")][here["deployment"]]["properties"]["model"]


def test_a_checkpoint_deploys_into_another_region_too(emulator, trained, run, stack):
    job = trained()["job_id"]
    deployed = run(
        "deploy", job, "--outputs", str(stack), "--checkpoint", "2", "--to-region", "eastus2", "--sku", "GlobalStandard"
    )
    assert deployed["model"].startswith("ftchkpt-") and deployed["checkpoint"]["number"] == 2
    stored = emulator.arm.deployments[(SUB, RG, "aiseus2")][deployed["deployment"]]
    assert stored["properties"]["model"] == {
        "format": "OpenAI",
        "name": deployed["model"],
        "version": "1",
        "source": SOURCE,
    }


def test_a_destination_that_is_not_a_fine_tuning_region_is_refused_before_any_put(emulator, trained, stack):
    emulator.arm.add_account(OTHER_SUB, OTHER_RG, "aiwestus2", "westus2")
    job = trained()["job_id"]
    done = ftops("deploy", job, "--outputs", str(stack), "--to-account", account_id(OTHER_SUB, OTHER_RG, "aiwestus2"))
    no_traceback(done)
    assert done.returncode == 1
    assert "westus2 is not a region where gpt-4.1-mini fine-tunes" in done.stderr and "eastus2" in done.stderr
    assert not any(k.startswith("deployment_") for k in counters(emulator))


def test_a_deployment_type_not_offered_in_the_destination_is_refused_before_any_put(emulator, trained, stack):
    job = trained()["job_id"]  # Standard deployments of fine-tuned gpt-4.1-mini: North Central US, Sweden Central
    done = ftops("deploy", job, "--outputs", str(stack), "--to-region", "eastus2", "--sku", "Standard")
    no_traceback(done)
    assert done.returncode == 1
    assert "deploy as Standard only in northcentralus, swedencentral, not eastus2" in done.stderr
    assert "GlobalStandard" in done.stderr  # the types that serve it there
    assert not any(k.startswith("deployment_") for k in counters(emulator))


def test_the_quota_preflight_reads_the_destination_region(emulator, trained, stack):
    from ftops.emulator.usages import usage_name

    emulator.arm.add_account(OTHER_SUB, OTHER_RG, "aiprodeus2", "eastus2")
    job = trained()["job_id"]
    emulator.arm.set_usage_limit("eastus2", usage_name("gpt-4.1-mini-2025-04-14.ft-x", "GlobalStandard"), 0)
    done = ftops("deploy", job, "--outputs", str(stack), "--to-account", EAST, "--sku", "GlobalStandard")
    no_traceback(done)
    assert done.returncode == 3 and "eastus2" in done.stderr
    assert not any(k.startswith("deployment_") for k in counters(emulator))


def test_an_unknown_destination_account_and_a_malformed_id(emulator, trained, stack):
    job = trained()["job_id"]
    missing = ftops("deploy", job, "--outputs", str(stack), "--to-account", account_id(OTHER_SUB, OTHER_RG, "nosuch"))
    assert missing.returncode == 1 and "no AI Services account nosuch" in missing.stderr
    malformed = ftops("deploy", "ftjob-unknown", "--outputs", str(stack), "--to-account", "aiprodeus2")
    assert malformed.returncode == 2
    assert "is not the ARM id of an AI Services account" in malformed.stderr
    assert "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/" in " ".join(
        malformed.stderr.split()
    )
    elsewhere = ftops("deploy", job, "--outputs", str(stack), "--to-region", "westus3")
    assert elsewhere.returncode == 1 and "no account in westus3" in elsewhere.stderr
    assert not any(k.startswith("deployment_") for k in counters(emulator))


def test_cross_tenant_sends_source_account_and_an_auxiliary_token_never_shown(emulator, trained, run, stack):
    from ftops.azure.auth import EMULATOR_TOKEN

    emulator.arm.add_account(OTHER_SUB, OTHER_RG, "aiprodeus2", "eastus2")
    job = trained()["job_id"]
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    args = [
        "deploy",
        job,
        "--outputs",
        str(stack),
        "--to-account",
        EAST,
        "--sku",
        "GlobalStandard",
        "--source-tenant",
        tenant,
    ]
    done = ftops(*args, "--debug")
    assert done.returncode == 0, done.stderr
    assert EMULATOR_TOKEN not in done.stdout + done.stderr
    (stored,) = emulator.arm.deployments[(OTHER_SUB, OTHER_RG, "aiprodeus2")].values()
    assert stored["properties"]["model"]["sourceAccount"] == SOURCE and "source" not in stored["properties"]["model"]
    bad = ftops(*args[:-1], "not a tenant!")
    assert bad.returncode == 2 and "is not a tenant id" in bad.stderr


def test_changing_the_capacity_of_a_cross_account_deployment_keeps_its_source(emulator, trained, run, stack):
    emulator.arm.add_account(OTHER_SUB, OTHER_RG, "aiprodeus2", "eastus2")
    job = trained()["job_id"]
    args = ["deploy", job, "--outputs", str(stack), "--to-account", EAST, "--sku", "GlobalStandard"]
    first = run(*args)
    resized = run(*args, "--capacity", "2")  # an update in place: the PUT names the source again
    assert resized["deployment"] == first["deployment"] and resized["capacity"] == 2
    stored = emulator.arm.deployments[(OTHER_SUB, OTHER_RG, "aiprodeus2")][first["deployment"]]
    assert stored["properties"]["model"]["source"] == SOURCE and stored["sku"]["capacity"] == 2
    assert counters(emulator)["deployment_puts:aiprodeus2"] == 2


def test_a_data_zone_standard_deployment_serves_a_fine_tune_exactly_once(emulator, trained, stack):
    """The table's default for fine-tuned deployments: "Global Standard, Data Zone Standard, and Developer"."""
    job = trained()["job_id"]
    args = ("deploy", job, "--outputs", str(stack), "--to-region", "eastus2", "--sku", "DataZoneStandard", "--json")
    first = ftops(*args)
    no_traceback(first)
    assert first.returncode == 0, first.stderr
    made = json.loads(first.stdout)
    assert made["sku"] == "DataZoneStandard" and made["created"] is True and made["location"] == "eastus2"
    again = json.loads(ftops(*args).stdout)
    assert again["created"] is False and again["deployment"] == made["deployment"]
    assert counters(emulator).get("deployment_puts:aiseus2") == 1
