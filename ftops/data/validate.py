"""Validate training and validation files in one streaming pass each: memory stays flat whatever the size.

Each line is read, decoded and parsed on its own; only small per-example digests are kept (for
duplicates and train/validation overlap), so a gigabyte file costs little more memory than a kilobyte one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ftops.catalog import Model, load_catalog
from ftops.data.digests import TRAINING, VALIDATION, DigestTable
from ftops.data.filerules import file_rules
from ftops.data.formats import CHECKS
from ftops.data.grader import check_grader, item_fields
from ftops.data.messages import Rules, Where
from ftops.data.problems import DataProblem, ProblemLog
from ftops.data.reader import BOM, MAX_LINE_BYTES, first_bad_utf8, read_lines
from ftops.data.tokens import count_tokens, counter_for
from ftops.errors import DataError, UsageError

Progress = Callable[[str, int, int], None]  # (file name, bytes read, file size)
PROGRESS_EVERY = 8192  # lines between progress calls: often enough for a person, rare enough to cost nothing


@dataclass
class FileReport:
    file: str
    role: str  # training | validation
    bytes: int = 0
    sha256: str = ""
    lines: int = 0
    examples: int = 0
    blank_lines: int = 0
    bom: bool = False
    images: int = 0
    image_examples: int = 0
    tokens_total: int = 0
    tokens_max: int = 0
    duplicates: int = 0
    over_context: int = 0
    duplicates_checked: bool = True  # False when the file had more distinct examples than the digest budget

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ValidationReport:
    method: str
    model: str
    token_counting: str
    train: FileReport
    validation: FileReport | None
    log: ProblemLog
    overlap: int = 0
    grader_fields: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.log.error_count == 0

    @property
    def has_images(self) -> bool:
        return self.train.images > 0 or (self.validation is not None and self.validation.images > 0)

    @property
    def problems(self) -> list[DataProblem]:
        return self.log.kept

    def summary(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "method": self.method,
            "model": self.model,
            "token_counting": self.token_counting,
            "errors": self.log.error_count,
            "warnings": self.log.warning_count,
            "training": self.train.to_dict(),
            "validation": self.validation.to_dict() if self.validation else None,
            "overlap": self.overlap,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "problems": [p.to_dict() for p in self.problems],
            "omitted": self.log.omitted(),
        }


def _rules(model: Model, keep_texts: bool) -> Rules:
    data = load_catalog().data_format
    vision = data["vision"]
    return Rules(
        roles=frozenset(data["roles"]),
        message_keys=frozenset(data["message_keys"]),
        example_keys={method: frozenset(keys) for method, keys in data["example_keys"].items()},
        image_formats=frozenset(vision["image_formats"]),
        image_url_keys=frozenset(vision["image_url_keys"]),
        image_details=frozenset(vision["detail"]),
        max_images=int(vision["max_images_per_example"]),
        max_image_bytes=int(vision["max_image_bytes"]),
        vision="vision" in model.modalities,
        model=model.name,
        keep_texts=keep_texts,
    )


def _validate_file(
    path: Path,
    role: str,
    method: str,
    model: Model,
    log: ProblemLog,
    *,
    grader_fields: set[str],
    seen: DigestTable,
    progress: Progress | None = None,
) -> tuple[FileReport, int]:
    """One streaming pass over a file: returns its report and how many examples are also in training."""
    name = path.name
    report = FileReport(file=str(path), role=role)
    check = CHECKS[method]
    counter, _ = counter_for(model.tokenizer)
    rules = _rules(model, keep_texts=counter is not None)
    limit = model.training_context_tokens
    flag = TRAINING if role == "training" else VALIDATION
    overlap = 0
    hasher = hashlib.sha256()
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise UsageError(f"{role} file {path} not found", hint="check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{role} file {path} is a folder, not a JSONL file") from None
    at = Where(log, name, 0)
    total = path.stat().st_size
    with handle:
        for number, raw, size in read_lines(handle, hasher):
            report.bytes += size
            report.lines = number
            if progress is not None and not number % PROGRESS_EVERY:
                progress(name, report.bytes, total)
            if raw is None:
                log.error(
                    "line_too_long",
                    name,
                    number,
                    "",
                    f"the line is {size:,} bytes; ftops checks examples up to {MAX_LINE_BYTES:,}",
                    "shorten the example; give large images as https URLs instead of base64",
                )
                continue
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
                report.bom = True
            if not raw or raw.isspace():
                report.blank_lines += 1
                continue
            try:
                example = orjson.loads(raw)  # orjson skips the trailing newline itself: no strip() copy
            except orjson.JSONDecodeError as exc:
                _parse_problem(raw, exc, log, name, number)
                continue
            if not isinstance(example, dict):
                log.error(
                    "not_object",
                    name,
                    number,
                    "",
                    f"a line must be a JSON object, not {type(example).__name__}",
                    'e.g. {"messages": [...]}',
                )
                continue
            report.examples += 1
            at.line = number
            stats = check(example, rules, at)
            if stats.images:
                report.images += stats.images
                report.image_examples += 1
            tokens = count_tokens(stats.texts, stats.chars, stats.messages, counter)
            report.tokens_total += tokens
            if tokens > report.tokens_max:
                report.tokens_max = tokens
            if limit and tokens > limit:
                report.over_context += 1
                exact = counter is not None
                message = f"{'' if exact else 'about '}{tokens:,} tokens; {model.name} trains on at most {limit:,}"
                fix = "shorten or split the example (longer examples are truncated or refused)"
                (log.error if exact else log.warning)("too_long", name, number, "", message, fix)
            if method == "rft":
                _grader_fields(grader_fields, stats.item_fields, at)
            # Digest of the line as written (a missing final newline does not make it different).
            before = seen.add(hash(raw if raw.endswith(b"\n") else raw + b"\n"), flag)
            if before & flag:
                report.duplicates += 1
                at.warning(
                    "duplicate",
                    "",
                    "duplicate of an earlier example",
                    "remove repeated examples; they overweight one answer",
                )
            if flag == VALIDATION and before & TRAINING:
                overlap += 1
                at.warning(
                    "overlap",
                    "",
                    "this example is also in the training file",
                    "validation examples should be held out from training",
                )
    if progress is not None:
        progress(name, report.bytes, total)
    report.sha256 = hasher.hexdigest()
    report.duplicates_checked = not seen.full
    return report, overlap


def _grader_fields(needed: set[str], present: frozenset[str], at: Where) -> None:
    missing = sorted(needed - present)
    if missing:
        refs = ", ".join("{{item." + m + "}}" for m in missing)
        at.error(
            "grader_item_field",
            "",
            f"missing {', '.join(missing)} (the grader reads {refs})",
            "add the field to every example",
        )


def _parse_problem(line: bytes, exc: orjson.JSONDecodeError, log: ProblemLog, name: str, number: int) -> None:
    """Say whether a line is not UTF-8 or not JSON (and where), only on the error path."""
    bad = first_bad_utf8(line)
    if bad is not None:
        log.error("encoding", name, number, "", f"not UTF-8 text (byte {bad} of the line)", "save as UTF-8")
        return
    log.error(
        "json", name, number, "", f"not valid JSON: {exc.msg} at column {exc.colno}",
        "each line must be one complete JSON object",
    )  # fmt: skip


def validate_files(
    train: Path,
    method: str,
    model: str,
    validation: Path | None = None,
    grader: dict | None = None,
    progress: Progress | None = None,
) -> ValidationReport:
    """Validate the training (and validation) file for fine-tuning `model` with `method`.

    `progress(file name, bytes read, file size)` is called now and then during each file's pass.
    """
    catalog = load_catalog()
    found = catalog.model(model)
    catalog.where(found, method)  # the method must be one the model supports
    log = ProblemLog()
    fields: set[str] = set()
    if method == "rft":
        if grader is None:
            log.error(
                "grader_missing",
                "grader",
                None,
                "",
                "reinforcement fine-tuning needs a grader",
                "pass --grader grader.json",
            )
        else:
            check_grader(grader, log)
            fields = item_fields(grader)
        if validation is None:
            log.error(
                "validation_missing",
                Path(train).name,
                None,
                "",
                "RFT needs a validation file",
                "pass --validation FILE with held-out prompts",
            )
    seen = DigestTable()
    train_report, _ = _validate_file(
        Path(train), "training", method, found, log, grader_fields=fields, seen=seen, progress=progress
    )
    file_rules(train_report, "training", log, seen)
    validation_report = None
    overlap = 0
    if validation is not None:
        validation_report, overlap = _validate_file(
            Path(validation), "validation", method, found, log, grader_fields=fields, seen=seen, progress=progress
        )
        file_rules(validation_report, "validation", log, seen)
    return ValidationReport(
        method=method,
        model=found.name,
        token_counting=counter_for(found.tokenizer)[1],
        train=train_report,
        validation=validation_report,
        log=log,
        overlap=overlap,
        grader_fields=sorted(fields),
    )


def raise_for_problems(report: ValidationReport) -> None:
    """A DataError listing the errors (with line and path), so nothing is uploaded."""
    if report.ok:
        return
    from ftops.errors import Problem

    problems = [Problem(p.where, f"{p.message} (fix: {p.fix})") for p in report.problems if p.severity == "error"]
    omitted = sum(n for code, n in report.log.omitted().items() if report.log.severities[code] == "error")
    more = f" ({omitted} more not listed)" if omitted else ""
    raise DataError(
        f"the data has {report.log.error_count} error(s){more}; nothing was uploaded",
        hint=f"see every problem with `ftops data validate {report.train.file} --method {report.method} "
        f"--model {report.model}`",
        problems=problems,
    )
