"""Item 16 of issue 17: the az CLI's conventions on every command (-o, --query, --subscription, --verbose,
--debug, --version, stack completion), and item 15's follow-ups that can be pasted and deployments that change."""

from __future__ import annotations

import json
import os

import pytest
import yaml
from cli_run import FTOPS, ftops, no_traceback, sft_rows, write_jsonl

ACCOUNT = "ais-ftdev-swedencentral-7fc482"


def test_version():
    done = ftops("--version")
    assert done.returncode == 0 and done.stdout.startswith("ftops ")


@pytest.mark.parametrize("where", ["after", "before"])
def test_output_formats_and_query(where):
    def run(*flags: str):
        return ftops(*flags, "models") if where == "before" else ftops("models", *flags)

    as_json = json.loads(run("-o", "json").stdout)
    assert [m["name"] for m in as_json["models"]][:2] == ["gpt-4o-mini", "gpt-4o"]
    assert yaml.safe_load(run("-o", "yaml").stdout) == as_json
    names = json.loads(run("--query", "models[].name").stdout)
    assert names == [m["name"] for m in as_json["models"]]
    tsv = run("-o", "tsv", "--query", "models[].{name: name, version: version}").stdout.splitlines()
    assert tsv[0].split("\t") == [as_json["models"][0]["name"], as_json["models"][0]["version"]]
    assert "┃" in run("-o", "table").stdout
    table = run("-o", "table", "--query", "models[:2].{name: name, provider: provider}").stdout.splitlines()
    assert table[0].split() == ["name", "provider"]
    assert [line.split() for line in table[1:]] == [[m["name"], m["provider"]] for m in as_json["models"][:2]]
    scalars = run("-o", "table", "--query", "models[:2].name").stdout.splitlines()
    assert [line.strip() for line in scalars] == ["Result", *(m["name"] for m in as_json["models"][:2])]


def test_a_bad_query_is_a_usage_error_before_any_work():
    done = ftops("jobs", "list", "--query", "jobs[")
    no_traceback(done)
    assert done.returncode == 2 and "JMESPath" in done.stderr
    assert json.loads(done.stdout)["error"] == "usage_error"


def test_output_file_of_metrics_is_not_taken_for_a_format():
    from ftops.cli.conventions import take

    rest, taken = take(["jobs", "show", "ftjob-1", "--metrics", "--output", "curve.png"])
    assert rest == ["jobs", "show", "ftjob-1", "--metrics", "--output", "curve.png"] and taken.output is None
    rest, taken = take(["plan", "--stack", "dev", "--subscription", "x"])
    assert "--subscription" in rest  # plan's own option


def test_subscription_flag_answers_live_questions(emulator):
    from ftops.cli.conventions import take

    before = os.environ.get("AZURE_SUBSCRIPTION_ID")
    try:
        rest, _ = take(["availability", "--region", "swedencentral", "--live", "--subscription", "abc"])
        assert "--subscription" not in rest and os.environ["AZURE_SUBSCRIPTION_ID"] == "abc"
    finally:
        if before is None:
            os.environ.pop("AZURE_SUBSCRIPTION_ID", None)
        else:
            os.environ["AZURE_SUBSCRIPTION_ID"] = before


def test_debug_shows_requests_and_never_the_token(emulator, monkeypatch):
    monkeypatch.setenv("FTOPS_AZURE_TOKEN", "secret-token-value-1234567890")
    done = ftops("availability", "--region", "swedencentral", "--live", "--json", "--debug")
    assert done.returncode == 0, done.stderr
    assert "ftops.azure" in done.stderr and "GET" in done.stderr
    assert "secret-token-value-1234567890" not in done.stderr + done.stdout


def test_stack_names_complete_from_the_stack_files():
    import subprocess

    env = {**os.environ, "_FTOPS_COMPLETE": "complete_bash", "COMP_WORDS": "ftops check --stack m", "COMP_CWORD": "3"}
    done = subprocess.run([FTOPS], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.split() == ["managed-compute", "multi-region"]


def test_follow_up_after_wait_names_the_outputs_file_and_deploy_changes_capacity(emulator, outputs_file, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", sft_rows())
    args = ["--model", "gpt-4.1-mini", "--method", "sft", "--train", str(train), "--epochs", "1"]
    done = ftops("launch", "--outputs", str(outputs_file), *args, "--wait")
    assert done.returncode == 0, done.stderr
    hint = next(line for line in done.stdout.splitlines() if "deploy it:" in line)
    assert hint.strip().endswith(f"--outputs {outputs_file}")
    assert sum("succeeded" in line for line in done.stdout.splitlines()) == 1  # the final status, once
    job = hint.split()[hint.split().index("ftops") + 2]
    first = ftops("deploy", job, "--outputs", str(outputs_file), "--json")
    assert first.returncode == 0, first.stderr
    assert "capacity 1" in first.stderr  # the smallest deployment is said to be that
    changed = ftops("deploy", job, "--outputs", str(outputs_file), "--capacity", "5", "--json")
    assert changed.returncode == 0, changed.stderr
    from ftops.azure.arm import ArmClient

    name = json.loads(first.stdout)["deployment"]
    with ArmClient("00000000-0000-0000-0000-000000000000") as arm:
        assert arm.deployments.get("rg-ftdev", ACCOUNT, name)["sku"]["capacity"] == 5
