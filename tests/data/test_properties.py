"""Property-based: whatever bytes a line holds, the validator reports problems and never crashes."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftops.data import validate_files

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
roles = st.sampled_from(["system", "user", "assistant", "tool", "developer", "bot", 3, None])
content = st.one_of(
    st.text(max_size=30),
    st.none(),
    st.lists(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["text", "image_url", "audio"])},
            optional={
                "text": st.text(max_size=10) | st.integers(),
                "image_url": st.fixed_dictionaries(
                    {"url": st.sampled_from(["https://x/y.png", "data:image/png;base64,AAAA", "data:x", "ftp://a"])},
                    optional={"detail": st.sampled_from(["low", "high", "auto", "medium", 3]), "size": json_values},
                )
                | st.text(max_size=5),
            },
        ),
        max_size=3,
    ),
)
message = st.fixed_dictionaries(
    {"role": roles},
    optional={"content": content, "weight": st.sampled_from([0, 1, 2, 0.5, True, "1"]), "tool_calls": json_values,
              "tool_call_id": st.text(max_size=5) | st.integers()},
)  # fmt: skip
example = st.one_of(
    st.fixed_dictionaries({"messages": st.lists(message, max_size=4) | json_values}, optional={"extra": json_values}),
    st.fixed_dictionaries(
        {"input": st.fixed_dictionaries({"messages": st.lists(message, max_size=3)}) | json_values},
        optional={
            "preferred_output": st.lists(message, max_size=2),
            "non_preferred_output": st.lists(message, max_size=2),
        },
    ),
    json_values,
)
line = st.one_of(
    example.map(json.dumps), st.text(max_size=40), st.binary(max_size=40).map(lambda b: b.decode("latin-1"))
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, max_size=12), st.sampled_from([("sft", "gpt-4.1"), ("dpo", "gpt-4.1"), ("rft", "o4-mini")]))
def test_random_lines_never_crash(lines: list[str], method_model: tuple[str, str]) -> None:
    method, model = method_model
    grader = {"type": "string_check", "name": "g", "input": "{{sample.output_text}}", "reference": "{{item.a}}",
              "operation": "eq"}  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.jsonl"
        path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        report = validate_files(path, method, model, path if method == "rft" else None, grader)
    assert report.train.lines >= 0
    for problem in report.problems:
        assert problem.message and problem.fix and problem.file == "data.jsonl"
    assert report.ok == (report.log.error_count == 0)


grader_keys = ["name", "input", "reference", "operation", "evaluation_metric", "model", "labels", "passing_labels",
               "source", "graders", "calculate_output"]  # fmt: skip
graders = st.recursive(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["string_check", "text_similarity", "score_model", "label_model", "python", "x"])},
        optional={
            key: st.sampled_from(["def grade(s, i): return 1", "{{item.a}}", "eq", 5, None])
            | st.lists(st.sampled_from(["a", "b", 1, None]), max_size=3)
            | json_values
            for key in grader_keys
        },
    ),
    lambda inner: st.fixed_dictionaries(
        {"type": st.just("multi"), "name": st.text(max_size=5), "graders": st.dictionaries(st.text(max_size=5), inner)},
        optional={"calculate_output": st.text(max_size=20)},
    ),
    max_leaves=4,
)


@settings(max_examples=200, deadline=None)
@given(graders | json_values)
def test_random_graders_never_crash(grader) -> None:
    from ftops.data.grader import check_grader, item_fields
    from ftops.data.problems import ProblemLog

    log = ProblemLog()
    check_grader(grader, log)
    if isinstance(grader, dict):
        assert all(isinstance(name, str) for name in item_fields(grader))
    for problem in log.kept:
        assert problem.path.startswith("grader") and problem.message and problem.fix


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, max_size=12), st.booleans())
def test_the_typed_fast_path_never_changes_a_report(lines: list[str], exact: bool) -> None:
    """Every SFT line decoded by the typed structs gets the same counts and problems as from the full checks."""
    from ftops.data import validate

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.jsonl"
        path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        fast = validate_files(path, "sft", "gpt-4.1", exact_tokens=exact)
        original = validate._FilePass.__init__

        def full_only(self, *args, **kwargs) -> None:
            original(self, *args, **kwargs)
            self.fast = False

        validate._FilePass.__init__ = full_only  # the same pass with every line through the full checks
        try:
            full = validate_files(path, "sft", "gpt-4.1", exact_tokens=exact)
        finally:
            validate._FilePass.__init__ = original
    assert fast.to_dict() == full.to_dict()


def test_the_fast_path_comparison_can_fail(tmp_path: Path) -> None:
    """The comparison above is not vacuous: a line of plain messages does take the fast path."""
    from ftops.data import validate

    path = tmp_path / "one.jsonl"
    plain = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    path.write_text(json.dumps(plain))
    calls: list[bytes] = []
    original = validate._FilePass._full
    validate._FilePass._full = lambda self, raw, *rest: calls.append(raw) or original(self, raw, *rest)
    try:
        validate_files(path, "sft", "gpt-4.1")
    finally:
        validate._FilePass._full = original
    assert calls == []  # decoded by the typed structs, never handed to the full checks
