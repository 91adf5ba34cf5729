"""RFT grader configs: the grader itself, and the `{{item.X}}` fields it needs from every example."""

from __future__ import annotations

import ast
import difflib
import re
from pathlib import Path
from typing import Any

from ftops.catalog import load_catalog
from ftops.data.problems import ProblemLog
from ftops.data.reader import open_regular
from ftops.errors import UserError

GRADER_FILE_MAX_BYTES = 4 * 1024 * 1024  # a grader is a small JSON object; this bounds a wrong path's cost


def read_grader(path: Path | None) -> dict[str, Any] | None:
    """An RFT grader file: one JSON object, from a regular file of bounded size (never a FIFO or a device)."""
    if path is None:
        return None
    handle, size = open_regular(path, "grader")
    with handle:
        if size > GRADER_FILE_MAX_BYTES:
            raise UserError(
                f"grader file {path} is {size:,} bytes; a grader is one small JSON object",
                hint="check the path",
            )
        raw = handle.read(GRADER_FILE_MAX_BYTES + 1)
    grader = parse_grader(raw, str(path))
    if not isinstance(grader, dict):
        raise UserError(f"grader file {path} must hold one JSON object (a grader)")
    return grader


GRADER_MAX_DEPTH = 32  # a multi grader of graders is a few levels deep; the limit keeps every walk shallow


def parse_grader(raw: bytes, source: str) -> Any:
    """Strict JSON for a grader: what the service's parser and ftops' own would read the same way.

    Refused, each with one line naming the problem: invalid UTF-8, NaN/Infinity (and 1e400), integers past 64 bits,
    duplicate keys (JSON parsers keep the last, silently), lone surrogates (not encodable as UTF-8, so
    the job create would fail after both uploads) and nesting past GRADER_MAX_DEPTH.
    """
    from ftops.strict_json import StrictJsonError, loads

    def refuse(problem: str, fix: str) -> UserError:
        return UserError(f"grader file {source} {problem}", hint=fix)

    try:
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(f"is not UTF-8 (byte {exc.start})", "save the grader as UTF-8 JSON") from None
    try:
        return loads(text, max_depth=GRADER_MAX_DEPTH)
    except StrictJsonError as exc:
        if exc.rule == "depth":
            raise refuse("is nested too deeply", f"a grader nests at most {GRADER_MAX_DEPTH} levels") from None
        if exc.rule == "surrogate":
            raise refuse(exc.message, "write the character itself, or both halves of its surrogate pair") from None
        raise refuse(
            f"is not valid grader JSON: {exc.message}", "the grader is one JSON object (strict JSON)"
        ) from None


TEMPLATE_REF = re.compile(r"\{\{\s*(item|sample)\.([A-Za-z_][\w]*)")
SAMPLE_FIELDS = frozenset({"output_text", "output_json", "output_tools", "choices"})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def item_fields(grader: dict) -> set[str]:
    """Every `{{item.X}}` the grader's templates read."""
    return {m[2] for text in _strings(grader) for m in TEMPLATE_REF.finditer(text) if m[1] == "item"}


def check_grader(grader: Any, log: ProblemLog, source: str = "grader", path: str = "") -> None:
    """Validate a grader object (one grader; a `multi` grader holds several)."""
    rules = load_catalog().data_format
    at = path or "grader"
    if not isinstance(grader, dict):
        log.error("grader", source, None, at, "the grader must be a JSON object", "see docs/data.md for the shapes")
        return
    kind = grader.get("type")
    if kind not in rules["grader_types"]:
        log.error(
            "grader_type",
            source,
            None,
            f"{at}.type",
            f"unknown grader type {kind!r}",
            f"use one of {', '.join(rules['grader_types'])}",
        )
        return
    required = {
        "string_check": ("name", "input", "reference", "operation"),
        "text_similarity": ("name", "input", "reference", "evaluation_metric"),
        "score_model": ("name", "model", "input"),
        "label_model": ("name", "model", "input", "labels", "passing_labels"),
        "python": ("name", "source"),
        "multi": ("name", "graders", "calculate_output"),
    }[str(kind)]
    for key in required:
        if key not in grader:
            log.error("grader_field", source, None, f"{at}.{key}", f"a {kind} grader needs '{key}'", f"add {key}")
    if kind == "string_check" and grader.get("operation") not in (None, *rules["string_check_operations"]):
        log.error(
            "grader_field",
            source,
            None,
            f"{at}.operation",
            f"operation {grader['operation']!r} is not valid",
            f"use one of {', '.join(rules['string_check_operations'])}",
        )
    if kind == "text_similarity" and grader.get("evaluation_metric") not in (None, *rules["similarity_metrics"]):
        log.error(
            "grader_field",
            source,
            None,
            f"{at}.evaluation_metric",
            "unknown evaluation metric",
            f"use one of {', '.join(rules['similarity_metrics'])}",
        )
    if kind == "label_model":
        _labels(grader, log, source, at)
    if (
        kind == "label_model"
        and isinstance(grader.get("labels"), list)
        and isinstance(grader.get("passing_labels"), list)
    ):
        missing = [p for p in grader["passing_labels"] if p not in grader["labels"]]
        if missing:
            log.error(
                "grader_field",
                source,
                None,
                f"{at}.passing_labels",
                f"{missing} are not among the labels",
                "passing labels must be a subset of labels",
            )
    if kind in ("score_model", "label_model"):
        _model_grader(grader, log, source, at, rules)
    if kind == "python" and isinstance(grader.get("source"), str):
        _python_grader(grader["source"], log, source, at, int(rules["python_grader_max_bytes"]))
    if kind == "multi" and isinstance(grader.get("graders"), dict) and isinstance(grader.get("calculate_output"), str):
        _calculate_output(grader["calculate_output"], set(grader["graders"]), log, source, at, rules)
    if kind == "multi":
        graders = grader.get("graders")
        if not isinstance(graders, dict) or not graders:
            log.error(
                "grader_field",
                source,
                None,
                f"{at}.graders",
                "graders must map names to graders",
                '{"graders": {"exact": {...}, "similar": {...}}}',
            )
        else:
            for name, inner in graders.items():
                check_grader(inner, log, source, f"{at}.graders.{name}")
    for text in _strings(grader):
        for match in TEMPLATE_REF.finditer(text):
            if match[1] == "sample" and match[2] not in SAMPLE_FIELDS:
                log.error(
                    "grader_template",
                    source,
                    None,
                    at,
                    f"unknown template {{{{sample.{match[2]}}}}}",
                    f"sample fields: {', '.join(sorted(SAMPLE_FIELDS))}",
                )


