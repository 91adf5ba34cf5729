"""Parse Microsoft's fine-tuning tables (MicrosoftDocs/azure-ai-docs markdown) into plain data.

The result has the shape of the `tables` section of `models.yaml`: `ftops catalog refresh` parses the
docs with this module and compares the result with the bundled section, so the bundled catalog and
Microsoft's pages can be told apart row by row.

A docs tree is either a local directory (the root of a clone of MicrosoftDocs/azure-ai-docs, holding
`articles/`) or a base URL serving the same paths (e.g. https://raw.githubusercontent.com/MicrosoftDocs/azure-ai-docs/main).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftops.errors import AzureFailureError, UserError

REPO = "MicrosoftDocs/azure-ai-docs"

# The pages the catalog is built from: key -> path in the repository.
PAGES: dict[str, str] = {
    "supported-models": "articles/foundry/includes/fine-tune-supported-models.md",
    "global-training-regions": "articles/foundry/openai/includes/fine-tune-global-training-regions.md",
    "standard-deployment-regions": "articles/foundry/includes/fine-tune-standard-deployment-regions.md",
    "provisioned-deployment-regions": (
        "articles/foundry/includes/fine-tune-provisioned-throughput-deployment-regions.md"
    ),
    "maas-regions": "articles/foundry-classic/includes/region-availability-maas.md",
    "retirement-schedule": "articles/foundry/openai/includes/concepts-model-retirement-schedule-content.md",
    "retired-models": "articles/foundry/openai/includes/concepts-retired-models-content.md",
}
# Pages whose rows are kept only for the models the catalog names (they list every Foundry model).
FILTERED_PAGES = ("retirement-schedule", "retired-models")
# The 03/2026 revision of the supported-models page: the last one with a per-model Standard training
# region column (the newest revision dropped it). Carried verbatim under a name ending in its commit.
STANDARD_REGIONS_COMMIT = "2a5ac2402744c2c41d85783be1dbd90cea85dfe7"
STANDARD_REGIONS_PAGE = "standard-training-regions"

TRAINING_TYPE_LABELS = {"standard": "standard", "data zone": "data_zone", "global": "global", "developer": "developer"}
YES, NO = "✅", "❌"


@dataclass(frozen=True)
class Page:
    key: str
    path: str  # path in the repository
    text: str
    date: str | None  # the page's ms.date, as written
    commit: str | None = None  # only known for revision-suffixed files


def region_id(display: str) -> str:
    """ARM location id of a region's display name: "East US 2" / "East US2" -> eastus2."""
    return re.sub(r"[^a-z0-9]", "", display.lower())


def _clean(cell: str) -> str:
    cell = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", cell)  # markdown links -> their text
    return re.sub(r"\s+", " ", cell).strip()


def _notes(cell: str) -> list[int]:
    return [int(n) for sup in re.findall(r"<sup>([^<]*)</sup>", cell) for n in re.findall(r"\d+", sup)]


def _strip_notes(cell: str) -> str:
    return re.sub(r"<sup>[^<]*</sup>", "", cell).strip()


def _lines(cell: str) -> list[str]:
    return [_clean(part) for part in re.split(r"<br\s*/?>", cell, flags=re.I) if _clean(part)]


