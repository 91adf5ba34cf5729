"""The corpus: valid files pass, and each broken file fails with the right line, path and message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftops.data import raise_for_problems, validate_files
from ftops.errors import DataError

CORPUS = Path(__file__).parent / "corpus"
GRADER = json.loads((CORPUS / "grader.json").read_text())
GRADER_COUNTDOWN = json.loads((CORPUS / "grader-countdown.json").read_text())


def errors(report) -> list[tuple[str, int | None, str, str]]:
    return [(p.code, p.line, p.path, p.message) for p in report.problems if p.severity == "error"]


@pytest.mark.parametrize(
    ("name", "method", "model"),
    [
        ("sft-valid.jsonl", "sft", "gpt-4.1-mini"),
        ("sft-bom.jsonl", "sft", "gpt-4.1-mini"),
        ("vision-valid.jsonl", "sft", "gpt-4.1"),
        ("dpo-valid.jsonl", "dpo", "gpt-4.1"),
    ],
)
def test_valid_files_pass(name: str, method: str, model: str) -> None:
    report = validate_files(CORPUS / name, method, model)
    assert report.ok, errors(report)
    assert report.train.examples >= 12 and report.train.tokens_total > 0
    assert len(report.train.sha256) == 64


def test_valid_rft_with_grader_and_holdout() -> None:
    report = validate_files(CORPUS / "rft-valid.jsonl", "rft", "o4-mini", CORPUS / "rft-valid-holdout.jsonl", GRADER)
    assert report.ok, errors(report)
    assert report.grader_fields == ["answer"] and report.overlap == 0


BROKEN = [
    ("sft-bad-json.jsonl", "sft", "gpt-4.1-mini", "json", 4, "", "not valid JSON"),
    ("sft-no-assistant.jsonl", "sft", "gpt-4.1-mini", "no_assistant", 5, "messages", "no assistant message"),
    ("sft-bad-role.jsonl", "sft", "gpt-4.1-mini", "role", 2, "messages[0].role", "role 'customer' is not valid"),
    ("sft-bad-weight.jsonl", "sft", "gpt-4.1-mini", "weight", 7, "messages[1].weight", "weight must be 0 or 1"),
    ("sft-unknown-key.jsonl", "sft", "gpt-4.1-mini", "unknown_key", 3, "label", "unknown key 'label'"),
    ("sft-tool-no-id.jsonl", "sft", "gpt-4.1-mini", "tool_call_id", 6, "messages[2].tool_call_id", "tool_call_id"),
    ("sft-too-few.jsonl", "sft", "gpt-4.1-mini", "too_few", None, "", "5 examples; the service needs at least 10"),
    ("sft-not-utf8.jsonl", "sft", "gpt-4.1-mini", "encoding", 9, "", "not UTF-8"),
    (
        "sft-image-text-model.jsonl", "sft", "gpt-4.1-mini", "image_not_supported", 8, "messages[0].content[1]",
        "gpt-4.1-mini does not train on images",
    ),
    (
        "vision-bad-format.jsonl", "sft", "gpt-4.1", "image_format", 4, "messages[0].content[1].image_url.url",
        "image format 'gif' is not accepted",
    ),
    (
        "vision-image-in-assistant.jsonl", "sft", "gpt-4.1", "image_role", 10, "messages[1].content[0]",
        "images are only allowed in user messages",
    ),
    ("vision-bad-url.jsonl", "sft", "gpt-4.1", "image_url", 2, "messages[0].content[1].image_url.url", "https URL"),
    (
        "vision-bad-detail.jsonl", "sft", "gpt-4.1", "image_detail", 5, "messages[0].content[1].image_url.detail",
        "detail 'medium' is not valid",
    ),
    ("dpo-missing-rejected.jsonl", "dpo", "gpt-4.1", "messages_missing", 5, "non_preferred_output", "non-empty list"),
    ("dpo-output-user-role.jsonl", "dpo", "gpt-4.1", "dpo_output", 9, "preferred_output", "not user"),
    ("dpo-identical.jsonl", "dpo", "gpt-4.1", "dpo_same", 3, "non_preferred_output", "identical"),
    ("dpo-prompt-ends-assistant.jsonl", "dpo", "gpt-4.1", "dpo_prompt_end", 7, "input.messages", "ends with"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "method", "model", "code", "line", "path", "fragment"), BROKEN)
def test_broken_files_fail_at_the_right_place(name, method, model, code, line, path, fragment) -> None:
    report = validate_files(CORPUS / name, method, model)
    assert not report.ok
    found = [e for e in errors(report) if e[0] == code]
    assert found, errors(report)
    assert (found[0][1], found[0][2]) == (line, path)
    assert fragment in found[0][3]
    with pytest.raises(DataError) as caught:
        raise_for_problems(report)
    assert caught.value.exit_code == 1 and "nothing was uploaded" in caught.value.message


def test_rft_rules() -> None:
    report = validate_files(CORPUS / "rft-ends-assistant.jsonl", "rft", "o4-mini", CORPUS / "rft-valid-holdout.jsonl",
                            GRADER)  # fmt: skip
    assert ("rft_last_message", 4) in [(e[0], e[1]) for e in errors(report)]
    report = validate_files(CORPUS / "rft-missing-field.jsonl", "rft", "o4-mini", CORPUS / "rft-valid-holdout.jsonl",
                            GRADER)  # fmt: skip
    missing = [e for e in errors(report) if e[0] == "grader_item_field"]
    assert missing[0][1] == 11 and "{{item.answer}}" in missing[0][3]


def test_rft_data_is_judged_without_job_inputs_and_says_what_a_launch_needs() -> None:
    report = validate_files(CORPUS / "rft-countdown.jsonl", "rft", "o4-mini")
    assert report.ok, errors(report)
    assert report.notes and "a launch will also need --grader and --validation" in report.notes[0]
    with_grader = validate_files(CORPUS / "rft-countdown.jsonl", "rft", "o4-mini", grader=GRADER_COUNTDOWN)
    assert with_grader.ok and "--validation" in with_grader.notes[0] and "--grader" not in with_grader.notes[0]
    both = validate_files(
        CORPUS / "rft-countdown.jsonl", "rft", "o4-mini", CORPUS / "rft-countdown.jsonl", GRADER_COUNTDOWN
    )
    assert not both.notes


def test_rft_system_message_is_warned_with_the_line_and_the_source() -> None:
    report = validate_files(CORPUS / "rft-system-message.jsonl", "rft", "o4-mini")
    assert report.ok  # a warning, not a refusal: newer revisions of the how-to are silent
    found = [p for p in report.problems if p.code == "rft_system_message"]
    assert [p.line for p in found] == [3, 7] and found[0].path == "messages[0]"
    assert "reinforcement fine-tuning how-to (its 2025 revision)" in found[0].message
    clean = validate_files(CORPUS / "rft-countdown.jsonl", "rft", "o4-mini")
    assert "rft_system_message" not in {p.code for p in clean.problems}


def test_grader_item_field_typo_gets_did_you_mean() -> None:
    typo = json.loads(json.dumps(GRADER_COUNTDOWN).replace("item.target", "item.targte"))
    report = validate_files(CORPUS / "rft-countdown.jsonl", "rft", "o4-mini", grader=typo)
    found = [e for e in errors(report) if e[0] == "grader_item_field"]
    assert found and found[0][1] == 1 and "did you mean target?" in found[0][3]
    fix = next(p.fix for p in report.problems if p.code == "grader_item_field")
    assert "{{item.targte}} → target" in fix


@pytest.mark.parametrize(
    ("grader", "path", "fragment"),
    [
        ("grader-bad-operation.json", "grader.operation", "operation 'equals' is not valid"),
        ("grader-multi-bad-metric.json", "grader.graders.close.evaluation_metric", "unknown evaluation metric"),
        ("grader-python-no-grade.json", "grader.source", "must define grade(sample, item)"),
        ("grader-multi-unknown-name.json", "grader.calculate_output", "similar is neither a grader here"),
    ],
)
def test_bad_graders(grader: str, path: str, fragment: str) -> None:
    config = json.loads((CORPUS / grader).read_text())
    report = validate_files(CORPUS / "rft-valid.jsonl", "rft", "o4-mini", CORPUS / "rft-valid-holdout.jsonl", config)
    found = [e for e in errors(report) if e[2] == path]
    assert found and fragment in found[0][3]


def test_overlap_and_duplicates_are_warned(tmp_path: Path) -> None:
    lines = (CORPUS / "sft-valid.jsonl").read_text().splitlines()
    train = tmp_path / "train.jsonl"
    train.write_text("\n".join([*lines, lines[0]]) + "\n")
    valid = tmp_path / "valid.jsonl"
    valid.write_text(lines[1] + "\n")
    report = validate_files(train, "sft", "gpt-4.1-mini", valid)
    assert report.ok
    assert report.train.duplicates == 1 and report.overlap == 1
    codes = {p.code for p in report.problems}
    assert {"duplicate", "overlap", "few"} <= codes


def test_repeated_problems_are_capped_and_counted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n" * 40)
    report = validate_files(bad, "sft", "gpt-4.1-mini")
    assert report.log.counts["json"] == 40
    assert len([p for p in report.problems if p.code == "json"]) == 10
    assert report.log.omitted()["json"] == 30


def test_examples_over_the_context_are_flagged(tmp_path: Path) -> None:
    long = {"messages": [{"role": "user", "content": "word " * 40_000}, {"role": "assistant", "content": "ok"}]}
    path = tmp_path / "long.jsonl"
    path.write_text((json.dumps(long) + "\n") + (CORPUS / "sft-valid.jsonl").read_text())
    report = validate_files(path, "sft", "gpt-4.1-nano")
    assert report.train.over_context == 1
    flagged = next(p for p in report.problems if p.code == "too_long")
    assert flagged.line == 1 and "32,768" in flagged.message and flagged.severity == "error"  # exact: refused
    assert flagged.message.startswith("40,0")


def test_blank_lines_and_method_the_model_lacks(tmp_path: Path) -> None:
    from ftops.errors import NotAvailableError

    path = tmp_path / "blank.jsonl"
    path.write_text("\n" + (CORPUS / "sft-valid.jsonl").read_text() + "\n\n")
    assert validate_files(path, "sft", "gpt-4.1-mini").train.blank_lines == 3
    with pytest.raises(NotAvailableError):
        validate_files(path, "dpo", "gpt-4o-mini")


def test_model_grader_reads_item_fields_and_passes() -> None:
    config = json.loads((CORPUS / "grader-score-model.json").read_text())
    report = validate_files(CORPUS / "rft-valid.jsonl", "rft", "o4-mini", CORPUS / "rft-valid-holdout.jsonl", config)
    assert report.ok, errors(report)
    assert report.grader_fields == ["answer"]


def test_dpo_output_that_calls_a_tool_is_valid() -> None:
    report = validate_files(CORPUS / "dpo-valid.jsonl", "dpo", "gpt-4.1")
    assert report.ok, errors(report)
    last = (CORPUS / "dpo-valid.jsonl").read_text().splitlines()[-1]
    assert '"role": "tool"' in last  # the corpus keeps a tool turn inside preferred_output


def test_a_line_over_the_line_limit_is_reported_and_skipped(tmp_path: Path) -> None:
    from ftops.data.reader import MAX_LINE_BYTES

    path = tmp_path / "huge.jsonl"
    valid = (CORPUS / "sft-valid.jsonl").read_bytes()
    with path.open("wb") as out:
        out.write(valid)
        out.write(b'{"messages": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}\n')
        out.write(valid.splitlines(keepends=True)[0])
    report = validate_files(path, "sft", "gpt-4.1-mini")
    long = [e for e in errors(report) if e[0] == "line_too_long"]
    assert [e[1] for e in long] == [15] and f"{MAX_LINE_BYTES + 27:,} bytes" in long[0][3]
    assert report.train.lines == 16 and report.train.examples == 15  # the line after it is still read
    assert report.train.bytes == path.stat().st_size


def test_sha256_is_of_the_bytes_as_uploaded() -> None:
    import hashlib

    path = CORPUS / "sft-bom.jsonl"
    report = validate_files(path, "sft", "gpt-4.1-mini")
    assert report.train.bom and report.train.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_more_image_examples_than_a_file_may_hold(tmp_path: Path) -> None:
    from ftops.catalog import load_catalog

    limit = load_catalog().data_format["vision"]["max_image_examples"]
    line = (CORPUS / "vision-valid.jsonl").read_text().splitlines()[0]
    example = json.loads(line)
    path = tmp_path / "many.jsonl"
    with path.open("w") as out:
        for number in range(limit + 1):
            example["messages"][-1]["content"] = f"answer {number}"  # distinct, so no duplicate warnings
            out.write(json.dumps(example) + "\n")
    report = validate_files(path, "sft", "gpt-4.1")
    found = [e for e in errors(report) if e[0] == "too_many_image_examples"]
    assert found and f"{limit + 1:,} examples have images" in found[0][3]
    assert report.train.image_examples == limit + 1


def test_duplicate_budget_is_reported_when_exhausted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ftops.data import digests

    monkeypatch.setattr(digests, "MAX_SLOTS", 64)  # a tiny budget: 44 distinct examples
    lines = (CORPUS / "sft-valid.jsonl").read_text().splitlines()
    example = json.loads(lines[0])
    path = tmp_path / "train.jsonl"
    with path.open("w") as out:
        for number in range(60):
            example["messages"][-1]["content"] = f"answer {number}"
            out.write(json.dumps(example) + "\n")
    report = validate_files(path, "sft", "gpt-4.1-mini")
    assert not report.train.duplicates_checked
    assert "duplicates_unchecked" in {p.code for p in report.problems}
    assert report.train.duplicates == 0 and report.ok


@pytest.mark.parametrize(
    ("url", "code", "fragment"),
    [
        ("data:image/png;base64,iVBO*w0K", "image_data", "not valid base64"),
        ("data:image/png;base64,iVBORw0", "image_data", "not valid base64"),
        ("data:image/png;base64,", "image_data", "not valid base64"),
        ("data:image/jpeg;base64," + "A" * 14_000_000, "image_size", "image is 10,500,000 bytes; at most 10,485,760"),
    ],
)
def test_data_uri_payloads(tmp_path: Path, url: str, code: str, fragment: str) -> None:
    lines = (CORPUS / "vision-valid.jsonl").read_text().splitlines()
    example = json.loads(lines[0])
    example["messages"][0]["content"] = [{"type": "text", "text": "What is this?"},
                                         {"type": "image_url", "image_url": {"url": url}}]  # fmt: skip
    path = tmp_path / "vision.jsonl"
    path.write_text("\n".join([*lines, json.dumps(example)]) + "\n")
    report = validate_files(path, "sft", "gpt-4.1")
    found = [e for e in errors(report) if e[0] == code]
    assert found and found[0][1] == len(lines) + 1 and fragment in found[0][3]
    assert found[0][2] == "messages[0].content[1].image_url.url"


def test_progress_is_reported_during_the_pass_and_at_the_end(tmp_path: Path) -> None:
    lines = (CORPUS / "sft-valid.jsonl").read_text().splitlines()
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines[n % len(lines)] for n in range(40_000)) + "\n")
    calls: list[tuple[str, int, int]] = []
    report = validate_files(path, "sft", "gpt-4.1-mini", progress=lambda *call: calls.append(call))
    size = path.stat().st_size
    assert size > 4 * 2**20 and len(calls) >= 2  # one call per 4 MiB block
    assert [c[0] for c in calls] == ["big.jsonl"] * len(calls)
    assert [c[1] for c in calls] == sorted({c[1] for c in calls}) and calls[-1][1] == size
    assert all(c[2] == size for c in calls)
    assert report.train.duplicates == 40_000 - len(lines)
    assert report.log.counts["duplicate"] == 40_000 - len(lines) and len(report.problems) <= 12


@pytest.mark.parametrize(
    ("name", "code", "fragment", "fix"),
    [
        ("empty.jsonl", "empty", "the training file is empty (0 bytes)", "one example per line"),
        ("sft-as-csv.csv", "format_csv", "this looks like CSV", '{"messages": [...]}'),
        ("sft-valid.jsonl.gz", "format_gzip", "gzip-compressed", "gunzip -k sft-valid.jsonl.gz"),
        ("sft-array.json", "format_json_array", "one JSON array, not JSON Lines", "jq -c '.[]' sft-array.json"),
        ("legacy-prompt-completion.jsonl", "format_prompt_completion", "legacy prompt/completion rows",
         'content: .prompt}, {role: "assistant", content: .completion}'),
    ],
)  # fmt: skip
def test_files_that_are_not_chat_jsonl_get_one_targeted_message(name: str, code: str, fragment: str, fix: str) -> None:
    report = validate_files(CORPUS / name, "sft", "gpt-4.1-mini")
    assert not report.ok
    assert [(p.code, p.line) for p in report.problems if p.severity == "error"] == [(code, None)]  # one, not per line
    problem = report.problems[0]
    assert fragment in problem.message and fix in problem.fix


def test_only_blank_lines_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_text("\n\n  \n")
    report = validate_files(path, "sft", "gpt-4.1-mini")
    assert "no_examples" in {e[0] for e in errors(report)}


def test_an_empty_validation_file_is_an_error_too() -> None:
    report = validate_files(CORPUS / "sft-valid.jsonl", "sft", "gpt-4.1-mini", CORPUS / "empty.jsonl")
    assert [p.message for p in report.problems if p.code == "empty"] == ["the validation file is empty (0 bytes)"]


def test_a_fifo_is_refused_up_front_without_blocking(tmp_path: Path) -> None:
    import os

    from ftops.errors import UsageError

    fifo = tmp_path / "train.jsonl"
    os.mkfifo(fifo)  # nobody writes to it: reading it would block forever
    with pytest.raises(UsageError) as caught:
        validate_files(fifo, "sft", "gpt-4.1-mini")
    assert "is a FIFO" in caught.value.message and "not a regular file" in caught.value.message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_devices_are_refused_and_never_read(device: str) -> None:
    from ftops.errors import UsageError

    with pytest.raises(UsageError) as caught:
        validate_files(Path(device), "sft", "gpt-4.1-mini")
    assert "is a character device, not a regular file" in caught.value.message


def test_the_size_rule_is_applied_before_reading(tmp_path: Path) -> None:
    from ftops.catalog import load_catalog

    limit = load_catalog().limits.training_file_max_bytes
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.truncate(limit)  # sparse: as big as the rule allows plus nothing, never read
    report = validate_files(path, "sft", "gpt-4.1-mini")
    assert [e[0] for e in errors(report)] == ["file_size"] and report.train.sha256 == ""


def test_grader_file_must_be_a_small_regular_file(tmp_path: Path) -> None:
    from ftops.data.grader import read_grader
    from ftops.errors import UsageError, UserError

    with pytest.raises(UsageError):
        read_grader(Path("/dev/zero"))
    big = tmp_path / "grader.json"
    big.write_bytes(b" " * (5 * 1024 * 1024))
    with pytest.raises(UserError, match="a grader is one small JSON object"):
        read_grader(big)
    assert read_grader(CORPUS / "grader.json")["type"] == "string_check"
