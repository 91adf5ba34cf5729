"""Read a JSONL file line by line with a bounded line length, hashing every byte on the way.

Memory stays flat whatever the file size: one line at a time, and a line longer than MAX_LINE_BYTES is
skipped in chunks (still hashed) and reported by its size instead of being read whole.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO, Protocol

MAX_LINE_BYTES = 32 * 1024 * 1024  # ftops' own bound for one example, so a file with no newlines cannot fill memory
BOM = b"\xef\xbb\xbf"


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...


def read_lines(
    handle: BinaryIO, hasher: Hasher, limit: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes | None, int]]:
    """Yield (line number, raw bytes or None when over `limit`, size in bytes) for every line."""
    readline = handle.readline
    update = hasher.update
    number = 0
    while True:
        raw = readline(limit)
        if not raw:
            return
        number += 1
        update(raw)
        if len(raw) < limit or raw.endswith(b"\n"):
            yield number, raw, len(raw)
            continue
        size = len(raw)
        while True:  # skip the rest of an over-long line without holding it
            chunk = readline(limit)
            if not chunk:
                break
            update(chunk)
            size += len(chunk)
            if chunk.endswith(b"\n"):
                break
        yield number, None, size


def first_bad_utf8(line: bytes, chunk: int = 1 << 16) -> int | None:
    """Offset of the first byte that is not UTF-8, decoding in slices so a long line is not copied whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(line)
    for start in range(0, len(line), chunk):
        pending = len(decoder.getstate()[0])  # bytes of a character split across slices, decoded with this one
        try:
            decoder.decode(view[start : start + chunk], final=start + chunk >= len(line))
        except UnicodeDecodeError as bad:
            return start - pending + bad.start
    return None
