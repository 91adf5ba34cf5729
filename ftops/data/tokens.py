"""Token counts: exact with the model's own vocabulary, shipped inside a PyPI wheel, or a labelled estimate.

Counter (docs/data.md says why): quicktok, whose wheel carries OpenAI's o200k_base and cl100k_base
vocabularies (byte-identical to OpenAI's published files: tests/data/test_tokens.py rebuilds them and checks
OpenAI's sha256) and Meta's Llama 3 and Qwen's Qwen2.5/3 vocabularies. Nothing is downloaded at run time.
Fallbacks, in order: tiktoken with an intact cached encoding file, then the estimate.

Framing (OpenAI's published counting rule, cookbook `Chat_finetuning_data_prep`, which Microsoft's cost page
points to): 3 tokens per message plus its role's tokens (plus a name's tokens and 1), 3 per example.
The estimate keeps that framing (4 per message: role words are one token) and counts 1 token per 4 characters.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# Where tiktoken fetches each encoding, and the sha256 it expects (tiktoken_ext.openai_public). ftops only
# hands tiktoken an encoding whose cached file already has that hash: with a missing or corrupt cache,
# tiktoken would delete the file and download it, and ftops never downloads at run time.
ENCODINGS = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}
# The vocabularies quicktok bundles, by the name a catalog entry gives (catalog `tokenizer:`).
BUNDLED = {"o200k_base": "o200k_base", "cl100k_base": "cl100k_base", "llama3": "llama3", "qwen3": "qwen3"}
TOKENS_PER_EXAMPLE = 3  # the reply priming the rule adds once per example
TOKENS_PER_MESSAGE = 3  # per message, before its role's own tokens
TOKENS_PER_NAME = 1
ESTIMATE_PER_MESSAGE = 4  # framing plus a one-token role
CHARS_PER_TOKEN = 4
ESTIMATE = "estimate (1 token per 4 characters + framing)"

# Images, per OpenAI's published vision rule (the rule Microsoft's vision fine-tuning page relies on for
# detail low/high): low = a 512x512 image for a fixed 85 tokens; high = fit in 2048x2048, shortest side
# scaled to 768, then 170 tokens per 512-pixel tile plus the 85 base tokens.
IMAGE_BASE_TOKENS = 85
IMAGE_TILE_TOKENS = 170


@dataclass(frozen=True)
class Counter:
    """An exact counter: text -> tokens, and a batch form (many texts -> counts) where the library has one."""

    encoding: str
    library: str
    count: Callable[[str], int]
    batch: Callable[[Sequence[str]], Sequence[int]]

    @property
    def label(self) -> str:
        return f"exact ({self.encoding}, {self.library})"

    def role_tokens(self, role: str) -> int:
        return _role_tokens(self.count, role)


@cache
def _role_tokens(count: Callable[[str], int], role: str) -> int:
    return count(role)


def _cached_encoding_file(name: str) -> Path | None:
    """tiktoken's cached copy of an encoding (its own cache layout), only if it is complete and intact."""
    known = ENCODINGS.get(name)
    if known is None:
        return None
    url, sha256 = known
    # tiktoken's own precedence; an empty TIKTOKEN_CACHE_DIR turns its cache off (it would always download).
    folder = os.environ.get("TIKTOKEN_CACHE_DIR", os.environ.get("DATA_GYM_CACHE_DIR"))
    if folder == "":
        return None
    base = Path(folder) if folder else Path(tempfile.gettempdir()) / "data-gym-cache"
    path = base / hashlib.sha1(url.encode()).hexdigest()
    try:
        return path if hashlib.sha256(path.read_bytes()).hexdigest() == sha256 else None
    except OSError:
        return None


