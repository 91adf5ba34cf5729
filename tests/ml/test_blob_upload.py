"""Training data goes to the project's datastore as a block blob: one PUT when small, blocks when big."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftops.azure.ml import AzureML
from ftops.azure.transport import RetryPolicy

FAST = RetryPolicy(backoff_base=0.001, backoff_max=0.01, budget_seconds=10)
KEY = ("stprjopen", "/azureml-blobstore-prj-open/ftops/abc/big.jsonl")


def upload(source: Path, block_bytes: int) -> None:
    with AzureML(policy=FAST, sleep=lambda s: None) as ml:
        ml.upload_blob(
            "stprjopen", "azureml-blobstore-prj-open", "ftops/abc/big.jsonl", source, block_bytes=block_bytes
        )


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "big.jsonl"
    path.write_bytes(bytes(range(256)) * 10)  # 2,560 bytes: two full blocks of 1,024 and one of 512
    return path


def requests_seen(emulator) -> int:
    return emulator.faults.rules[0].seen


def test_a_big_file_goes_as_blocks_and_a_block_list(emulator, big) -> None:
    emulator.set_faults("latency ms=0 on=PUT:*/big.jsonl")  # counts the PUTs, changes nothing
    upload(big, block_bytes=1024)
    assert requests_seen(emulator) == 4  # three blocks, one list
    assert emulator.ml.blobs[KEY] == big.read_bytes()
    assert emulator.ml.counters["blob_uploads:stprjopen"] == 1 and not emulator.ml.staged


def test_a_small_file_goes_in_one_put(emulator, big) -> None:
    emulator.set_faults("latency ms=0 on=PUT:*/big.jsonl")
    upload(big, block_bytes=4096)
    assert requests_seen(emulator) == 1
    assert emulator.ml.blobs[KEY] == big.read_bytes()


def test_a_lost_block_response_resends_that_block_only(emulator, big) -> None:
    emulator.set_faults("drop-after on=PUT:*/big.jsonl nth=2")
    upload(big, block_bytes=1024)
    assert emulator.faults.rules[0].fired == 1 and emulator.faults.rules[0].seen == 5  # one block sent twice
    assert emulator.ml.blobs[KEY] == big.read_bytes()


def test_an_exact_multiple_of_the_block_size_has_no_empty_block(emulator, tmp_path) -> None:
    source = tmp_path / "big.jsonl"
    source.write_bytes(b"x" * 2048)
    emulator.set_faults("latency ms=0 on=PUT:*/big.jsonl")
    upload(source, block_bytes=1024)
    assert requests_seen(emulator) == 3 and emulator.ml.blobs[KEY] == b"x" * 2048


def _upload_checked(source: Path, sha256: str, block_bytes: int) -> None:
    with AzureML(policy=FAST, sleep=lambda s: None) as ml:
        ml.upload_blob(
            "stprjopen",
            "azureml-blobstore-prj-open",
            "ftops/abc/big.jsonl",
            source,
            sha256=sha256,
            block_bytes=block_bytes,
        )


@pytest.mark.parametrize(("block_bytes", "puts"), [(4096, 0), (1024, 3)])
def test_a_file_changed_since_validation_never_becomes_a_blob(emulator, big, block_bytes, puts) -> None:
    """The bytes sent are hashed as they go: one PUT is never sent, a block list never commits."""
    import hashlib

    from ftops.errors import UserError

    checked = hashlib.sha256(big.read_bytes()).hexdigest()
    emulator.set_faults("latency ms=0 on=PUT:*/big.jsonl")
    _upload_checked(big, checked, block_bytes)  # unchanged: uploaded as before
    assert emulator.ml.blobs.pop(KEY) == big.read_bytes()
    emulator.faults.rules[0].seen = 0
    big.write_bytes(big.read_bytes().replace(b"\x00", b"\x01", 1))  # edited after validation
    with pytest.raises(UserError, match="changed after it was validated"):
        _upload_checked(big, checked, block_bytes)
    assert requests_seen(emulator) == puts and KEY not in emulator.ml.blobs  # blocks only, no list
