"""`ftops deploy JOB --checkpoint N | --best` and `ftops deploy ftchkpt-…`, through the real CLI on the emulator.

Microsoft's docs (fine-tuning-deploy.md): a checkpoint deploys "by passing the checkpoint ID, which appears in
the format `ftchkpt-…`" as the model name.
"""

from __future__ import annotations

import json

from cli_run import ftops, no_traceback, sft_rows, write_jsonl


def puts(emulator, account: str = "aisse") -> int:
    return emulator.arm.summary()["counters"].get(f"deployment_puts:{account}", 0)


def test_jobs_checkpoints_numbers_them_by_step(trained, run, stack):
    job = trained()["job_id"]
    listed = run("jobs", "checkpoints", job, "--outputs", str(stack))["checkpoints"]
    assert [(c["number"], c["step_number"]) for c in listed] == [(1, 10), (2, 20), (3, 30)]
    table = ftops("jobs", "checkpoints", job, "--outputs", str(stack))
    assert table.returncode == 0 and "#" in table.stdout and listed[1]["id"] in table.stdout


def test_the_second_checkpoint_deploys_by_its_id_exactly_once(emulator, trained, run, stack):
    job = trained()["job_id"]
    second = run("jobs", "checkpoints", job, "--outputs", str(stack))["checkpoints"][1]
    deployed = run("deploy", job, "--outputs", str(stack), "--checkpoint", "2")
    assert deployed["created"] is True and deployed["provisioning_state"] == "Succeeded"
    assert deployed["model"] == second["id"] and second["id"].startswith("ftchkpt-")
    assert deployed["checkpoint"]["number"] == 2 and deployed["checkpoint"]["step"] == 20
    assert deployed["checkpoint"]["id"] == second["id"] and deployed["checkpoint"]["metric"] is None
    assert deployed["hosting_per_day"] and deployed["hosting_per_day"] > 0  # a fine-tuned Standard deployment
    stored = emulator.arm.deployments[(deployed["subscription_id"], "rg-ftdev", "aisse")][deployed["deployment"]]
    assert stored["properties"]["model"]["name"] == second["id"]  # what the PUT sent
    assert puts(emulator) == 1

    again = run("deploy", job, "--outputs", str(stack), "--checkpoint", "2")
    by_id = run("deploy", second["id"], "--outputs", str(stack))  # the same checkpoint named by its id
    assert again["created"] is False and by_id["created"] is False
    assert again["deployment"] == by_id["deployment"] == deployed["deployment"]
    assert puts(emulator) == 1  # reruns created nothing

    final = run("deploy", job, "--outputs", str(stack))  # the job's final model: its own deployment
    assert final["deployment"] != deployed["deployment"] and final["checkpoint"] is None
    first = run("deploy", job, "--outputs", str(stack), "--checkpoint", "1")  # each checkpoint: its own name
    assert first["deployment"] not in (deployed["deployment"], final["deployment"])
    assert puts(emulator) == 3


def test_best_picks_the_lowest_validation_loss_not_the_latest(emulator, trained, run, stack):
    job = trained()["job_id"]
    # The service reports validation metrics per checkpoint (Microsoft's checkpoints example); here the second
    # has the lowest full validation loss while training loss keeps falling: the shape of overfitting.
    checkpoints = emulator.dataplane.accounts["aisse"].jobs[job].checkpoints
    for checkpoint, full_valid in zip(checkpoints, (0.61, 0.42, 0.55), strict=True):
        checkpoint["metrics"].update(valid_loss=full_valid + 0.1, full_valid_loss=full_valid)
    best = run("deploy", job, "--outputs", str(stack), "--best")
    assert best["checkpoint"]["number"] == 2 and best["checkpoint"]["metric"] == "full_valid_loss"
    assert best["checkpoint"]["value"] == 0.42 and best["model"] == checkpoints[1]["id"]
    shown = ftops("deploy", job, "--outputs", str(stack), "--best")
    assert shown.returncode == 0 and "lowest full_valid_loss 0.42" in shown.stdout
    assert puts(emulator) == 1


