"""Items 7-10 of issue 17 end to end: an empty file is refused before any upload, a live check that saw
nothing fails, a missing sign-in is one line with exit 3, and `jobs wait` follows a pause Azure made."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from cli_run import FTOPS, ftops, no_traceback, sft_rows, write_jsonl

ACCOUNT = "ais-ftdev-swedencentral-7fc482"


def sft(outputs_file, train, *extra: str) -> list[str]:
    model = ["-m", "gpt-4.1-mini", "--method", "sft"]
    return ["launch", "--outputs", str(outputs_file), *model, "--train", str(train), *extra]


def test_empty_training_file_is_refused_by_validate_cost_and_launch(emulator, outputs_file, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    model = ["--method", "sft", "--model", "gpt-4.1-mini"]
    validated = ftops("data", "validate", str(empty), *model, "--json")
    costed = ftops("cost", "--train", str(empty), *model, "--json")
    launched = ftops(*sft(outputs_file, empty), "--json")
    for done in (validated, costed, launched):
        no_traceback(done)
        assert done.returncode == 1, done.stderr
    assert "empty" in launched.stderr
    assert json.loads(launched.stdout)["exit_code"] == 1
    assert emulator.counters(ACCOUNT).get("uploads", 0) == 0
    assert emulator.counters(ACCOUNT).get("job_creations", 0) == 0


def test_live_availability_that_reached_no_region_fails_like_the_region_form(emulator):
    emulator.set_faults("503 on=GET:*")  # every region's model list fails, through the retries
    by_model = ftops("availability", "--model", "gpt-4.1-mini", "--live", "--json")
    by_region = ftops("availability", "--region", "swedencentral", "--live", "--json")
    for done in (by_model, by_region):
        no_traceback(done)
        assert done.returncode == 4, done.stderr
        assert json.loads(done.stdout)["error"] == "azure_failure"
    assert "could be checked" in by_model.stderr


def test_live_availability_with_one_region_answering_still_succeeds(emulator):
    emulator.set_faults("503 on=GET:*/locations/eastus2/* ")
    done = ftops("availability", "--model", "gpt-4.1-mini", "--live", "--json")
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["regions"]
    assert any(r.get("error") for r in rows) and not all(r.get("error") for r in rows)


def test_not_signed_in_is_one_line_exit_3_asked_once(tmp_path):
    """No emulator, no token: the credential is a stand-in that refuses, as azure-identity does offline."""
    from ftops.azure.arm import ArmClient
    from ftops.azure.auth import NotSignedInError
    from ftops.catalog import load_catalog
    from ftops.catalog.live import model_report

    asked = []

    class NoLogin:
        def get_token(self, *scopes, **kwargs):
            asked.append(scopes)
            raise RuntimeError("DefaultAzureCredential failed to retrieve a token\nEnvironmentCredential: ...\n" * 20)

    from ftops.azure.settings import AzureSettings

    arm = ArmClient("00000000-0000-0000-0000-000000000009", credential=NoLogin(), settings=AzureSettings())
    with arm, pytest.raises(NotSignedInError) as refused:
        model_report(arm, load_catalog(), "gpt-4.1-mini", None, False)
    assert len(asked) == 1  # one sign-in attempt for the whole sweep, not one per region
    error = refused.value
    assert error.exit_code == 3
    assert error.message == "not signed in to Azure: run `az login` (or set AZURE_* for a service principal)"
    assert "\n" not in error.message and "DefaultAzureCredential failed" not in str(error.to_dict())


def test_az_default_subscription_is_the_fallback(tmp_path, monkeypatch):
    from ftops.azure.settings import AzureSettings, subscription_id

    home = tmp_path / "home"
    (home / ".azure").mkdir(parents=True)
    profile = {
        "installationId": "x",
        "subscriptions": [
            {"id": "11111111-1111-1111-1111-111111111111", "isDefault": False, "name": "other"},
            {"id": "22222222-2222-2222-2222-222222222222", "isDefault": True, "name": "mine"},
        ],
    }
    # az writes the profile with a byte-order mark
    (home / ".azure" / "azureProfile.json").write_text(json.dumps(profile), encoding="utf-8-sig")
    env = {"HOME": str(home)}
    assert subscription_id(AzureSettings(), env) == "22222222-2222-2222-2222-222222222222"
    given = "33333333-3333-3333-3333-333333333333"
    assert subscription_id(AzureSettings(), {**env, "AZURE_SUBSCRIPTION_ID": given}) == given
    profile["subscriptions"][1]["isDefault"] = False
    (home / ".azure" / "azureProfile.json").write_text(json.dumps(profile), encoding="utf-8-sig")
    from ftops.errors import UserError

    with pytest.raises(UserError, match="no Azure subscription"):
        subscription_id(AzureSettings(), env)


def test_jobs_wait_follows_a_pause_the_service_made(emulator, outputs_file, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", sft_rows())
    launched = ftops(*sft(outputs_file, train, "--epochs", "3", "--json"))
    assert launched.returncode == 0, launched.stderr
    job_id = json.loads(launched.stdout)["job_id"]
    job = emulator.dataplane.account(ACCOUNT).jobs[job_id]
    with emulator.dataplane.lock:
        job.status = "pausing"  # Azure pauses it (Developer tier): no `ftops jobs pause` was run
    command = [FTOPS, "jobs", "wait", job_id, "--json"]
    waiting = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        seen_paused = 0
        while time.monotonic() < deadline and seen_paused < 20:  # many polls of a paused job
            seen_paused += job.status == "paused"
            time.sleep(0.05)
        assert job.status == "paused" and waiting.poll() is None  # still following
        with emulator.dataplane.lock:
            job.status = "resuming"  # and Azure resumes it
        out, err = waiting.communicate(timeout=120)
    finally:
        waiting.kill()
        waiting.wait(30)
    assert waiting.returncode == 0, err.decode()
    assert json.loads(out)["status"] == "succeeded"


def test_jobs_wait_stops_at_a_pause_the_user_made(emulator, outputs_file, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", sft_rows())
    launched = ftops(*sft(outputs_file, train, "--epochs", "50", "--json"))
    job_id = json.loads(launched.stdout)["job_id"]
    for _ in range(3):  # each read moves the emulated job on: pending -> running
        ftops("jobs", "show", job_id, "--json")
    paused = ftops("jobs", "pause", job_id, "--json")
    assert paused.returncode == 0, paused.stderr
    done = ftops("jobs", "wait", job_id, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "paused"
