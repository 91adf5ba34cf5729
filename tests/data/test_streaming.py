"""The pieces that keep memory flat: the digest table and the bounded line reader."""

from __future__ import annotations

import hashlib
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from ftops.data.digests import TRAINING, VALIDATION, DigestTable
from ftops.data.reader import read_lines
from ftops.data.tokens import TOKENS_PER_EXAMPLE, TOKENS_PER_MESSAGE, count_tokens, counter_for

operations = st.lists(st.tuples(st.integers(-(2**70), 2**70), st.sampled_from([TRAINING, VALIDATION])), max_size=300)


@settings(max_examples=150, deadline=None)
@given(operations)
def test_digest_table_agrees_with_a_dict_while_under_budget(ops: list[tuple[int, int]]) -> None:
    table = DigestTable(max_slots=1 << 10)  # 716 distinct digests fit: more than the 300 operations
    model: dict[int, int] = {}
    for digest, role in ops:
        key = digest & ((1 << 64) - 1) & ~3  # the table keeps 62 bits of the digest
        assert table.add(digest, role) == model.get(key, 0)
        model[key] = model.get(key, 0) | role
    assert table.used == len(model) and not table.full


def test_digest_table_grows_keeps_what_it_saw_and_stops_at_its_budget() -> None:
    table = DigestTable(max_slots=1 << 14)
    digests = [hash(f"example {n}".encode()) for n in range(table.capacity)]
    for digest in digests:
        assert table.add(digest, TRAINING) == 0
    assert not table.full and len(table._slots) == 1 << 14  # grew from the initial 4096 slots
    assert all(table.add(digest, VALIDATION) == TRAINING for digest in digests[::97])
    assert table.add(hash(b"one more"), TRAINING) == 0 and table.full
    assert table.add(hash(b"one more"), TRAINING) == 0  # not remembered once the budget is spent
    assert len(table._slots) == 1 << 14


def test_reader_bounds_lines_and_hashes_every_byte() -> None:
    data = b"short\n" + b"y" * 50 + b"\n" + b"tail without newline"
    hasher = hashlib.sha256()
    lines = list(read_lines(io.BytesIO(data), hasher, limit=16))
    assert lines == [(1, b"short\n", 6), (2, None, 51), (3, None, 20)]
    assert hasher.hexdigest() == hashlib.sha256(data).hexdigest()


def test_reader_keeps_lines_at_exactly_the_limit() -> None:
    data = b"a" * 15 + b"\n" + b"b\n"
    assert list(read_lines(io.BytesIO(data), hashlib.sha256(), limit=16)) == [
        (1, b"a" * 15 + b"\n", 16),
        (2, b"b\n", 2),
    ]


def test_token_counts_exact_with_a_counter_else_the_documented_estimate() -> None:
    texts = ["hello there", "general kenobi"]
    framing = TOKENS_PER_EXAMPLE + 2 * TOKENS_PER_MESSAGE
    assert count_tokens(texts, 25, 2, lambda text: len(text.split())) == framing + 4
    assert count_tokens(texts, 25, 2, None) == framing + 7  # ceil(25 / 4)


def test_without_an_intact_cached_encoding_the_count_is_an_estimate(tmp_path, monkeypatch) -> None:
    from ftops.data.tokens import ENCODINGS

    url, _ = ENCODINGS["o200k_base"]
    corrupt = tmp_path / hashlib.sha1(url.encode()).hexdigest()
    corrupt.write_bytes(b"not the encoding")
    for cache in (str(tmp_path / "empty"), str(tmp_path), ""):  # missing, corrupt, caching turned off
        monkeypatch.setenv("TIKTOKEN_CACHE_DIR", cache)
        counter_for.cache_clear()
        try:
            counter, description = counter_for("o200k_base")
        finally:
            counter_for.cache_clear()
        assert counter is None and description.startswith("estimate")
    # tiktoken was never asked: it would have deleted the corrupt file and tried to download the encoding
    assert corrupt.read_bytes() == b"not the encoding"
    assert counter_for(None)[0] is None
