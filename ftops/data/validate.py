"""Validate training and validation files in one streaming pass each: memory stays flat whatever the size.

The file is read in 4 MiB blocks of whole lines; a second thread hashes the bytes while the first parses.
Common SFT lines are decoded straight into typed structs (fast.py) and need no further Python checks;
every other line gets the full checks (formats.py). Only 12 bytes per example are kept (digests.py), so a
gigabyte file costs little more memory than a kilobyte one.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, cast

import orjson

from ftops.catalog import Method, Model, load_catalog
from ftops.data.digests import TRAINING, VALIDATION, DigestTable
from ftops.data.fast import FAST_ROLES, ROLE_OF, Assistant, FastError, chat_decoder
from ftops.data.filerules import file_rules
from ftops.data.formats import CHECKS
from ftops.data.grader import check_grader, item_fields
from ftops.data.messages import Rules, Where
from ftops.data.problems import DataProblem, ProblemLog
from ftops.data.reader import BLOCK_BYTES, BOM, MAX_LINE_BYTES, LongLine, first_bad_utf8, open_regular, read_blocks
from ftops.data.sniff import SNIFF_BYTES, sniff
from ftops.data.tokens import (
    CHARS_PER_TOKEN,
    ESTIMATE_PER_MESSAGE,
    TOKENS_PER_EXAMPLE,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    Counter,
    counter_for,
    estimate_tokens,
)
from ftops.errors import DataError

Progress = Callable[[str, int, int], None]  # (file name, bytes read, file size)


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
    image_tokens: int = 0  # included in tokens_total
    images_unsized: int = 0  # images by URL whose tokens depend on a size the data does not give
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
    notes: list[str] = field(default_factory=list)  # what a launch needs beyond the data, said without failing

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
            "notes": self.notes,
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


SPLIT_MIN_BYTES = 64 * 1024 * 1024  # below this a second process costs more than it saves


def _can_split(size: int) -> bool:
    """Two processes only for big files, where fork exists, with a second core to run on."""
    if size < SPLIT_MIN_BYTES or os.environ.get("FTOPS_VALIDATE_PROCESSES") == "1":
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return False
    return cores >= 2


def _split_point(handle: Any, size: int) -> int | None:
    """The offset just after the first newline past the middle of the file (None: no newline near it)."""
    handle.seek(size // 2)
    scanned = 0
    while scanned <= MAX_LINE_BYTES:
        chunk = handle.read(1 << 16)
        if not chunk:
            break
        found = chunk.find(b"\n")
        if found >= 0:
            middle = size // 2 + scanned + found + 1
            handle.seek(0)
            return middle if middle < size else None
        scanned += len(chunk)
    handle.seek(0)
    return None


def _hash_range(hasher: Any, path: Path, start: int, end: int) -> None:
    """Hash [start, end) of the file after what the hasher already saw (the second half, read again)."""
    with path.open("rb", buffering=0) as handle:
        handle.seek(start)
        left = end - start
        while left > 0:
            chunk = handle.read(min(left, 1 << 22))
            if not chunk:
                break
            hasher.update(chunk)
            left -= len(chunk)


class _Range:
    """A read-only window [start, end) of an open file, so a pass stops exactly at its half."""

    def __init__(self, handle: Any, start: int, end: int) -> None:
        self.handle, self.left, self.end = handle, end - start, end

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        chunk = self.handle.read(self.left if size < 0 else min(size, self.left))
        self.left -= len(chunk)
        return chunk


class _FilePass:
    """One streaming pass over one file: the block loop, the fast path and the full checks."""

    def __init__(
        self,
        path: Path,
        role: str,
        method: str,
        model: Model,
        log: ProblemLog,
        grader_fields: set[str],
        seen: DigestTable,
        counter: Counter | None,
        progress: Progress | None,
    ) -> None:
        self.path, self.name, self.method, self.model = path, path.name, method, model
        self.log, self.grader_fields, self.seen = log, grader_fields, seen
        self.counter, self.progress = counter, progress
        self.report = FileReport(file=str(path), role=role)
        self.rules = _rules(model, keep_texts=counter is not None)
        self.check = CHECKS[method]
        self.limit = model.training_context_tokens
        self.flag = TRAINING if role == "training" else VALIDATION
        self.at = Where(log, self.name, 0)
        # The fast path holds only where its struct union is a subset of what the catalog accepts.
        self.fast = (
            method == "sft"
            and self.rules.roles >= FAST_ROLES
            and self.rules.message_keys >= {"role", "content", "weight"}
            and "messages" in self.rules.example_keys["sft"]
        )
        if counter is not None:
            self.role_cost = {cls: TOKENS_PER_MESSAGE + counter.role_tokens(role) for cls, role in ROLE_OF.items()}

    def run(self) -> FileReport:
        report = self.report
        handle, size = open_regular(self.path, report.role)
        limit = load_catalog().limits.training_file_max_bytes
        with handle:
            if size >= limit:  # refused by the size rule (file_rules says so) without reading it
                report.bytes = size
                return report
            head = handle.read(SNIFF_BYTES)
            found = sniff(head, self.name) if head else None
            if found is not None:
                report.bytes = size
                self.log.error(found.code, self.name, None, "", found.message, found.fix)
                return report
            handle.seek(0)
            self._read(handle, size, limit)
        return report

    def _read(self, handle: Any, size: int, limit: int) -> None:
        report = self.report
        hasher = hashlib.sha256()
        middle = _split_point(handle, size) if _can_split(size) else None
        with ThreadPoolExecutor(1, thread_name_prefix="ftops-sha256") as pool:
            pending: list[Future[None]] = []

            def sink(chunk: bytes) -> None:  # hashing runs on the other core (hashlib releases the GIL)
                if pending:
                    pending.pop().result()
                pending.append(pool.submit(hasher.update, chunk))

            if middle is None:
                report.lines = self._parse(_Range(handle, 0, size), sink, limit, size, 0)
            else:
                report.lines = self._parse_split(handle, size, limit, middle, sink, pool, hasher)
            if pending:
                pending.pop().result()
        report.sha256 = hasher.hexdigest()

    def _parse_split(
        self, handle: Any, size: int, limit: int, middle: int, sink: Callable[[bytes], None], pool: Any, hasher: Any
    ) -> int:
        """Both cores: a forked child checks the second half while this process checks the first, then the
        child's findings are merged as if one pass had read the file (line numbers, problems, digests)."""
        import multiprocessing

        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=self._child, args=(middle, size, sender), daemon=True)
        child.start()
        sender.close()
        try:
            first = self._parse(_Range(handle, 0, middle), sink, limit, size, 0)
            rest = pool.submit(_hash_range, hasher, self.path, middle, size)  # after the first half's chunks
            try:
                found = receiver.recv()
            except EOFError:
                found = None
            rest.result()
        finally:
            child.join()
            receiver.close()
        if found is None or child.exitcode != 0:  # the child failed: check the second half here instead
            handle.seek(middle)
            rest_lines = self._parse(_Range(handle, middle, size), lambda _chunk: None, limit, size, first)
            return first + rest_lines
        self._merge(found, first)
        return first + found["lines"]

    def _child(self, start: int, end: int, sender: Any) -> None:
        """In the forked child: check [start, end) with a log and digests of its own, send them back."""
        self.log = ProblemLog(self.log.limit)
        self.at = Where(self.log, self.name, 0)
        self.seen = DigestTable(self.seen.max_slots)
        self.report = FileReport(file=self.report.file, role=self.report.role)
        self.progress = None
        with self.path.open("rb", buffering=0) as handle:
            handle.seek(start)
            lines = self._parse(_Range(handle, start, end), lambda _chunk: None, end, end, 0, file_start=False)
        found = {
            "lines": lines,
            "report": self.report.to_dict(),
            "kept": self.log.kept,
            "counts": dict(self.log.counts),
            "severities": self.log.severities,
            "digests": self.seen._digests[self.flag].tobytes(),
            "digest_lines": self.seen._lines[self.flag].tobytes(),
        }
        sender.send(found)
        sender.close()

    def _merge(self, found: dict[str, Any], offset: int) -> None:
        from array import array

        report, theirs = self.report, found["report"]
        for key in ("bytes", "examples", "blank_lines", "images", "image_examples", "image_tokens",
                    "images_unsized", "tokens_total", "over_context"):  # fmt: skip
            setattr(report, key, getattr(report, key) + theirs[key])
        report.tokens_max = max(report.tokens_max, theirs["tokens_max"])
        for problem in found["kept"]:  # in file order after this half's; the log keeps its cap per code
            self.log.add(replace(problem, line=problem.line + offset if problem.line else problem.line))
        for code, count in found["counts"].items():
            listed = sum(1 for p in found["kept"] if p.code == code)
            self.log.counts[code] += count - listed  # counted, not listed, in the child
            self.log.severities[code] = found["severities"][code]
        digests, lines = array("q"), array("I")
        digests.frombytes(found["digests"])
        lines.frombytes(found["digest_lines"])
        self.seen.extend(self.flag, digests, (n + offset for n in lines))

    def _parse(
        self,
        source: _Range,
        sink: Callable[[bytes], None],
        limit: int,
        size: int,
        number: int,
        *,
        file_start: bool = True,
    ) -> int:
        """Check the lines of `source`, numbered after `number`; returns how many lines it held."""
        report = self.report
        start = number
        at_start = file_start and number == 0
        # Exact counting holds each block's texts and token ids too: half-size blocks keep its peak lower.
        block_bytes = BLOCK_BYTES // 2 if self.counter is not None else BLOCK_BYTES
        # _Range reads like a binary file (only `read` is used), so it stands in for one.
        for block in read_blocks(cast(BinaryIO, source), sink, stop_after=limit, block=block_bytes):
            if isinstance(block, LongLine):
                number += 1
                report.bytes += block
                self.log.error(
                    "line_too_long",
                    self.name,
                    number,
                    "",
                    f"the line is {int(block):,} bytes; ftops checks examples up to {MAX_LINE_BYTES:,}",
                    "shorten the example; give large images as https URLs instead of base64",
                )
                continue
            report.bytes += len(block)
            if at_start and number == 0 and block.startswith(BOM):
                block = block[len(BOM) :]
                report.bom = True
            lines = block.split(b"\n")
            if not lines[-1]:
                lines.pop()  # the block ends with a newline
            self._block(lines, number)
            number += len(lines)
            if self.progress is not None:
                self.progress(self.name, min(report.bytes * size // max(source.end, 1), size), size)
        return number - start

    def _block(self, lines: list[bytes], before: int) -> None:
        """Check one block's lines (numbered from before + 1); then its tokens, context and digests at once."""
        report, counter = self.report, self.counter
        kept: list[bytes] = []  # the examples' lines, for digests
        kept_numbers: list[int] = []
        tokens: list[int] = []  # one per kept example, in the same order
        texts: list[str] = []  # exact counting: every text of the fast examples, counted in one batch
        starts: list[int] = []  # where each fast example's texts begin in `texts`
        batched: list[int] = []  # which entries of `tokens` (so far framing only) the batch completes
        full = self._full
        if not self.fast:
            for number, line in enumerate(lines, before + 1):
                full(line, number, kept, kept_numbers, tokens)
        else:
            decode = chat_decoder().decode
            cost = self.role_cost if counter is not None else None
            for number, line in enumerate(lines, before + 1):
                try:
                    chat = decode(line)
                except FastError:
                    full(line, number, kept, kept_numbers, tokens)
                    continue
                messages = chat.messages
                trained = False
                chars = 0
                for message in messages:
                    content = message.content
                    if not content or content.isspace():
                        break
                    chars += len(content)
                    if type(message) is Assistant and message.weight:
                        trained = True
                else:
                    if trained:  # nothing to report: count it and go on
                        kept.append(line)
                        kept_numbers.append(number)
                        if cost is None:
                            tokens.append(
                                TOKENS_PER_EXAMPLE + ESTIMATE_PER_MESSAGE * len(messages) + -(-chars // CHARS_PER_TOKEN)
                            )
                        else:
                            batched.append(len(tokens))
                            tokens.append(TOKENS_PER_EXAMPLE + sum(cost[type(m)] for m in messages))
                            starts.append(len(texts))
                            texts.extend(m.content for m in messages)
                        continue
                full(line, number, kept, kept_numbers, tokens)
        if not kept:
            return
        report.examples += len(kept)
        if texts:
            import numpy as np

            counts = np.asarray(counter.batch(texts), dtype=np.int64)  # type: ignore[union-attr]
            totals = np.asarray(tokens, dtype=np.int64)
            totals[np.asarray(batched)] += np.add.reduceat(counts, np.asarray(starts))
            tokens = totals.tolist()
        report.tokens_total += sum(tokens)
        biggest = max(tokens)
        report.tokens_max = max(report.tokens_max, biggest)
        if self.limit and biggest > self.limit:
            for count, line_number in zip(tokens, kept_numbers, strict=True):
                if count > self.limit:
                    self._too_long(count, line_number)
        self.seen.extend(self.flag, map(hash, kept), kept_numbers)

    def _too_long(self, tokens: int, number: int) -> None:
        self.report.over_context += 1
        exact = self.counter is not None
        message = f"{'' if exact else 'about '}{tokens:,} tokens; {self.model.name} trains on at most {self.limit:,}"
        fix = "shorten or split the example (longer examples are truncated or refused)"
        (self.log.error if exact else self.log.warning)("too_long", self.name, number, "", message, fix)

    def _full(self, raw: bytes, number: int, kept: list[bytes], kept_numbers: list[int], tokens: list[int]) -> None:
        """Every check, for a line the fast path does not vouch for (or any DPO/RFT line)."""
        report, name = self.report, self.name
        if not raw or raw.isspace():
            report.blank_lines += 1
            return
        try:
            example = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            _parse_problem(raw, exc, self.log, name, number)
            return
        if not isinstance(example, dict):
            self.log.error(
                "not_object",
                name,
                number,
                "",
                f"a line must be a JSON object, not {type(example).__name__}",
                'e.g. {"messages": [...]}',
            )
            return
        self.at.line = number
        stats = self.check(example, self.rules, self.at)
        if stats.images:
            report.images += stats.images
            report.image_examples += 1
            report.image_tokens += stats.image_tokens
            report.images_unsized += stats.images_unsized
        counter = self.counter
        if counter is None:
            count = estimate_tokens(stats.chars, stats.messages)
        else:
            count = (
                TOKENS_PER_EXAMPLE
                + sum(TOKENS_PER_MESSAGE + counter.role_tokens(r) for r in stats.roles)
                + sum(counter.count(t) for t in stats.texts)
                + sum(counter.count(n) + TOKENS_PER_NAME for n in stats.names)
            )
        if self.method == "rft" and self.grader_fields:
            _grader_fields(self.grader_fields, stats.item_fields, self.at)
        tokens.append(count + stats.image_tokens)
        kept.append(raw)
        kept_numbers.append(number)


def _grader_fields(needed: set[str], present: frozenset[str], at: Where) -> None:
    missing = sorted(needed - present)
    if not missing:
        return
    refs = ", ".join("{{item." + m + "}}" for m in missing)
    guesses = {m: difflib.get_close_matches(m, sorted(present), n=1) for m in missing}
    close = [f"{{{{item.{m}}}}} → {g[0]}" for m, g in guesses.items() if g]
    at.error(
        "grader_item_field",
        "",
        f"missing {', '.join(missing)} (the grader reads {refs})"
        + (f"; did you mean {', '.join(g[0] for g in guesses.values() if g)}?" if close else ""),
        f"fix the grader's reference ({'; '.join(close)})" if close else "add the field to every example",
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


def _repeats(seen: DigestTable, train: FileReport, validation: FileReport | None, log: ProblemLog) -> int:
    """Duplicate and overlap warnings from the digests of both files; returns the overlap count."""
    found = seen.repeats()
    train.duplicates = len(found.training_duplicates)
    train.duplicates_checked = not seen.full
    name = Path(train.file).name
    for line in found.training_duplicates:
        log.warning("duplicate", name, line, "", "duplicate of an earlier example", DUPLICATE_FIX)
    if validation is None:
        return 0
    validation.duplicates = len(found.validation_duplicates)
    validation.duplicates_checked = not seen.full
    name = Path(validation.file).name
    for line in found.validation_duplicates:
        log.warning("duplicate", name, line, "", "duplicate of an earlier example", DUPLICATE_FIX)
    for line in found.overlap:
        log.warning(
            "overlap",
            name,
            line,
            "",
            "this example is also in the training file",
            "validation examples should be held out from training",
        )
    return len(found.overlap)


DUPLICATE_FIX = "remove repeated examples; they overweight one answer"


def validate_files(
    train: Path,
    method: str,
    model: str,
    validation: Path | None = None,
    grader: dict | None = None,
    progress: Progress | None = None,
    *,
    exact_tokens: bool = True,
) -> ValidationReport:
    """Validate the training (and validation) file for fine-tuning `model` with `method`.

    `progress(file name, bytes read, file size)` is called after each block of each file's pass.
    Tokens are counted exactly where the model's vocabulary ships with ftops' dependencies, else estimated;
    `exact_tokens=False` forces the estimate. For RFT, a missing grader or validation file is a note (a
    launch needs them; the data is judged without them); a launch checks them itself.
    """
    catalog = load_catalog()
    found = catalog.model(model)
    catalog.where(found, cast(Method, method))  # the method must be one the model supports (else it raises)
    log = ProblemLog()
    fields: set[str] = set()
    notes: list[str] = []
    if method == "rft":
        if grader is not None:
            check_grader(grader, log)
            fields = item_fields(grader)
        missing = [flag for flag, given in (("--grader", grader), ("--validation", validation)) if given is None]
        if missing:
            notes.append(
                f"a launch will also need {' and '.join(missing)} (job inputs, not properties of the data)"
                + ("; the examples' item fields were not checked against a grader" if grader is None else "")
            )
    counter, label = counter_for(found.tokenizer) if exact_tokens else (None, counter_for(None)[1])
    if counter is None and exact_tokens:  # say why, per model: no vocabulary ships for it, or none installed
        reason = f"{found.tokenizer} not installed" if found.tokenizer else f"no offline tokenizer for {found.name}"
        label = f"{label[:-1]}; {reason})"
    seen = DigestTable()
    train_report = _FilePass(Path(train), "training", method, found, log, fields, seen, counter, progress).run()
    validation_report = None
    if validation is not None:
        validation_report = _FilePass(
            Path(validation), "validation", method, found, log, fields, seen, counter, progress
        ).run()
    overlap = _repeats(seen, train_report, validation_report, log)
    file_rules(train_report, "training", log, seen)
    if validation_report is not None:
        file_rules(validation_report, "validation", log, seen)
    return ValidationReport(
        method=method,
        model=found.name,
        token_counting=label,
        train=train_report,
        validation=validation_report,
        log=log,
        overlap=overlap,
        grader_fields=sorted(fields),
        notes=notes,
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