def _quicktok(encoding: str) -> Counter | None:
    if encoding not in BUNDLED or os.environ.get("FTOPS_TOKENIZER") == "estimate":
        return None
    try:
        import quicktok

        enc = quicktok.get_encoding(BUNDLED[encoding])
    except Exception:  # not installed, or a wheel without this vocabulary: the next fallback
        return None

    def batch(texts: Sequence[str]) -> Sequence[int]:
        if not texts:
            return []
        _ids, offsets = enc.encode_batch(list(texts), 2)  # both cores, in C++, outside the GIL
        return offsets[1:] - offsets[:-1]

    return Counter(encoding, "quicktok", enc.count, batch)


def _tiktoken(encoding: str) -> Counter | None:
    if not _cached_encoding_file(encoding) or os.environ.get("FTOPS_TOKENIZER") == "estimate":
        return None
    try:
        import tiktoken

        enc = tiktoken.get_encoding(encoding)
    except Exception:  # a broken cache or tiktoken version: fall back to the documented estimate
        return None

    def count(text: str) -> int:
        return len(enc.encode_ordinary(text))

    def batch(texts: Sequence[str]) -> Sequence[int]:
        return [len(ids) for ids in enc.encode_ordinary_batch(list(texts))]

    return Counter(encoding, "tiktoken", count, batch)


@cache
def exact_counter(encoding: str | None) -> Counter | None:
    """The exact counter for a catalog encoding, or None when only the estimate is possible."""
    if not encoding:
        return None
    return _quicktok(encoding) or _tiktoken(encoding)


def counter_for(encoding: str | None) -> tuple[Counter | None, str]:
    """(counter or None, how tokens are counted: `exact (o200k_base, quicktok)` or `estimate (...)`)."""
    counter = exact_counter(encoding)
    return counter, counter.label if counter else ESTIMATE


def estimate_tokens(chars: int, messages: int) -> int:
    """The labelled fallback: framing plus 1 token per 4 characters (rounded up)."""
    return TOKENS_PER_EXAMPLE + ESTIMATE_PER_MESSAGE * messages + -(-chars // CHARS_PER_TOKEN)


def count_tokens(
    texts: list[str], chars: int, messages: int, counter: Counter | None, roles: Sequence[str] = ()
) -> int:
    """Tokens of one example: its texts with the framing rule (exact), or the estimate."""
    if counter is None:
        return estimate_tokens(chars, messages)
    framing = TOKENS_PER_EXAMPLE + TOKENS_PER_MESSAGE * messages + sum(counter.role_tokens(r) for r in roles)
    return framing + sum(counter.count(t) for t in texts)


def image_tokens(detail: str | None, size: tuple[int, int] | None) -> int | None:
    """Tokens of one image by the published rule; None when its size is unknown (an https URL)."""
    if detail == "low":
        return IMAGE_BASE_TOKENS
    if size is None:
        return None
    width, height = size
    if width <= 0 or height <= 0:
        return None
    scale = min(1.0, 2048 / max(width, height))
    fitted_width, fitted_height = width * scale, height * scale
    scale = min(1.0, 768 / min(fitted_width, fitted_height))
    fitted_width, fitted_height = fitted_width * scale, fitted_height * scale
    return IMAGE_BASE_TOKENS + IMAGE_TILE_TOKENS * math.ceil(fitted_width / 512) * math.ceil(fitted_height / 512)


def image_size(head: bytes) -> tuple[int, int] | None:
    """Width and height from the first bytes of a PNG, JPEG, GIF or WebP file (no image library needed)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP" and len(head) >= 30:
        kind = head[12:16]
        if kind == b"VP8X":
            return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
        if kind == b"VP8 " and len(head) >= 30:
            return int.from_bytes(head[26:28], "little") & 0x3FFF, int.from_bytes(head[28:30], "little") & 0x3FFF
        if kind == b"VP8L" and len(head) >= 25:
            bits = int.from_bytes(head[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return None
    if head.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(head):
            if head[index] != 0xFF:
                return None
            marker = head[index + 1]
            length = int.from_bytes(head[index + 2 : index + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                width = int.from_bytes(head[index + 7 : index + 9], "big")
                return width, int.from_bytes(head[index + 5 : index + 7], "big")
            index += 2 + length
    return None
