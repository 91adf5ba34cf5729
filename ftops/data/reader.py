"""Read a JSONL file line by line with a bounded line length, hashing every byte on the way.

Memory stays flat whatever the file size: one line at a time, and a line longer than MAX_LINE_BYTES is
skipped in chunks (still hashed) and reported by its size instead of being read whole.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from ftops.errors import UsageError

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


BLOCK_BYTES = 1 << 22  # 4 MiB per read: big enough that per-block costs vanish, small enough to stay flat


class LongLine(int):
    """A line over the line limit, skipped (its bytes were still hashed): the int is its size in bytes."""


def read_blocks(
    handle: BinaryIO,
    sink: Callable[[bytes], None],
    limit: int = MAX_LINE_BYTES,
    block: int = BLOCK_BYTES,
    stop_after: int | None = None,
) -> Iterator[bytes | LongLine]:
    """Yield blocks of whole lines (each ends with a newline, except a file's unterminated last line) or a
    LongLine for a line over `limit`. Every byte read goes to `sink` (the hasher) in file order.

    Reading stops once more than `stop_after` bytes were read (a file that grows past the size rule).
    """
    # Only the line carried into a chunk can outgrow `limit` when no read is bigger than `limit`: every other
    # line of a chunk fits in it. So reads are capped at `limit`, and that one line is the only one measured.
    block = min(block, limit)
    read = handle.read
    rest = b""
    total = 0
    while True:
        chunk = read(block)
        if not chunk:
            if rest:
                yield rest
            return
        total += len(chunk)
        sink(chunk)
        if stop_after is not None and total > stop_after:
            return
        carried = len(rest)
        if rest:
            chunk = rest + chunk
        cut = chunk.rfind(b"\n") + 1
        if cut:
            first = chunk.find(b"\n", carried) + 1  # the end of the line carried over from earlier reads
            if first > limit:
                yield LongLine(first)
                rest = chunk[cut:]
                if cut > first:
                    yield chunk[first:cut]
                continue
            rest = chunk[cut:]
            yield chunk[:cut]
            continue
        if len(chunk) <= limit:
            rest = chunk  # a line still in progress
            continue
        size = len(chunk)  # over the limit: skip to the next newline without holding the line
        rest = b""
        while True:
            chunk = read(block)
            if not chunk:
                break
            total += len(chunk)
            sink(chunk)
            end = chunk.find(b"\n")
            if end >= 0:
                size += end + 1
                rest = chunk[end + 1 :]
                break
            size += len(chunk)
        yield LongLine(size)
        if rest:  # the remainder after the long line starts the next block
            cut = rest.rfind(b"\n") + 1
            if cut:
                yield rest[:cut]
                rest = rest[cut:]


FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (a pipe, e.g. from <(...))"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular(path: Path, role: str) -> tuple[Any, int]:
    """Open a regular file for reading, or refuse with what it is instead (a FIFO or /dev/zero never ends).

    The file is opened non-blocking and checked on the open descriptor, so a path swapped for a FIFO after a
    check cannot hang the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UsageError(f"{role} file {path} not found", hint="check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{role} file {path} is a folder, not a JSONL file") from None
    except OSError as exc:
        raise UsageError(f"{role} file {path} cannot be read: {exc.strerror}", hint="check the path") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = next((name for test, name in FILE_KINDS if test(info.st_mode)), "not a regular file")
        if kind == "a folder":
            raise UsageError(f"{role} file {path} is a folder, not a JSONL file")
        raise UsageError(
            f"{role} file {path} is {kind}, not a regular file",
            hint="save the data to a file first (e.g. `cat … > train.jsonl`) and pass that file",
        )
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb", buffering=0), info.st_size
