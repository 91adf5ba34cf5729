"""Exact token counts: the bundled counter agrees with OpenAI's tiktoken on a multilingual corpus, offline.

The second implementation is tiktoken (OpenAI's Rust BPE) given the vocabulary rebuilt from the files the
quicktok wheel carries; the rebuilt file must hash to the sha256 OpenAI publishes for it (tiktoken_ext), so
both the vocabulary and the encoder are checked, without a download.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from functools import cache
from pathlib import Path

import pytest

from ftops.data import validate_files
from ftops.data.tokens import ENCODINGS, TOKENS_PER_EXAMPLE, TOKENS_PER_MESSAGE, counter_for

CORPUS = Path(__file__).parent / "corpus"
VOCABULARY = {"o200k_base": "o200k", "cl100k_base": "cl100k"}

TEXTS = [
    "Smoke tests keep releases honest.",
    "The quick brown fox jumps over the lazy dog; it's 3.14 o'clock — isn't it?",
    "Как отрегулировать тормоза на велосипеде? Ослабьте болт крепления троса.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "如何调整自行车的刹车？先松开刹车线固定螺丝，把刹车片贴紧轮圈。",
    "我们的使命是确保通用人工智能造福全人类。",
    "def fib(n: int) -> int:\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "SELECT id, name FROM users WHERE created_at > NOW() - INTERVAL '7 days';\n\t{\"a\": [1, 2, 3]}",
    "🚲👍🏽 emoji 🇳🇴 family 👨‍👩‍👧‍👦 and a lone ✨",
    "   leading spaces\r\n\r\nwindows lines\n\n\ttabs   ",
    "<|endoftext|> is text here, not a special token",
    "x" * 5000,
    "",
]
ALPHABET = "abcxyz ABC Жжёщ Ыы 你好世界汉字 0123 ,.;:!?'\"\n\t 🚲👍🏽🇳🇴 é ß ø ـع ש 한국어 कि"


def _mixed(count: int = 300) -> list[str]:
    """Random mixtures of scripts, digits, spaces and emoji (seeded): where BPE merges are easy to get wrong."""
    import random

    rng = random.Random(21)
    return ["".join(rng.choices(ALPHABET, k=rng.randint(1, 80))) for _ in range(count)]


def _ranks(name: str) -> dict[bytes, int]:
    import quicktok

    raw = (Path(quicktok.__file__).parent / "data" / f"{VOCABULARY[name]}.vocab").read_bytes()
    offset, ranks = 4, {}
    while offset < len(raw):
        (size,) = struct.unpack_from("<H", raw, offset)
        token = raw[offset + 2 : offset + 2 + size]
        (rank,) = struct.unpack_from("<I", raw, offset + 2 + size)
        ranks[token] = rank
        offset += 6 + size
    return ranks


@cache
def reference(name: str):
    """tiktoken's Encoding for `name`, built offline from the bundled vocabulary once its hash matches OpenAI's."""
    import tiktoken
    from tiktoken_ext import openai_public

    ranks = _ranks(name)
    published = b"".join(base64.b64encode(t) + b" " + str(r).encode() + b"\n" for t, r in sorted(ranks.items(),
                         key=lambda item: item[1]))  # fmt: skip
    assert hashlib.sha256(published).hexdigest() == ENCODINGS[name][1]  # byte-identical to OpenAI's file
    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = lambda *_args, **_kwargs: ranks  # the constructor's pattern and specials
    try:
        spec = openai_public.ENCODING_CONSTRUCTORS[name]()
    finally:
        openai_public.load_tiktoken_bpe = original
    return tiktoken.Encoding(**spec)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_counts_equal_tiktoken_on_a_multilingual_corpus(name: str) -> None:
    counter, label = counter_for(name)
    assert counter is not None and label == f"exact ({name}, quicktok)"
    encoding = reference(name)
    texts = [*TEXTS, *_mixed()]
    for file in ("sft-russian.jsonl", "sft-chinese.jsonl"):
        lines = (CORPUS / file).read_text(encoding="utf-8").splitlines()
        texts += [m["content"] for line in lines for m in json.loads(line)["messages"]]
    expected = [len(encoding.encode_ordinary(text)) for text in texts]
    assert [counter.count(text) for text in texts] == expected
    assert list(counter.batch(texts)) == expected
    assert sum(expected) > 10_000  # the corpus is not trivially small


def test_the_estimate_is_far_off_where_exact_counts_matter() -> None:
    counter, _ = counter_for("o200k_base")
    chinese = "我们的使命是确保通用人工智能造福全人类。我们的使命是确保通用人工智能造福全人类。"
    assert counter.count(chinese) > 2 * (-(-len(chinese) // 4))  # why the 4-characters rule is only a fallback


def _expected_tokens(path: Path, name: str) -> list[int]:
    """Each example's tokens by the documented rule, counted with tiktoken: 3 + per message (3 + role + content)."""
    encoding = reference(name)
    totals = []
    for line in path.read_text(encoding="utf-8").splitlines():
        messages = json.loads(line)["messages"]
        totals.append(TOKENS_PER_EXAMPLE + sum(
            TOKENS_PER_MESSAGE + len(encoding.encode_ordinary(m["role"])) + len(encoding.encode_ordinary(m["content"]))
            for m in messages
        ))  # fmt: skip
    return totals