def test_best_without_validation_metrics_says_train_loss_decided(emulator, trained, run, stack):
    job = trained()["job_id"]
    best = run("deploy", job, "--outputs", str(stack), "--best")
    assert best["checkpoint"]["metric"] == "train_loss" and best["checkpoint"]["number"] == 3


def test_a_checkpoint_number_out_of_range_is_refused_before_any_put(emulator, trained, stack):
    job = trained()["job_id"]
    done = ftops("deploy", job, "--outputs", str(stack), "--checkpoint", "7")
    no_traceback(done)
    assert done.returncode == 1
    assert "has 3 checkpoints; there is no checkpoint 7" in done.stderr and "--checkpoint 1..3" in done.stderr
    assert puts(emulator) == 0


def test_a_job_without_checkpoints_is_refused(emulator, stack, run, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", sft_rows())
    job = run("launch", "--outputs", str(stack), "--model", "gpt-4.1-mini", "--method", "sft", "--train", str(train))[
        "job_id"
    ]
    done = ftops("deploy", job, "--outputs", str(stack), "--best")  # still pending: no checkpoints yet
    assert done.returncode == 1 and f"job {job} has no checkpoints" in done.stderr
    assert puts(emulator) == 0


def test_checkpoint_with_best_is_a_usage_error(emulator, stack):
    done = ftops("deploy", "ftjob-abc", "--outputs", str(stack), "--checkpoint", "2", "--best")
    assert done.returncode == 2 and "--checkpoint N or --best, not both" in done.stderr


def test_an_unknown_checkpoint_id_names_how_to_find_one(emulator, trained, stack):
    trained()
    done = ftops("deploy", "ftchkpt-00000000000000000000dead", "--outputs", str(stack))
    no_traceback(done)
    assert done.returncode == 1 and "has checkpoint ftchkpt-00000000000000000000dead" in done.stderr
    assert puts(emulator) == 0


def test_a_checkpoint_id_is_found_on_the_stacks_accounts_without_the_ledger(emulator, trained, run, stack, tmp_path):
    job = trained()["job_id"]
    third = run("jobs", "checkpoints", job, "--outputs", str(stack))["checkpoints"][2]
    elsewhere = {"FTOPS_STATE_DIR": str(tmp_path / "another-machine")}  # a ledger that never saw the launch
    done = ftops("deploy", third["id"], "--outputs", str(stack), "--json", env=elsewhere)
    assert done.returncode == 0, done.stderr
    deployed = json.loads(done.stdout)
    assert deployed["job_id"] == job and deployed["checkpoint"]["number"] == 3 and deployed["model"] == third["id"]
    assert puts(emulator) == 1


def test_a_checkpoint_id_is_found_past_a_ledger_job_the_service_no_longer_has(emulator, trained, run, stack):
    """The ledger is asked first; a job it lists but the service deleted is skipped, not a failure."""
    gone = trained()["job_id"]
    kept = trained("gpt-4.1-mini", 2)["job_id"]
    wanted = run("jobs", "checkpoints", kept, "--outputs", str(stack))["checkpoints"][0]["id"]
    emulator.dataplane.accounts["aisse"].jobs.pop(gone)  # deleted on the service since it was launched
    deployed = run("deploy", wanted, "--outputs", str(stack))
    assert deployed["model"] == wanted and deployed["checkpoint"]["number"] == 1
    unknown = ftops("deploy", "ftchkpt-0000000000000000000000ff", "--outputs", str(stack))
    no_traceback(unknown)
    assert unknown.returncode == 1 and "has checkpoint ftchkpt-0000000000000000000000ff" in unknown.stderr


def test_an_unknown_checkpoint_id_of_a_known_job_is_a_one_line_refusal():
    import pytest

    from ftops.errors import UserError
    from ftops.jobs.checkpoints import choose

    rows = [{"id": "ftchkpt-a", "step_number": 10}, {"id": "ftchkpt-b", "step_number": 20}]
    assert choose("ftjob-1", rows, wanted_id="ftchkpt-b").number == 2
    with pytest.raises(UserError, match="job ftjob-1 has no checkpoint ftchkpt-c"):
        choose("ftjob-1", rows, wanted_id="ftchkpt-c")