def front_matter_date(text: str) -> str | None:
    found = re.search(r"^ms\.date:\s*(\S+)", text, flags=re.M)
    return found.group(1) if found else None


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every markdown table in `text`: (header cells, rows of cells). Rows need not start with `|`."""
    lines = text.splitlines()
    found = []
    i = 0
    while i + 1 < len(lines):
        if "|" in lines[i] and re.fullmatch(r"\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*", lines[i + 1]):
            header = _cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(_cells(lines[i]))
                i += 1
            found.append((header, rows))
        else:
            i += 1
    return found


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def legend(text: str) -> dict[int, str]:
    """Footnotes written as `- <sup>N</sup> text` (or `<sup>N</sup> text` on its own line)."""
    notes = {}
    for number, body in re.findall(r"^\s*(?:-\s*)?<sup>(\d+)</sup>\s*(.+?)\s*$", text, flags=re.M):
        notes[int(number)] = _clean(body)
    return notes


def _model_cell(cell: str) -> dict[str, Any]:
    name = re.search(r"`([^`]+)`", cell)
    rest = cell[name.end() :] if name else cell
    paren = re.search(r"\(([^)]*)\)", _strip_notes(rest))
    qualifier = paren.group(1).strip() if paren else None
    return {
        "name": name.group(1).strip() if name else _clean(_strip_notes(cell)),
        "version": qualifier if qualifier and qualifier.lower() != "preview" else None,
        "preview": bool(qualifier and qualifier.lower() == "preview"),
        "notes": _notes(rest),
    }


def _flags(cell: str) -> dict[str, tuple[bool, list[int]]]:
    """`Label: ✅<sup>2</sup><br>Other: ❌` -> {label: (yes, notes)}."""
    out = {}
    for part in re.split(r"<br\s*/?>", cell, flags=re.I):
        if ":" not in part:
            continue
        label, value = part.split(":", 1)
        out[_clean(label).lower()] = (YES in value, _notes(value))
    return out


def parse_supported_models(text: str) -> dict[str, Any]:
    _header, rows = next(t for t in tables(text) if t[0] and "model id" in t[0][0].lower())
    models: dict[str, Any] = {}
    for row in rows:
        model = _model_cell(row[0])
        approach = row[1]
        managed = re.search(r"Managed:\s*" + YES + r"\s*\(([^)]*)\)", approach)
        methods = [m.strip().lower() for m in managed.group(1).split(",")] if managed else []
        training = row[2]
        if ":" in training:
            types = [TRAINING_TYPE_LABELS[label] for label, (yes, _) in _flags(training).items() if yes]
        else:  # a bare list such as "Global"
            types = [TRAINING_TYPE_LABELS[_clean(t).lower()] for t in _lines(training)]
        deployment = {}
        for label, (yes, notes) in _flags(row[3]).items():
            key = label.replace(" ", "_")
            deployment[key] = {"offered": yes, "notes": notes} if notes else {"offered": yes}
        entry: dict[str, Any] = {
            "version": model["version"],
            "preview": model["preview"],
            "methods": methods,
            "interactive": "Interactive: " + YES in approach,
            "training_types": types,
            "deployment": deployment,
        }
        if model["notes"]:
            entry["notes"] = model["notes"]
        models[model["name"]] = entry
    return {"models": models, "legend": legend(text)}


def _footnote_rule(text: str) -> dict[str, Any]:
    """What a footnote of the Global training region table means, as data."""
    models = re.findall(r"`([^`]+)`", text)
    if re.search(r"supports Global managed fine-tuning only for", text):
        return {"only_models": models}
    if re.search(r"^Vision fine-tuning isn't supported", text):
        return {"exclude_modalities": ["vision"]}
    if models and re.search(r"^Managed fine-tuning for .+ isn't supported in", text):
        return {"exclude_models": models}
    return {"unrecognised": True}


def parse_global_training_regions(text: str) -> dict[str, Any]:
    _header, rows = next(t for t in tables(text) if t[0] and "region" in t[0][0].lower())
    regions: dict[str, Any] = {}
    for row in rows:
        managed, interactive = row[1], row[2]
        entry: dict[str, Any] = {"managed": YES in managed, "interactive": YES in interactive}
        if notes := _notes(managed):
            entry["notes"] = notes
        regions[region_id(_clean(row[0]))] = entry
    footnotes = {n: {"text": body, **_footnote_rule(body)} for n, body in legend(text).items()}
    return {"regions": regions, "footnotes": footnotes}


def parse_region_matrix(text: str) -> dict[str, list[str]]:
    """A `Model ID | Region | Region ...` table of ✅/❌ -> {model: [regions with ✅]}."""
    header, rows = next(t for t in tables(text) if t[0] and "model" in t[0][0].lower())
    regions = [region_id(_clean(h)) for h in header[1:]]
    return {
        _model_cell(row[0])["name"]: [r for r, cell in zip(regions, row[1:], strict=False) if YES in cell]
        for row in rows
    }


def parse_standard_training_regions(text: str) -> dict[str, Any]:
    """The 03/2026 revision: per model, Standard training regions and modality."""
    header, rows = next(t for t in tables(text) if t[0] and "model id" in t[0][0].lower())
    columns = [_clean(h).lower() for h in header]
    where, modality = columns.index("standard regions"), columns.index("modality")
    out = {}
    for row in rows:
        name = _model_cell(row[0])["name"]
        cells = _lines(row[where])
        regions = [] if cells == ["Not supported"] else [region_id(c) for c in cells]
        vision = "vision" in row[modality].lower()
        out[name] = {"regions": regions, "modalities": ["text", "vision"] if vision else ["text"]}
    return out


def parse_maas(text: str) -> dict[str, Any]:
    """Hub-project serverless fine-tuning regions per model (rows whose fine-tuning column lists regions)."""
    out: dict[str, Any] = {}
    for header, rows in tables(text):
        columns = [_clean(h).lower() for h in header]
        if not columns or not columns[0].startswith("model") or not any("fine tuning" in c for c in columns):
            continue
        tune = next(i for i, c in enumerate(columns) if "fine tuning" in c)
        offer = next((i for i, c in enumerate(columns) if "offer" in c), None)
        for row in rows:
            if len(row) <= tune:
                continue
            regions = _lines(row[tune])
            if not regions or regions[0].lower().startswith("not available"):
                continue
            countries = ", ".join(_lines(row[offer])) if offer is not None else ""
            for name in _lines(row[0]):
                out[re.sub(r"\s*\(preview\)$", "", name)] = {
                    "regions": sorted(region_id(r) for r in regions),
                    "offer": countries,
                }
    return out


def iso(text: str) -> str | None:
    """`2027-04-14`, `June 30, 2025` or `—` -> ISO date or None."""
    import datetime as dt

    text = _clean(_strip_notes(text))
    if found := re.search(r"\d{4}-\d{2}-\d{2}", text):
        return found.group(0)
    try:
        return dt.datetime.strptime(text, "%B %d, %Y").date().isoformat()
    except ValueError:
        return None


def _replacement(cell: str) -> str | None:
    names = re.findall(r"`([^`]+)`", cell) or [_clean(_strip_notes(p)) for p in re.split(r",|<br\s*/?>", cell)]
    names = [n for n in names if n and n not in ("—", "N/A", "-")]
    return ", ".join(names) or None


def _keep(name: str, names: set[str] | None) -> bool:
    return names is None or re.sub(r"[^a-z0-9]", "", name.lower()) in names


def parse_retirement_schedule(text: str, names: set[str] | None = None) -> dict[str, Any]:
    """Lifecycle rows (model, version -> stage, retirement date, replacement) and the fine-tuned table."""
    models: dict[str, Any] = {}
    fine_tuned: dict[str, Any] = {}
    for header, rows in tables(text):
        columns = [_clean(h).lower() for h in header]
        if columns[:2] != ["model", "version"]:
            continue
        for row in rows:
            if len(row) < len(columns) or not _keep(_clean(row[0]), names):
                continue
            key = f"{_clean(row[0])} {_clean(row[1])}"
            if "training retirement date" in columns:
                training = row[columns.index("training retirement date")]
                fine_tuned[key] = {
                    "training": iso(training),
                    "training_no_earlier_than": "no earlier than" in training.lower(),
                    "deployment": iso(row[columns.index("deployment retirement date")]),
                }
            elif "lifecycle" in columns:
                entry = {
                    "lifecycle": _clean(row[columns.index("lifecycle")]),
                    "retirement": iso(row[columns.index("retirement date")]),
                    "replacement": _replacement(row[columns.index("replacement")]),
                }
                models.setdefault(key, entry)  # a model listed twice (sold by Azure, and by partners): the first
    return {"models": models, "fine_tuned": fine_tuned}


def parse_retired_models(text: str, names: set[str] | None = None) -> dict[str, Any]:
    """Retired models: name -> retirement date (ISO) and suggested replacement."""
    out: dict[str, Any] = {}
    for header, rows in tables(text):
        columns = [_clean(h).lower() for h in header]
        if not columns or columns[0] != "model" or "retirement date" not in columns:
            continue
        for row in rows:
            if len(row) < len(columns):
                continue
            cell = _clean(row[0])
            found = re.findall(r"`([^`]+)`", cell) or [cell]
            version = re.search(r"`\s*-\s*(\S+)\s*$", cell)  # "`gpt-35-turbo` - 0301"
            for model in found:
                if not _keep(model, names):
                    continue
                key = f"{model} {version.group(1)}" if version else model
                out.setdefault(
                    key,
                    {
                        "retired": iso(row[columns.index("retirement date")]),
                        "replacement": _replacement(row[columns.index("suggested replacement")]),
                    },
                )
    return out


PARSERS: dict[str, Callable[..., Any]] = {
    "supported-models": parse_supported_models,
    "global-training-regions": parse_global_training_regions,
    "standard-deployment-regions": parse_region_matrix,
    "provisioned-deployment-regions": parse_region_matrix,
    "maas-regions": parse_maas,
    STANDARD_REGIONS_PAGE: parse_standard_training_regions,
    "retirement-schedule": parse_retirement_schedule,
    "retired-models": parse_retired_models,
}


def _revision_name(path: str, commit: str) -> str:
    stem, _dot, ext = path.rpartition(".")
    return f"{stem}.{commit}.{ext}"


def read_pages(docs: str, *, fetch: Callable[[str], str] | None = None) -> dict[str, Page]:
    """The catalog's pages from a docs directory or base URL. Missing pages are a user error naming them."""
    pages: dict[str, Page] = {}
    wanted = dict(PAGES)
    is_url = docs.startswith(("http://", "https://"))
    if is_url:
        base = docs.rstrip("/")
        get = fetch or _http_get
        for key, path in wanted.items():
            text = get(f"{base}/{path}")
            pages[key] = Page(key, path, text, front_matter_date(text))
        # the old revision, by commit, from the same host layout (raw.githubusercontent.com/<repo>/<commit>/<path>)
        repo_url = re.sub(r"/[^/]+$", "", base)
        old = PAGES["supported-models"]
        try:
            text = get(f"{repo_url}/{STANDARD_REGIONS_COMMIT}/{old}")
            pages[STANDARD_REGIONS_PAGE] = Page(STANDARD_REGIONS_PAGE, old, text, front_matter_date(text))
        except AzureFailureError:
            pass  # the refresh then says standard training regions were not checked
        return pages
    root = Path(docs).expanduser()
    if not (root / "articles").is_dir():
        raise UserError(
            f"{docs} is not a MicrosoftDocs/azure-ai-docs tree (no articles/ folder)",
            hint="pass the root of a clone, e.g. --docs ~/src/azure-ai-docs, or a raw URL base",
        )
    missing = [path for path in wanted.values() if not (root / path).is_file()]
    if missing:
        raise UserError(f"{docs} lacks {missing[0]}", hint="use a complete checkout of MicrosoftDocs/azure-ai-docs")
    for key, path in wanted.items():
        text = (root / path).read_text(encoding="utf-8")
        pages[key] = Page(key, path, text, front_matter_date(text))
    old = PAGES["supported-models"]
    revision = root / _revision_name(old, STANDARD_REGIONS_COMMIT)
    if revision.is_file():
        text = revision.read_text(encoding="utf-8")
        pages[STANDARD_REGIONS_PAGE] = Page(
            STANDARD_REGIONS_PAGE, old, text, front_matter_date(text), STANDARD_REGIONS_COMMIT
        )
    return pages


def _http_get(url: str) -> str:
    import httpx

    try:
        response = httpx.get(url, timeout=30, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise AzureFailureError(f"could not fetch {url}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise AzureFailureError(f"could not fetch {url}: HTTP {response.status_code}")
    return response.text


def parse_pages(pages: dict[str, Page], names: set[str] | None = None) -> dict[str, Any]:
    """The `tables` section for these pages: per page its parsed rows and its date. `names` (normalized model
    names) keeps only the catalog's models from the pages that list every Foundry model."""
    out: dict[str, Any] = {}
    for key, page in pages.items():
        data = PARSERS[key](page.text, names) if key in FILTERED_PAGES else PARSERS[key](page.text)
        out[key] = {"date": page.date, "data": data}
    return out


def parse_docs(
    docs: str, *, fetch: Callable[[str], str] | None = None, names: set[str] | None = None
) -> dict[str, Any]:
    return parse_pages(read_pages(docs, fetch=fetch), names)
