"""`ftops catalog refresh`: compare Microsoft's fine-tuning tables with the bundled catalog, row by row.

The bundled `tables` section of `models.yaml` is exactly what `ftops.catalog.docs` parses from the pages
named in its `sources`; a refresh parses a docs tree the same way and reports every difference in words
a reviewer can check against the page (models added or removed, methods, training types, Global regions
and their footnotes, deployment regions, hub fine-tuning regions, page dates). `--write` replaces the
`tables` section (and the sources' dates) and leaves the curated part of the file untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

TABLES_MARKER = "# ---- Microsoft's tables, parsed; written by `ftops catalog refresh --write` (do not edit) ----"

PAGE_TITLES = {
    "supported-models": "supported models",
    "global-training-regions": "Global training regions",
    "standard-deployment-regions": "Standard deployment regions",
    "provisioned-deployment-regions": "Provisioned Throughput deployment regions",
    "maas-regions": "hub fine-tuning regions",
    "standard-training-regions": "Standard training regions (03/2026 revision)",
    "retirement-schedule": "retirement schedule",
    "retired-models": "retired models",
}


@dataclass(frozen=True)
class Change:
    page: str  # key of the page (a `sources` key)
    kind: str  # added, removed, changed, date
    subject: str  # model or region the row is about
    detail: str

    def line(self) -> str:
        return f"{PAGE_TITLES.get(self.page, self.page)}: {self.subject}: {self.detail}"

    def to_dict(self) -> dict[str, str]:
        return {"page": self.page, "kind": self.kind, "subject": self.subject, "detail": self.detail}


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def _diff_value(path: str, old: Any, new: Any) -> list[str]:
    """Human-readable differences between two parsed cells (lists say what was gained and lost)."""
    if old == new:
        return []
    if isinstance(old, list) and isinstance(new, list) and all(not isinstance(v, dict | list) for v in old + new):
        gained = [v for v in new if v not in old]
        lost = [v for v in old if v not in new]
        parts = []
        if gained:
            parts.append(f"{path} gained {', '.join(map(str, gained))}")
        if lost:
            parts.append(f"{path} lost {', '.join(map(str, lost))}")
        return parts or [f"{path} reordered {_fmt(old)} -> {_fmt(new)}"]
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in [*old, *(k for k in new if k not in old)]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in new:
                out.append(f"{sub} removed (was {_fmt(old[key])})")
            elif key not in old:
                out.append(f"{sub} added ({_fmt(new[key])})")
            else:
                out += _diff_value(sub, old[key], new[key])
        return out
    return [f"{path or 'value'} {_fmt(old)} -> {_fmt(new)}"]


def _rows(page: str, data: Any) -> dict[str, Any]:
    """The rows of a parsed page, keyed by what a row is about."""
    if page == "supported-models":
        rows = {f"model {k}": v for k, v in (data.get("models") or {}).items()}
        rows.update({f"legend {k}": v for k, v in (data.get("legend") or {}).items()})
        return rows
    if page == "global-training-regions":
        rows = {f"region {k}": v for k, v in (data.get("regions") or {}).items()}
        rows.update({f"footnote {k}": v for k, v in (data.get("footnotes") or {}).items()})
        return rows
    if page == "retirement-schedule":
        rows = {f"model {k}": v for k, v in (data.get("models") or {}).items()}
        rows.update({f"fine-tuned {k}": v for k, v in (data.get("fine_tuned") or {}).items()})
        return rows
    return {f"model {k}": v for k, v in (data or {}).items()}


def compare(bundled: dict[str, Any], fresh: dict[str, Any]) -> list[Change]:
    """Every difference between the bundled `tables` and freshly parsed ones."""
    changes: list[Change] = []
    for page in [*bundled, *(p for p in fresh if p not in bundled)]:
        if page not in fresh:
            changes.append(Change(page, "not-checked", "page", "not found in the docs given; not compared"))
            continue
        if page not in bundled:
            changes.append(Change(page, "added", "page", "new page, not in the bundled catalog"))
            continue
        old, new = bundled[page], fresh[page]
        if str(old.get("date")) != str(new.get("date")):
            changes.append(Change(page, "date", "page date", f"{old.get('date')} -> {new.get('date')}"))
        old_rows, new_rows = _rows(page, old.get("data")), _rows(page, new.get("data"))
        for subject in [*old_rows, *(s for s in new_rows if s not in old_rows)]:
            if subject not in new_rows:
                what = "retired or removed from the table" if subject.startswith("model") else "removed"
                changes.append(Change(page, "removed", subject, what))
            elif subject not in old_rows:
                changes.append(Change(page, "added", subject, f"new row: {_fmt(new_rows[subject])}"))
            else:
                for detail in _diff_value("", old_rows[subject], new_rows[subject]):
                    changes.append(Change(page, "changed", subject, detail))
    return changes


def render_tables(tables: dict[str, Any]) -> str:
    """The `tables` section as YAML text (small lists inline, so a diff of the file reads row by row)."""
    import yaml

    body = yaml.safe_dump({"tables": tables}, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
    return f"{TABLES_MARKER}\n{body}"


def replace_tables(text: str, tables: dict[str, Any]) -> str:
    """`models.yaml` text with its tables section replaced (or appended when it has none), and each
    table's source carrying the page date read (the commit stays for the reviewer to set)."""
    import re

    head = text.split(TABLES_MARKER, 1)[0].rstrip("\n")
    for key, page in tables.items():
        if page.get("date"):
            pattern = re.compile(rf'(\n  {re.escape(key)}:\n(?:    .*\n)*?    date: )"[^"]*"')
            date = str(page["date"])

            def with_date(found: re.Match[str], date: str = date) -> str:
                return f'{found.group(1)}"{date}"'

            head = pattern.sub(with_date, head, count=1)
    return f"{head}\n\n{render_tables(tables)}"


def catalog_names(raw: dict[str, Any]) -> set[str]:
    """Normalized names and aliases of the curated records (the lifecycle pages are kept to these)."""
    from ftops.catalog import normalize

    return {normalize(n) for m in raw.get("models") or () for n in (m["name"], *m.get("aliases", ()))}


@dataclass(frozen=True)
class RefreshResult:
    docs: str
    changes: list[Change]
    written: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "docs": self.docs,
            "differences": len(self.changes),
            "changes": [c.to_dict() for c in self.changes],
            "written": str(self.written) if self.written else None,
        }


def refresh(docs: str, *, write: bool = False, catalog_file: Path | None = None, fetch=None) -> RefreshResult:
    """Parse `docs`, compare with the bundled tables, and with `write` update the catalog file."""
    import yaml

    from ftops.catalog import data_path
    from ftops.catalog.docs import parse_docs

    target = Path(str(catalog_file or data_path()))
    text = target.read_text(encoding="utf-8")
    raw = yaml.safe_load(text) or {}
    bundled = raw.get("tables") or {}
    fresh = parse_docs(docs, fetch=fetch, names=catalog_names(raw))
    changes = compare(bundled, fresh)
    written = None
    if write and changes:
        merged = {**bundled, **fresh}  # a page the docs lack keeps its bundled rows
        target.write_text(replace_tables(text, merged), encoding="utf-8")
        written = target
    return RefreshResult(docs, changes, written)
