"""The Microsoft files the project carries are byte for byte the revisions their provenance tables name."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest

from ftops.emulator.specs import CARRIED_SPECS

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "tests" / "fixtures" / "microsoft"


def tsv_rows(table: Path) -> list[dict[str, str]]:
    with table.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


TSV_FILES = [
    (CARRIED_SPECS / row["local_path"], row["sha256"])
    for row in tsv_rows(CARRIED_SPECS / "azure-rest-api-specs" / "SOURCES.tsv")
] + [(DOCS / row["local_path"], row["sha256"]) for row in tsv_rows(DOCS / "SOURCES.tsv")]


@pytest.mark.parametrize(("path", "sha256"), TSV_FILES, ids=lambda v: Path(v).name if isinstance(v, Path) else "")
def test_each_carried_file_matches_its_recorded_sha256(path: Path, sha256: str) -> None:
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256


def test_the_full_spec_files_match_the_sha256_in_sources_md() -> None:
    table = (CARRIED_SPECS / "SOURCES.md").read_text(encoding="utf-8")
    section = table[table.index("## Full spec files saved here") :]
    rows = re.findall(r"^\| `([^`]+\.json)` \|.*?\| ([0-9a-f]{64}) \|", section, flags=re.M)
    assert len(rows) >= 6
    for name, sha256 in rows:
        assert hashlib.sha256((CARRIED_SPECS / name).read_bytes()).hexdigest() == sha256, name


def test_every_carried_doc_has_a_provenance_row() -> None:
    listed = {DOCS / row["local_path"] for row in tsv_rows(DOCS / "SOURCES.tsv")}
    carried = set((DOCS / "azure-ai-docs").rglob("*.md"))
    assert carried == listed


def test_nothing_reads_files_from_outside_the_repository() -> None:
    """A plain clone works: no product, test or benchmark file points at a sibling folder beside the checkout."""
    sibling = "shared"  # the folder a checkout may have beside it, spelled once so this file does not match itself
    pattern = re.compile(rf"""(\.\./{sibling}|/work/{sibling}|parents\[\d\]\.parent|["']{sibling}["']\s*/)""")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for folder in ("ftops", "infra", "tests", "benchmarks", ".ci")
        for path in (REPO / folder).rglob("*")
        if path.is_file() and path.suffix in (".py", "") and "fixtures" not in path.parts and path != Path(__file__)
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
