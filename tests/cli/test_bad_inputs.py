"""Items 11 and 12 of issue 17: every bad path, port, state folder and flag ends in one line, its exit code, and
JSON under --json; never a traceback, and before any work is done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import ftops, no_traceback, sft_rows, write_jsonl


def launch_args(outputs: Path | str, train: Path | str, *extra: str) -> list[str]:
    model = ["--model", "gpt-4.1-mini", "--method", "sft"]
    return ["launch", "--outputs", str(outputs), *model, "--train", str(train), *extra]


@pytest.mark.parametrize(
    "args",
    [
        ["launch", "--json"],  # a missing option
        ["jobs", "list", "--bogus", "--json"],  # an unknown option
        ["jobs", "list", "-o", "json", "--bogus"],  # -o json asks for JSON too
        ["emulator", "serve", "--port", "99999", "--json"],
        ["emulator", "serve", "--port", "-1", "--json"],
    ],
)
def test_usage_errors_are_json_under_json_and_exit_2(args):
    done = ftops(*args)
    no_traceback(done)
    assert done.returncode == 2
    document = json.loads(done.stdout)
    assert document["error"] == "usage_error" and document["exit_code"] == 2
    assert done.stderr.startswith("error: ")
    assert "Aborted" not in done.stderr


def test_no_stack_is_the_same_usage_error_everywhere(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", sft_rows())
    codes = set()
    for args in (
        ["launch", "--model", "gpt-4.1-mini", "--method", "sft", "--train", str(train)],
        ["deployments", "list"],
        ["files", "list"],
    ):
        done = ftops(*args, "--json")
        no_traceback(done)
        codes.add(done.returncode)
        assert json.loads(done.stdout)["error"] == "usage_error"
    assert codes == {2}


def test_missing_train_file_and_missing_grader_file_exit_alike(outputs_file, tmp_path):
    row = {"messages": [{"role": "user", "content": "x"}], "answer": "1"}
    train = write_jsonl(tmp_path / "train.jsonl", [row] * 20)
    missing_train = ftops(*launch_args(outputs_file, tmp_path / "nope.jsonl"))
    rft = ["launch", "--outputs", str(outputs_file), "--model", "o4-mini", "--method", "rft", "--train", str(train)]
    missing_grader = ftops(*rft, "--grader", str(tmp_path / "nope.json"))
    for done in (missing_train, missing_grader):
        no_traceback(done)
        assert "not found" in done.stderr
    assert missing_train.returncode == missing_grader.returncode == 2


@pytest.mark.parametrize("flag", ["--outputs", "--grader"])
def test_a_folder_where_a_file_belongs(emulator, outputs_file, tmp_path, flag):
    train = write_jsonl(tmp_path / "train.jsonl", sft_rows())
    args = launch_args(outputs_file if flag != "--outputs" else tmp_path, train)
    if flag == "--grader":
        args += ["--grader", str(tmp_path)]
    done = ftops(*args)
    no_traceback(done)
    assert done.returncode == 2 and "is a directory" in done.stderr
    assert emulator.counters("ais-ftdev-swedencentral-7fc482").get("uploads", 0) == 0


@pytest.mark.parametrize("where", ["folder", "missing parent"])
def test_plan_save_outputs_is_checked_before_the_plan(tmp_path, where):
    target = tmp_path if where == "folder" else tmp_path / "no" / "such" / "outputs.json"
    done = ftops("plan", "--stack", "dev", "--save-outputs", str(target))
    no_traceback(done)
    assert done.returncode == 2
    assert done.stderr.count("\n") <= 2  # the error and its hint: nothing of a plan was printed first
    assert "--save-outputs" in done.stderr and done.stdout == ""


def test_state_dir_that_is_a_file(outputs_file, tmp_path):
    not_a_folder = tmp_path / "state-file"
    not_a_folder.write_text("x")
    train = write_jsonl(tmp_path / "train.jsonl", sft_rows())
    for args in (["jobs", "list"], launch_args(outputs_file, train)):
        done = ftops(*args, env={"FTOPS_STATE_DIR": str(not_a_folder), "FTOPS_AZURE_EMULATOR": ""})
        no_traceback(done)
        assert done.returncode in (1, 2)
        assert "FTOPS_STATE_DIR" in done.stderr or str(not_a_folder) in done.stderr


def test_corrupt_ledger(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "ledger.sqlite3").write_bytes(b"this is not a database\n" * 100)
    done = ftops("jobs", "list", "--json")
    no_traceback(done)
    assert done.returncode == 1
    assert "ledger" in done.stderr and json.loads(done.stdout)["exit_code"] == 1


def test_no_at_the_delete_prompt_is_not_deleted_and_exit_1(emulator, outputs_file):
    from ftops.azure.arm import ArmClient

    with ArmClient("00000000-0000-0000-0000-000000000000") as arm:
        arm.deployments.begin_create(
            "rg-ftdev", "ais-ftdev-swedencentral-7fc482", "keep-me", model="gpt-4.1-mini", version="2025-04-14"
        ).result(poll_seconds=0)
    # a terminal is needed for the prompt: `script` gives the command one
    import shutil
    import subprocess

    if shutil.which("script") is None:
        pytest.skip("needs util-linux `script` for a terminal")
    from cli_run import FTOPS

    command = f"{FTOPS} deployments delete keep-me --outputs {outputs_file}"
    terminal = ["script", "-qec", command, "/dev/null"]
    done = subprocess.run(terminal, input="n\n", capture_output=True, text=True, timeout=120)
    assert "not deleted" in done.stdout and "Aborted" not in done.stdout
    assert done.returncode == 1
    assert "keep-me" in [name for names in emulator.state()["arm"]["deployments"].values() for name in names]
