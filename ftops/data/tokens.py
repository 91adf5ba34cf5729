"""Token counts: exact with tiktoken when the model's encoding is available offline, else an estimate.

The estimate (documented in docs/data.md): per example, 3 tokens of framing, 4 per message, and one
token per 4 characters of text (rounded up), which is close to the o200k/cl100k encodings on English
text. Images are counted apart; their token cost depends on size and detail.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
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
TOKENS_PER_EXAMPLE = 3
TOKENS_PER_MESSAGE = 4
CHARS_PER_TOKEN = 4


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


@cache
def counter_for(encoding: str | None) -> tuple[Callable[[str], int] | None, str]:
    """(count function, description). The function is None when only an estimate is possible."""
    if encoding and _cached_encoding_file(encoding):
        try:
            import tiktoken

            enc = tiktoken.get_encoding(encoding)
            return (lambda text: len(enc.encode(text, disallowed_special=()))), f"exact ({encoding}, tiktoken)"
        except Exception:  # a broken cache or tiktoken version: fall back to the documented estimate
            pass
    return None, "estimate (1 token per 4 characters + 4 per message)"


def count_tokens(texts: list[str], chars: int, messages: int, counter: Callable[[str], int] | None) -> int:
    framing = TOKENS_PER_EXAMPLE + TOKENS_PER_MESSAGE * messages
    if counter is not None:
        return framing + sum(counter(t) for t in texts)
    return framing + -(-chars // CHARS_PER_TOKEN)
