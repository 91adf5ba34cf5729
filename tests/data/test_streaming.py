"""The pieces that keep memory flat: the digest arrays and the bounded block reader."""

from __future__ import annotations

import hashlib
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from ftops.data.digests import TRAINING, VALIDATION, DigestTable
from ftops.data.reader import LongLine, read_blocks, read_lines
from ftops.data.tokens import (
    ESTIMATE_PER_MESSAGE,
    TOKENS_PER_EXAMPLE,
    TOKENS_PER_MESSAGE,
    count_tokens,
    counter_for,
    exact_counter,
)

files = st.lists(st.integers(0, 40), max_size=120)  # digests drawn from a small range, so repeats happen


@settings(max_examples=150, deadline=None)
@given(files, files)
def test_repeats_agree_with_a_dict_walk(train: list[int], valid: list[int]) -> None:
    table = DigestTable(max_slots=1 << 10)
    table.extend(TRAINING, train, range(1, len(train) + 1))
    table.extend(VALIDATION, valid, range(1, len(valid) + 1))
    seen: dict[int, int] = {}
    expected: dict[str, list[int]] = {"train": [], "valid": [], "overlap": []}
    for line, digest in enumerate(train, 1):
        if seen.get(digest, 0) & TRAINING:
            expected["train"].append(line)
        seen[digest] = seen.get(digest, 0) | TRAINING
    for line, digest in enumerate(valid, 1):
        before = seen.get(digest, 0)
        if before & VALIDATION:
            expected["valid"].append(line)
        if before & TRAINING:
            expected["overlap"].append(line)
        seen[digest] = before | VALIDATION
    found = table.repeats()
    assert (found.training_duplicates, found.validation_duplicates, found.overlap) == (
        expected["train"],
        expected["valid"],
        expected["overlap"],
    )
    assert not table.full


def test_digest_budget_stops_remembering_and_says_so() -> None:
    table = DigestTable(max_slots=16)  # capacity 11
    table.extend(TRAINING, range(8), range(1, 9))
    assert not table.full
    table.extend(TRAINING, [100, 101, 102, 103, 0], range(9, 14))  # the last two are past the budget
    assert table.full and table.used == table.capacity == 11
    assert table.repeats().training_duplicates == []  # the repeat of 0 came after the budget was spent


def test_reader_bounds_lines_and_hashes_every_byte() -> None:
    data = b"short\n" + b"y" * 50 + b"\n" + b"tail without newline"
    hasher = hashlib.sha256()
    lines = list(read_lines(io.BytesIO(data), hasher, limit=16))
    assert lines == [(1, b"short\n", 6), (2, None, 51), (3, None, 20)]
    assert hasher.hexdigest() == hashlib.sha256(data).hexdigest()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=40), st.integers(1, 23), st.booleans())
def test_block_reader_matches_a_line_split(sizes: list[int], block: int, final_newline: bool) -> None:
    limit = 20
    lines = [bytes([97 + n % 26]) * size for n, size in enumerate(sizes)]
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    chunks: list[bytes] = []
    out: list[bytes | int] = []
    for item in read_blocks(io.BytesIO(data), chunks.append, limit=limit, block=block):
        if isinstance(item, LongLine):
            out.append(int(item))
        else:
            out.extend(item.split(b"\n")[:-1] if item.endswith(b"\n") else item.split(b"\n"))
    expected: list[bytes | int] = []
    raw = data.split(b"\n") if data else []
    if data.endswith(b"\n"):
        raw.pop()
    for index, line in enumerate(raw):
        size = len(line) + (1 if index < len(raw) - 1 or data.endswith(b"\n") else 0)
        expected.append(size if size > limit else line)
    assert out == expected
    assert b"".join(chunks) == data  # every byte reached the hasher, in order


def test_block_reader_stops_past_the_size_rule() -> None:
    chunks: list[bytes] = []
    blocks = list(read_blocks(io.BytesIO(b"x\n" * 100), chunks.append, block=10, stop_after=25))
    assert sum(map(len, chunks)) == 30 and sum(map(len, blocks)) == 20


def test_estimate_and_exact_framing() -> None:
    texts = ["hello there", "general kenobi"]
    assert count_tokens(texts, 25, 2, None) == TOKENS_PER_EXAMPLE + 2 * ESTIMATE_PER_MESSAGE + 7  # ceil(25 / 4)
    counter, label = counter_for("o200k_base")
    assert counter is not None and label == "exact (o200k_base, quicktok)"
    # 3 per example, 3 per message plus its role (one token each here), then the texts: "hello there" is 2 tokens
    exact = count_tokens(texts, 25, 2, counter, roles=["user", "assistant"])
    assert exact == TOKENS_PER_EXAMPLE + 2 * (TOKENS_PER_MESSAGE + 1) + 2 + counter.count("general kenobi")


def test_without_quicktok_or_an_intact_tiktoken_cache_the_count_is_an_estimate(tmp_path, monkeypatch) -> None:
    from ftops.data.tokens import ENCODINGS

    monkeypatch.setenv("FTOPS_TOKENIZER", "estimate")  # as if the bundled vocabularies were not installed
    url, _ = ENCODINGS["o200k_base"]
    corrupt = tmp_path / hashlib.sha1(url.encode()).hexdigest()
    corrupt.write_bytes(b"not the encoding")
    for cache in (str(tmp_path / "empty"), str(tmp_path), ""):  # missing, corrupt, caching turned off
        monkeypatch.setenv("TIKTOKEN_CACHE_DIR", cache)
        exact_counter.cache_clear()
        counter, description = counter_for("o200k_base")
        assert counter is None and description.startswith("estimate")
    # tiktoken was never asked: it would have deleted the corrupt file and tried to download the encoding
    assert corrupt.read_bytes() == b"not the encoding"
    assert counter_for(None)[0] is None
