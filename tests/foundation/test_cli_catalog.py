"""`ftops models`, `ftops availability` and `ftops check` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ftops.cli.app import app
from ftops.cli.app import run as cli_run

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str, str]:
    return cli_run(list(args))


def test_availability_gpt41_dpo_json() -> None:
    code, out, _ = run("availability", "--model", "gpt-4.1", "--method", "dpo", "--json")
    assert code == 0
    data = json.loads(out)
    [entry] = [e for e in data["availability"] if e["modality"] == "text"]
    assert entry["standard_regions"] == ["northcentralus", "swedencentral"]
    assert entry["training_types"] == ["standard", "data_zone", "global", "developer"]
    assert "francecentral" in entry["global_training_regions"] and "japaneast" in entry["global_training_regions"]
    assert entry["path"] == "foundry-resource" and entry["lifecycle"]["deployment_retirement"] == "2027-10-14"
    assert entry["source"]["commit"] and entry["source"]["date"]


def test_availability_vision_keeps_only_vision_models_and_regions() -> None:
    code, out, _ = run("availability", "--model", "gpt-4.1", "--method", "sft", "--vision", "--json")
    assert code == 0
    [entry] = json.loads(out)["availability"]
    assert entry["modality"] == "vision" and "japaneast" not in entry["global_training_regions"]
    code, _, err = run("availability", "--model", "gpt-4.1-mini", "--vision")
    assert code == 1 and "does not train on images" in err
    code, out, _ = run("models", "--vision", "--json")
    assert {m["name"] for m in json.loads(out)["models"]} == {"gpt-4o", "gpt-4.1"}


def test_o4_mini_sft_refused_naming_rft() -> None:
    code, out, err = run("availability", "--model", "o4-mini", "--method", "sft", "--json")
    assert code == 1
    assert "cannot be fine-tuned with supervised (SFT)" in err and "reinforcement (RFT)" in err
    assert json.loads(out)["error"] == "not_available"


def test_typo_suggests_model() -> None:
    code, _, err = run("availability", "--model", "gpt-4.1-mni")
    assert code == 1
    assert "unknown model 'gpt-4.1-mni'" in err and "did you mean gpt-4.1-mini" in err


@pytest.mark.parametrize(
    ("name", "date", "instead"),
    [
        ("Llama-2-7b", "2025-06-30", "Llama-3.3-70B-Instruct"),
        ("Mistral-Nemo", "2026-01-30", "Mistral-small-2503"),
        ("Mistral-Large-2411", "2026-01-30", "Mistral-medium-2505"),
        ("Meta-Llama-3.1-8B-Instruct", "2026-06-13", "Llama-3.3-70B-Instruct"),
    ],
)
def test_a_retired_model_exits_1_saying_when_and_what_instead(name: str, date: str, instead: str) -> None:
    code, out, err = run("availability", "--model", name, "--json")
    assert code == 1
    assert f"retired on {date}" in err and instead in err and "Traceback" not in err
    assert json.loads(out)["error"] == "retired_model"


def test_models_hides_retired_models_unless_all() -> None:
    code, out, _ = run("models", "--json")
    shown = {m["name"] for m in json.loads(out)["models"]}
    assert code == 0 and {"gpt-5", "gpt-oss-120b", "Qwen3-32B", "Ministral-3B"} <= shown
    assert not shown & {
        "Llama-2-7b",
        "Mistral-Nemo",
        "Mistral-Large-2411",
        "Meta-Llama-3.1-8B-Instruct",
        "gpt-35-turbo",
    }
    code, out, _ = run("models", "--all", "--json")
    every = {m["name"]: m for m in json.loads(out)["models"]}
    assert every["Mistral-Nemo"]["offered"] is False and every["Mistral-Nemo"]["lifecycle"]["retired"] == "2026-01-30"
    code, out, _ = run("models", "--all")
    assert "retired 2025-06-30" in out


def test_region_view() -> None:
    code, out, _ = run("availability", "--region", "swedencentral", "--method", "rft", "--json")
    assert code == 0
    rows = json.loads(out)["models"]
    assert {m["model"] for m in rows} == {"o4-mini", "gpt-5", "gpt-oss-120b", "Qwen3.6-35B-A3B", "Qwen3.8-27B",
                                         "Muse-Glimmer-30B", "MAI-Code-1.1-Flash"}  # fmt: skip
    assert {r["model"]: r["training_types"] for r in rows}["gpt-5"] == ["standard", "global"]
    code, _, err = run("availability", "--region", "swedncentral")
    assert code == 1 and "did you mean swedencentral" in err


def test_availability_needs_model_or_region() -> None:
    code, _, err = run("availability")
    assert code == 2 and "give --model, --region or both" in err


def test_bad_flag_is_a_usage_error() -> None:
    result = runner.invoke(app, ["availability", "--model", "gpt-4.1", "--method", "ppo"])
    assert result.exit_code == 2


def test_models_table_lists_catalog() -> None:
    code, out, _ = run("models", "--method", "dpo")
    assert code == 0
    for name in ("gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"):
        assert name in out
    assert "o4-mini" not in out


def test_check_dev_stack_summary() -> None:
    code, out, _ = run("check", "--stack", "dev", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["valid"] and data["accounts"][0]["location"] == "swedencentral"
    assert data["fine_tunes"][0]["targets"] == ["account swedencentral"]


def test_check_broken_stack_lists_each_problem_and_writes_nothing(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.broken.yaml"
    stack.write_text(
        yaml.safe_dump(
            {
                "config": {
                    "ftops:environment": {
                        "name": "ftbroken",
                        "resource_group": {"location": "swedencentral"},
                        "regions": [{"location": "swedencentral"}, {"location": "westeuropa"}],
                        "fine_tunes": [
                            {"model": "gpt-4.1-mni"},
                            {"model": "gpt-4.1", "method": "dpo", "region": "eastus2"},
                        ],
                    }
                }
            }
        )
    )
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run("check", "--stack", str(stack), "--json")
    assert code == 1
    paths = [p["path"] for p in json.loads(out)["problems"]]
    assert paths == ["regions[1].location", "fine_tunes[0].model", "fine_tunes[1].region"]
    assert "regions[1].location: unknown Azure region 'westeuropa'" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_check_missing_field(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.nofield.yaml"
    stack.write_text(yaml.safe_dump({"config": {"ftops:environment": {"name": "ftx", "regions": [{}]}}}))
    code, _, err = run("check", "--stack", str(stack))
    assert code == 1
    assert "resource_group: required field is missing" in err
    assert "regions[0].location: required field is missing" in err


def test_installed_console_script_runs() -> None:
    """The real `ftops` executable, as a subprocess, from a fresh interpreter."""
    exe = Path(sys.executable).with_name("ftops")
    done = subprocess.run(
        [str(exe), "availability", "--model", "gpt-4.1-mni"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ},
        timeout=60,
    )
    assert done.returncode == 1 and "did you mean gpt-4.1-mini" in done.stderr
    done = subprocess.run([str(exe), "--help"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0 and "availability" in done.stdout


def test_shell_completion_offers_model_names() -> None:
    exe = Path(sys.executable).with_name("ftops")
    env = {
        **os.environ,
        "_FTOPS_COMPLETE": "complete_bash",
        "COMP_WORDS": "ftops availability --model gpt-4.1-n",
        "COMP_CWORD": "3",
    }
    done = subprocess.run([str(exe)], capture_output=True, text=True, env=env, timeout=60)
    assert "gpt-4.1-nano" in done.stdout


def test_lazy_command_table_matches_the_commands() -> None:
    """`ftops --help` shows each command's help line without importing it; it must equal the real one."""
    from ftops.cli.lazy import COMMANDS, load

    for name, (_, _, _, short_help) in COMMANDS.items():
        command = load(name)
        real = (command.help or "").strip().splitlines()[0]
        assert short_help == real, name
