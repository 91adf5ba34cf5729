"""Bounded fuzzing of the files a user hands ftops: datasets, graders, outputs files and `pulumi` output.

Every run goes through the CLI in-process (`ftops.cli.app.run`) and must end in an exit code of the
documented set with no Python traceback: a result, or one ftops error. Stack files are fuzzed in
test_stack_files.py, server replies in test_replies_fuzz.py. Memory of the worst inputs is measured by
benchmarks/bench_hostile_memory.py, not asserted here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CODES = {0, 1, 2, 3, 4, 5}  # README's exit codes: a valid outputs file goes on to ask Azure (signed out here: 3)


@pytest.fixture(autouse=True)
def _signed_out(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No credentials and no emulator: a valid outputs file ends at the sign-in (exit 3), never a request."""
    for name in ("FTOPS_AZURE_TOKEN", "FTOPS_AZURE_EMULATOR", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(tmp_path_factory.mktemp("no-az")))


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_clean(result: tuple[int, str, str]) -> None:
    code, _, err = result
    assert code in CODES, err
    assert "Traceback" not in err, err


# JSON values, including what strict parsers refuse once serialised: NaN, huge integers, surrogates.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=2),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)


def dumps(value: Any) -> bytes:
    """Python's json writes NaN, Infinity and lone surrogates as escapes: exactly the hostile spellings."""
    return json.dumps(value).encode("utf-8", "surrogatepass")


def chat(i: int) -> dict:
    return {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}


@st.composite
def dataset_bytes(draw: Any) -> bytes:
    lines = [dumps(chat(i)) for i in range(draw(st.integers(min_value=0, max_value=12)))]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["value", "message", "bytes", "cut", "deep", "long"]))
        at = draw(st.integers(min_value=0, max_value=len(lines)))
        if kind == "value":
            lines.insert(at, dumps(draw(VALUES)))
        elif kind == "message":
            lines.insert(at, dumps({"messages": [{"role": draw(SCALARS), "content": draw(VALUES)}]}))
        elif kind == "bytes":
            lines.insert(at, draw(st.binary(max_size=60)))
        elif kind == "cut" and lines:
            line = lines[min(at, len(lines) - 1)]
            lines[min(at, len(lines) - 1)] = line[: draw(st.integers(min_value=0, max_value=len(line)))]
        elif kind == "deep":
            lines.insert(at, b'{"messages": ' + b"[" * 5000 + b"]" * 5000 + b"}")
        else:
            lines.insert(at, dumps({"messages": [{"role": "user", "content": "x" * 200_000}]}))
    return b"\n".join(lines) + draw(st.sampled_from([b"", b"\n", b"\r\n"]))


@FUZZ
@given(data=dataset_bytes(), method=st.sampled_from(["sft", "dpo"]))
def test_datasets_end_in_a_report_or_one_error(data, method, cli, tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_bytes(data)
    assert_clean(cli("data", "validate", str(path), "--model", "gpt-4.1-mini", "--method", method))


GRADER = {"type": "string_check", "name": "g", "input": "{{sample.output_text}}", "reference": "{{item.a}}"}


@st.composite
def grader_bytes(draw: Any) -> bytes:
    grader: dict[str, Any] = {**GRADER, "operation": "eq"}
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        key = draw(st.sampled_from([*grader, "graders", "x"]))
        grader[key] = draw(VALUES)
    raw = dumps(grader)
    if draw(st.booleans()):
        cut = draw(st.integers(min_value=0, max_value=len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=8)) + raw[cut:]
    return raw


@FUZZ
@given(raw=grader_bytes())
def test_graders_end_in_a_report_or_one_error(raw, cli, tmp_path):
    data = tmp_path / "rft.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"{i}?"}], "a": str(i)} for i in range(12)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    grader = tmp_path / "grader.json"
    grader.write_bytes(raw)
    assert_clean(cli("data", "validate", str(data), "--model", "o4-mini", "--method", "rft", "--grader", str(grader)))


OUTPUTS = {
    "schema_version": 2,
    "environment": "ftdev",
    "subscription_id": "00000000-0000-0000-0000-000000000001",
    "resource_group": "rg-ftdev",
    "location": "swedencentral",
    "network_mode": "public",
    "regions": [
        {
            "location": "swedencentral",
            "account_name": "aisse",
            "account_id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ftdev/providers/"
            "Microsoft.CognitiveServices/accounts/aisse",
            "endpoint": "https://aisse.openai.azure.com/",
            "projects": [],
        }
    ],
}


@st.composite
def outputs_bytes(draw: Any) -> bytes:
    document = json.loads(json.dumps(OUTPUTS))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        target = draw(st.sampled_from(["top", "region"]))
        regions = document.get("regions")
        holder = regions[0] if target == "region" and isinstance(regions, list) and regions else document
        if not isinstance(holder, dict):
            holder = document
        key = draw(st.sampled_from([*holder, "extra"]))
        holder[key] = draw(st.one_of(VALUES, st.text(alphabet="a/.%\n\x00 ", min_size=1, max_size=6)))
    raw = dumps(document)
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "utf-16-le", "bytes"]))
    if encoding == "bytes":
        cut = draw(st.integers(min_value=0, max_value=len(raw)))
        return raw[:cut] + draw(st.binary(min_size=1, max_size=16)) + raw[cut:]
    return raw.decode("utf-8", "surrogatepass").encode(encoding, "surrogatepass")


@FUZZ
@given(raw=outputs_bytes())
def test_outputs_files_end_in_a_result_or_one_error(raw, cli, tmp_path):
    path = tmp_path / "outputs.json"
    path.write_bytes(raw)
    assert_clean(cli("jobs", "list", "--outputs", str(path)))


@FUZZ
@given(
    out=st.one_of(outputs_bytes(), st.binary(max_size=300)),
    err=st.binary(max_size=200),
    status=st.sampled_from([0, 1, 2, 255]),
)
def test_pulumi_output_ends_in_a_result_or_one_error(out, err, status, cli, tmp_path, monkeypatch):
    (tmp_path / "out.bin").write_bytes(out)
    (tmp_path / "err.bin").write_bytes(err)
    script = tmp_path / "pulumi"
    script.write_text(f"#!/bin/sh\ncat '{tmp_path}/out.bin'\ncat '{tmp_path}/err.bin' >&2\nexit {status}\n")
    script.chmod(0o755)
    monkeypatch.setenv("FTOPS_PULUMI", str(script))
    assert_clean(cli("jobs", "list", "--stack", "dev"))
