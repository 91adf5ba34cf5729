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

ENCODING_URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
TOKENS_PER_EXAMPLE = 3
TOKENS_PER_MESSAGE = 4
CHARS_PER_TOKEN = 4


def _cached_encoding_file(name: str) -> Path | None:
    """Where tiktoken keeps a downloaded encoding, if it is there (tiktoken's own cache layout)."""
    url = ENCODING_URLS.get(name)
    if url is None:
        return None
    folder = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    base = Path(folder) if folder else Path(tempfile.gettempdir()) / "data-gym-cache"
    path = base / hashlib.sha1(url.encode()).hexdigest()
    return path if path.is_file() else None


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
