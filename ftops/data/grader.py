"""RFT grader configs: the grader itself, and the `{{item.X}}` fields it needs from every example."""

from __future__ import annotations

import re
from typing import Any

from ftops.catalog import load_catalog
from ftops.data.problems import ProblemLog

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
    }[kind]
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
    if kind == "label_model" and isinstance(grader.get("labels"), list):
        missing = [p for p in grader.get("passing_labels") or [] if p not in grader["labels"]]
        if missing:
            log.error(
                "grader_field",
                source,
                None,
                f"{at}.passing_labels",
                f"{missing} are not among the labels",
                "passing labels must be a subset of labels",
            )
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
