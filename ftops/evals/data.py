"""A held-out set and graders for `ftops eval`: read, checked, and turned into Evals API bodies.

Held-out lines (JSONL, one object a line), in any of the forms ftops trains with:
- SFT: `{"messages": [..., {"role": "assistant", "content": "..."}]}`: the prompt is every message before
  the last assistant message, the reference is that message;
- RFT: `{"messages": [...], "<field>": ...}`: the messages are the prompt, the other fields are the item
  graders read (`{{item.<field>}}`);
- item/reference: `{"input": "text" | [messages], "reference": "..."}`, optionally inside `{"item": {...}}`.
Every item reaches the service as `{"input": [messages], "reference": str, ...fields}`.

Graders are the RFT grader language (`ftops.data.grader.check_grader`, the same checks `ftops data
validate` runs), plus what the Evals API requires of testing criteria (a name; `pass_threshold` for
text_similarity; one of the types its spec lists: python and multi graders pass the RFT checks, then are
refused for this api-version). Shorthands: `string_check[:OP]` (sample vs `{{item.reference}}`, eq by default) and
`text_similarity[:METRIC[:THRESHOLD]]` (fuzzy_match at 0.5 by default).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftops.azure.settings import OPENAI_API_VERSION
from ftops.errors import DataError, Problem, UsageError

# The testing criteria the carried spec of the data-plane version lists (CreateEvalRequest.testing_criteria).
EVALS_API_VERSION = OPENAI_API_VERSION
EVAL_GRADER_TYPES = ("string_check", "text_similarity", "score_model", "label_model")
MAX_ITEMS = 10_000  # a held-out set goes inline in each run's request; bigger sets belong in a file upload
SAMPLE = "{{sample.output_text}}"
REFERENCE = "{{item.reference}}"


@dataclass(frozen=True)
class HeldOut:
    """The items, and the hash that names this exact data in the eval ledger."""

    items: list[dict[str, Any]]
    sha256: str
    source: str


def _messages(value: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, list) and value and all(isinstance(m, dict) and "role" in m for m in value):
        return [{"role": str(m["role"]), "content": m.get("content") or ""} for m in value]
    raise DataError(
        f"{where}: input must be text or a list of messages with roles", hint='e.g. "input": "What is 2+2?"'
    )


def to_item(example: Any, where: str) -> dict[str, Any]:
    """One held-out line as an eval item: `input` messages, `reference` text, and any other fields."""
    if not isinstance(example, dict):
        raise DataError(f"{where}: each line must be a JSON object", hint="one example per line")
    if isinstance(example.get("item"), dict):
        example = example["item"]
    if "messages" in example:
        messages = _messages(example["messages"], f"{where}: messages")
        extra = {k: v for k, v in example.items() if k != "messages"}
        last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
        if last is not None and "reference" not in extra:  # SFT: the last assistant turn is the answer
            content = messages[last]["content"]
            text = content if isinstance(content, str) else json.dumps(content)
            return {"input": messages[:last], "reference": text, **extra}
        if not any(m["role"] == "user" for m in messages):
            raise DataError(f"{where}: the messages hold no user turn", hint="add the prompt as a user message")
        return {"input": messages, "reference": str(extra.pop("reference", "")), **extra}  # RFT: fields beside
    if "input" in example:
        reference = example.get("reference")
        if not isinstance(reference, str):
            raise DataError(f"{where}: an input/reference item needs a text 'reference'", hint='"reference": "4"')
        rest = {k: v for k, v in example.items() if k not in ("input", "reference")}
        return {"input": _messages(example["input"], where), "reference": reference, **rest}
    raise DataError(
        f"{where}: not an SFT, RFT or input/reference example",
        hint='use {"messages": [...]} or {"input": "...", "reference": "..."}',
    )


def read_held_out(path: Path) -> HeldOut:
    """The held-out JSONL as eval items (a problem names its line and how to fix it)."""
    from ftops.data.reader import open_regular

    handle, _ = open_regular(path, "held-out data")
    with handle:
        raw = handle.read()
    items = []
    for number, line in enumerate(raw.decode("utf-8-sig", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            example = json.loads(line)
        except ValueError:
            raise DataError(f"{path}:{number}: not valid JSON", hint="one JSON object per line (JSONL)") from None
        items.append(to_item(example, f"{path}:{number}"))
        if len(items) > MAX_ITEMS:
            raise DataError(f"{path}: more than {MAX_ITEMS:,} examples", hint="evaluate a sample of the held-out set")
    if not items:
        raise DataError(f"{path} holds no examples", hint="one JSON object per line")
    return HeldOut(items, hashlib.sha256(raw).hexdigest(), str(path))


def shorthand(text: str) -> dict[str, Any] | None:
    """`string_check[:op]` or `text_similarity[:metric[:threshold]]` as a grader, else None."""
    kind, _, rest = text.partition(":")
    if kind == "string_check":
        op = rest or "eq"
        return {"type": kind, "name": f"string_check_{op}", "input": SAMPLE, "reference": REFERENCE, "operation": op}
    if kind == "text_similarity":
        metric, _, threshold = rest.partition(":")
        metric = metric or "fuzzy_match"
        try:
            value = float(threshold or 0.5)
        except ValueError:
            raise UsageError(
                f"--grader {text}: {threshold!r} is not a threshold", hint="e.g. text_similarity:bleu:0.6"
            ) from None
        return {
            "type": kind,
            "name": metric,
            "input": SAMPLE,
            "reference": REFERENCE,
            "evaluation_metric": metric,
            "pass_threshold": value,
        }
    return None


def load_graders(specs: list[str]) -> list[dict[str, Any]]:
    """Graders from shorthands or JSON files, checked like RFT graders plus the Evals API's own needs."""
    from ftops.data.grader import check_grader, read_grader
    from ftops.data.problems import ProblemLog

    if not specs:
        raise UsageError(
            "ftops eval needs at least one --grader", hint="e.g. --grader string_check --grader text_similarity:rouge_1"
        )
    graders = []
    log = ProblemLog()
    for spec in specs:
        grader = shorthand(spec)
        if grader is None:
            path = Path(spec)
            if not path.is_file():
                raise UsageError(
                    f"--grader {spec}: neither a grader file nor a shorthand",
                    hint="use string_check[:OP], text_similarity[:METRIC[:THRESHOLD]] or a JSON file",
                )
            grader = read_grader(path) or {}
        check_grader(grader, log, source=spec)
        if grader.get("type") in ("multi", "python") and not log.error_count:
            log.error(
                "grader_type",
                spec,
                None,
                "grader.type",
                f"the Evals API version ftops uses ({EVALS_API_VERSION}) takes no {grader['type']} grader",
                f"use {', '.join(EVAL_GRADER_TYPES)} (a multi grader's parts one by one)",
            )
        if grader.get("type") == "text_similarity" and not isinstance(grader.get("pass_threshold"), int | float):
            log.error(
                "grader_field",
                spec,
                None,
                "grader.pass_threshold",
                "an eval's text_similarity grader needs pass_threshold",
                'add "pass_threshold": 0.5',
            )
        graders.append(grader)
    names = [g.get("name") for g in graders]
    for name in {n for n in names if names.count(n) > 1}:
        log.error(
            "grader_field", "--grader", None, "name", f"two graders are named {name!r}", "give each grader its own name"
        )
    errors = [p for p in log.kept if p.severity == "error"]
    if errors:
        first = errors[0]
        raise DataError(
            f"grader {first.file}: {first.path}: {first.message}",
            hint=first.fix,
            problems=[Problem(f"{p.file}: {p.path}", f"{p.message} (fix: {p.fix})") for p in errors[1:]],
        )
    return graders


def item_schema(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The eval's `item_schema`: input messages and reference always, other fields as the data has them."""
    extra = sorted({k for item in items for k in item if k not in ("input", "reference")})
    properties: dict[str, Any] = {"input": {"type": "array"}, "reference": {"type": "string"}}
    properties.update({k: {} for k in extra})
    return {"type": "object", "properties": properties, "required": ["input", "reference"]}
