"""Whole-file rules, checked after a file's streaming pass: size, example counts, image examples, repeats."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ftops.catalog import load_catalog
from ftops.data.digests import DigestTable
from ftops.data.problems import ProblemLog

if TYPE_CHECKING:
    from ftops.data.validate import FileReport


def file_rules(report: FileReport, role: str, log: ProblemLog, seen: DigestTable) -> None:
    """Problems of a whole file (not of one line), added to `log` once its pass is done."""
    catalog = load_catalog()
    limits = catalog.limits
    name = Path(report.file).name
    if not report.duplicates_checked:
        log.warning(
            "duplicates_unchecked",
            name,
            None,
            "",
            f"duplicates and overlap were checked for the first {seen.capacity:,} distinct examples only",
            "deduplicate the data with a tool that sorts it, if it may hold repeats",
        )
    max_image_examples = int(catalog.data_format["vision"]["max_image_examples"])
    if report.image_examples > max_image_examples:
        log.error(
            "too_many_image_examples",
            name,
            None,
            "",
            f"{report.image_examples:,} examples have images; a file may hold at most {max_image_examples:,}",
            "split the images across training runs, or drop some image examples",
        )
    if report.bytes >= limits.training_file_max_bytes:
        log.error(
            "file_size",
            name,
            None,
            "",
            f"{report.bytes:,} bytes; files must be under {limits.training_file_max_bytes:,}",
            "split the data or remove long examples",
        )
    if report.blank_lines:
        log.warning("blank_lines", name, None, "", f"{report.blank_lines} blank line(s)", "remove blank lines")
    if report.bytes == 0:
        log.error(
            "empty",
            name,
            None,
            "",
            f"the {role} file is empty (0 bytes)",
            'give a JSONL file with one example per line: {"messages": [...]}',
        )
        return
    if report.lines and report.lines == report.blank_lines:
        log.error("no_examples", name, None, "", f"the {role} file has only blank lines", "add examples")
        return
    if report.images_unsized:
        log.warning(
            "image_tokens_unknown",
            name,
            None,
            "",
            f"{report.images_unsized:,} image(s) by URL: their tokens depend on a size the data does not give, "
            "and are not in the counts",
            'set "detail": "low" (85 tokens each) or give the images as base64 data to count them',
        )
    if role != "training" or not report.lines:
        return
    if report.examples < limits.min_training_examples:
        log.error(
            "too_few",
            name,
            None,
            "",
            f"{report.examples} examples; the service needs at least {limits.min_training_examples}",
            "add examples",
        )
    elif report.examples < limits.recommended_min_examples:
        log.warning(
            "few",
            name,
            None,
            "",
            f"{report.examples} examples; begin with 50-100 good ones",
            "add examples for a useful result",
        )
    elif report.examples < limits.recommended_production_examples:
        log.warning(
            "production",
            name,
            None,
            "",
            f"{report.examples} examples; 500+ are advised for production",
            "fine for a first iteration: baseline, measure, refine",
        )
