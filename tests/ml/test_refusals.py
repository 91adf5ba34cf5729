"""Open-model launches the stack cannot serve are refused before anything reaches Azure, with the fix named."""

from __future__ import annotations

import json

import pytest

from ftops.cli.app import run

MANAGED = "Phi-4-mini-instruct"  # offered on managed compute
LLAMA = "Llama-3.3-70B-Instruct"  # hub serverless in westus3 only, through the marketplace


@pytest.mark.parametrize(
    ("model", "stack", "extra", "code", "hint"),
    [
        (MANAGED, {"location": "westus3"}, ["--compute", "managed"], 1, "add a 'managed_compute' section"),
        ("Ministral-3B", {"compute": True}, ["--compute", "managed"], 2, "leave out --compute managed"),
        (LLAMA, {"marketplace": (LLAMA,)}, [], 1, "regions that can: westus3; set hub.location"),
    ],
    ids=["no-cluster-in-the-stack", "model-without-managed-compute", "hub-in-the-wrong-region"],
)
def test_refused_with_the_fix(emulator, hub_outputs, sft_file, model, stack, extra, code, hint) -> None:
    outputs = str(hub_outputs(**stack))
    args = ["launch", "--outputs", outputs, "--model", model, "--method", "sft", "--train", str(sft_file)]
    got, out, err = run([*args, *extra, "--json"])
    assert got == code and hint in err
    assert json.loads(out)["exit_code"] == code and hint in json.loads(out)["hint"]
    assert not emulator.ml.blobs and not emulator.ml.data and not emulator.ml.jobs
