"""Recognise files that are not JSON Lines at all, from their first bytes, and say how to convert them.

A CSV, gzip or JSON-array file would otherwise give one generic "not valid JSON" per line; a file of legacy
prompt/completion rows would give two errors per line. One targeted message with the conversion is better.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

SNIFF_BYTES = 1 << 16


@dataclass(frozen=True)
class Sniffed:
    code: str
    message: str
    fix: str


def _first_line(head: bytes) -> bytes:
    return head.split(b"\n", 1)[0].strip()


def sniff(head: bytes, name: str) -> Sniffed | None:
    """What the file is when it is plainly not chat JSONL (None: read it as JSONL)."""
    if head.startswith(b"\x1f\x8b"):
        return Sniffed(
            "format_gzip", "this is a gzip-compressed file, not JSON Lines", f"decompress it first: gunzip -k {name}"
        )
    if head.startswith(b"PK\x03\x04"):
        return Sniffed("format_zip", "this is a zip archive, not JSON Lines", f"extract the JSONL file: unzip {name}")
    if head.startswith(b"PAR1"):
        return Sniffed(
            "format_parquet",
            "this is a Parquet file, not JSON Lines",
            "convert it: python -c \"import pandas as p; p.read_parquet('IN').to_json('OUT.jsonl', orient='records', "
            'lines=True, force_ascii=False)"',
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Sniffed("format_utf16", "this file is UTF-16 text; the service reads UTF-8", "save it as UTF-8")
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        return Sniffed(
            "format_json_array",
            "this is one JSON array, not JSON Lines (one object per line)",
            f"convert it: jq -c '.[]' {name} > {name.rsplit('.', 1)[0]}.jsonl",
        )
    line = _first_line(text)
    if not line:
        return None
    if not line.startswith(b"{"):
        if b"," in line or b"\t" in line:
            kind = "TSV" if b"\t" in line and b"," not in line else "CSV"
            return Sniffed(
                "format_csv",
                f"this looks like {kind} (first line: {line[:60].decode('utf-8', 'replace')!r}), not JSON Lines",
                'convert each row to one {"messages": [...]} line, e.g. with pandas or jq; see docs/data.md',
            )
        return None
    try:
        first = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if isinstance(first, dict) and "prompt" in first and "completion" in first and "messages" not in first:
        return Sniffed(
            "format_prompt_completion",
            "these are legacy prompt/completion rows; chat models train on messages",
            'convert: jq -c \'{messages: [{role: "user", content: .prompt}, {role: "assistant", content: '
            f".completion}}]}}' {name} > chat.jsonl",
        )
    return None