@pytest.mark.parametrize("file", ["sft-russian.jsonl", "sft-chinese.jsonl"])
@pytest.mark.parametrize(("model", "name"), [("gpt-4.1-mini", "o200k_base"), ("gpt-35-turbo", "cl100k_base")])
def test_validate_reports_exact_counts_equal_to_tiktoken(file: str, model: str, name: str) -> None:
    from ftops.catalog import load_catalog

    assert load_catalog().model(model).tokenizer == name  # the catalog's encoding is what this test checks
    report = validate_files(CORPUS / file, "sft", model)
    assert report.ok and report.token_counting == f"exact ({name}, quicktok)"
    expected = _expected_tokens(CORPUS / file, name)
    assert report.train.tokens_total == sum(expected) and report.train.tokens_max == max(expected)
    estimate = validate_files(CORPUS / file, "sft", model, exact_tokens=False)
    assert estimate.token_counting.startswith("estimate") and estimate.train.tokens_total != sum(expected)


def test_the_fast_path_and_the_full_checks_count_alike(tmp_path: Path) -> None:
    """A line the typed decoder refuses (an extra `name`-free key order, a tool turn) is counted by the full
    checks; both paths follow one rule, so one plain example counts the same either way."""
    line = (CORPUS / "sft-russian.jsonl").read_text(encoding="utf-8").splitlines()[0]
    example = json.loads(line)
    example["messages"][2]["weight"] = 1.0  # the typed decoder takes only the ints 0 and 1: full checks count it
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(example, ensure_ascii=False) + "\n", encoding="utf-8")
    slow = validate_files(path, "sft", "gpt-4.1-mini").train.tokens_total
    assert slow == _expected_tokens(CORPUS / "sft-russian.jsonl", "o200k_base")[0]


@pytest.mark.parametrize("file", ["sft-russian.jsonl", "sft-chinese.jsonl"])
def test_the_command_says_exact_and_prints_the_reference_count(file: str) -> None:
    from ftops.cli.app import run

    code, out, _ = run(["data", "validate", str(CORPUS / file), "--method", "sft", "--model", "gpt-4.1-mini", "--json"])
    data = json.loads(out)
    assert code == 0 and data["token_counting"] == "exact (o200k_base, quicktok)"
    assert data["training"]["tokens_total"] == sum(_expected_tokens(CORPUS / file, "o200k_base"))
    code, out, _ = run(["data", "validate", str(CORPUS / file), "--method", "sft", "--model", "gpt-4.1-mini"])
    assert "tokens: exact (o200k_base, quicktok)" in out
