"""`ftops deploy` sends what its flow needs and no more: one region's usages, not every region's.

Before the preflight read target regions first, a happy-path deploy on the emulator sent 22 requests,
16 of them usages reads of regions it did not deploy to. Now: the job, the deployment (absent), the
target region's usages, the PUT, its operation status until done, and the final GET.
"""

from __future__ import annotations

import json

import pytest
from test_capacity import finished_job, outputs  # noqa: F401  (the fixture and helper of the capacity tests)


@pytest.fixture
def log(emulator, monkeypatch):
    """Every request the emulator answers, as 'METHOD path' (query left out)."""
    seen: list[str] = []
    respond = emulator.respond

    def recording(request):
        seen.append(f"{request.method} {request.path}")
        return respond(request)

    monkeypatch.setattr(emulator, "respond", recording)
    return seen


def test_a_deploy_that_fits_reads_only_its_own_regions_usages(emulator, cli, outputs, log):  # noqa: F811
    job = finished_job("https://aissc.openai.azure.com/")
    log.clear()
    before = emulator.requests
    code, out, err = cli("deploy", job, "--outputs", outputs, "--json")
    assert code == 0, err
    assert json.loads(out)["provisioning_state"] == "Succeeded"
    sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
    deployment = f"{sub}/resourceGroups/rg-ftcap/providers/Microsoft.CognitiveServices/accounts/aissc/deployments/"
    polls = [line for line in log if "/operationStatuses/" in line]  # as many as the emulator's LRO takes
    assert polls and all(line.startswith("GET ") for line in polls)
    shape = [
        "GET job",
        "GET deployment",  # absent: it is created
        f"GET {sub}/providers/Microsoft.CognitiveServices/locations/swedencentral/usages",  # only its region
        "PUT deployment",
        *["GET status"] * len(polls),
        "GET deployment",  # the final resource, after the operation succeeded
    ]
    named = [
        f"{line.split(' ')[0]} job"
        if "/fine_tuning/jobs/" in line
        else f"{line.split(' ')[0]} deployment"
        if line.split(" ")[1].startswith(deployment)
        else "GET status"
        if line in polls
        else line
        for line in log
    ]
    assert named == shape
    assert emulator.requests - before == len(log) == 5 + len(polls)  # 7 on today's emulator (was 22)


def test_a_deploy_that_does_not_fit_still_reads_other_regions_for_suggestions(emulator, cli, outputs, log):  # noqa: F811
    emulator.arm.set_usage_limit("swedencentral", "OpenAI.Standard.gpt4.1-mini-finetune", 0)
    job = finished_job("https://aissc.openai.azure.com/")
    log.clear()
    code, out, _ = cli("deploy", job, "--outputs", outputs, "--json")
    assert code == 3 and json.loads(out)["code"] == "InsufficientQuota"
    regions = {line.split("/locations/")[1].split("/")[0] for line in log if line.endswith("/usages")}
    assert "swedencentral" in regions and len(regions) > 1  # suggestions need the other regions
    assert not [line for line in log if line.startswith("PUT")]