def _model_grader(grader: dict, log: ProblemLog, source: str, at: str, rules: dict) -> None:
    """score_model / label_model: a list of prompt messages and a grader model the service offers."""
    prompt = grader.get("input")
    if "input" in grader and not (
        isinstance(prompt, list)
        and prompt
        and all(isinstance(m, dict) and "role" in m and "content" in m for m in prompt)
    ):
        log.error(
            "grader_field",
            source,
            None,
            f"{at}.input",
            "a model grader's input must be a list of messages",
            '[{"role": "system", "content": "Score ..."}, {"role": "user", "content": "{{sample.output_text}}"}]',
        )
    model = grader.get("model")
    models = grader_models()
    if isinstance(model, str) and model not in models:
        close = difflib.get_close_matches(model, models, n=1)
        log.warning(
            "grader_model",
            source,
            None,
            f"{at}.model",
            f"{model} is not a documented grader model" + (f" (did you mean {close[0]}?)" if close else ""),
            f"use one of {', '.join(models)}",
        )


def grader_models() -> tuple[str, ...]:
    """The models a score_model/label_model grader may use, as the catalog records them."""
    catalog = load_catalog()
    listed = getattr(catalog, "grader_models", None)  # a typed catalog attribute where the catalog offers one
    if listed is None:
        listed = catalog.data_format["grader_models"]
    return tuple(listed)


def _python_grader(code: str, log: ProblemLog, source: str, at: str, max_bytes: int) -> None:
    """The source must be small, parse, and define grade(sample, item)."""
    size = len(code.encode("utf-8"))
    if size >= max_bytes:
        log.error(
            "grader_field",
            source,
            None,
            f"{at}.source",
            f"the grader's code is {size:,} bytes; it must be under {max_bytes:,}",
            "move data out of the code (e.g. into item fields)",
        )
    try:
        tree = ast.parse(code)  # parsed, never run
    except SyntaxError as exc:
        log.error(
            "grader_field",
            source,
            None,
            f"{at}.source",
            f"the grader's code does not parse: {exc.msg}" + (f" (line {exc.lineno})" if exc.lineno else ""),
            "fix the Python code",
        )
        return
    grade = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "grade"]
    if not grade or len(grade[0].args.args) < 2:
        log.error(
            "grader_field",
            source,
            None,
            f"{at}.source",
            "the code must define grade(sample, item)",
            "def grade(sample, item) -> float: ...",
        )


CALC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _calculate_output(expression: str, names: set[str], log: ProblemLog, source: str, at: str, rules: dict) -> None:
    """Every name in calculate_output must be one of the graders or an allowed function."""
    allowed = names | set(rules["multi_grader_functions"])
    unknown = sorted({n for n in CALC_NAME.findall(expression) if n not in allowed})
    if unknown:
        log.error(
            "grader_field",
            source,
            None,
            f"{at}.calculate_output",
            f"{', '.join(unknown)} is neither a grader here nor an allowed function",
            f"graders: {', '.join(sorted(names))}; functions: {', '.join(rules['multi_grader_functions'])}",
        )


def _labels(grader: dict, log: ProblemLog, source: str, at: str) -> None:
    for key in ("labels", "passing_labels"):
        value = grader.get(key)
        if key in grader and not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            log.error(
                "grader_field",
                source,
                None,
                f"{at}.{key}",
                f"{key} must be a non-empty list of strings",
                '["correct", "incorrect"]',
            )
