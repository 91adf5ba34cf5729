"""Uploads that scale: parts above the threshold, resumed from the ledger after a crash, completed once."""

from __future__ import annotations

from pathlib import Path

import pytest
from limits_support import LINE

from ftops.azure.uploads import FileSlice, RateLimiter, UploadReport, upload_file
from ftops.errors import AzureRefusedError
from ftops.jobs.ledger import Ledger


class Crash(Exception):
    """Stands for the process dying between two parts."""


def _file(tmp_path: Path, lines: int) -> Path:
    path = tmp_path / "big.jsonl"
    path.write_bytes(LINE * lines)
    return path


def test_small_file_goes_in_one_streamed_post(plane, emulator, tmp_path):
    path = _file(tmp_path, 20)
    made = upload_file(plane, path, filename="ftops-abc-big.jsonl", threshold=1 << 20)
    assert made["bytes"] == path.stat().st_size
    counters = emulator.counters("acct1")
    assert counters["uploads"] == 1 and counters.get("upload_starts", 0) == 0
    assert plane.files.content(made["id"]) == path.read_bytes()


def test_large_file_goes_in_parts_and_assembles_byte_for_byte(plane, emulator, tmp_path):
    path = _file(tmp_path, 400)  # 400 lines of 94 bytes: 8 parts of 5000 bytes
    report = UploadReport()
    made = upload_file(plane, path, filename="ftops-abc-big.jsonl", threshold=1000, part_size=5000, report=report)
    counters = emulator.counters("acct1")
    assert (counters["upload_starts"], counters["upload_parts"], counters["upload_completes"]) == (1, 8, 1)
    assert report.mode == "parts" and report.parts_sent == 8
    assert plane.files.content(made["id"]) == path.read_bytes()
    assert plane.files.wait_processed(made["id"], poll_seconds=0)["status"] == "processed"


def test_crash_between_parts_then_rerun_sends_each_remaining_part_once(plane, emulator, tmp_path):
    path = _file(tmp_path, 400)
    key = f"{plane.endpoint} sha"

    def die_after_three(index: int, count: int) -> None:
        if index == 2:
            raise Crash

    with Ledger(tmp_path / "ledger.sqlite3") as ledger, pytest.raises(Crash):
        upload_file(
            plane,
            path,
            filename="n.jsonl",
            store=ledger,
            key=key,
            threshold=1000,
            part_size=5000,
            on_part=die_after_three,
        )
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:  # a new process reads what the old one committed
        assert sorted(ledger.large_upload(key).parts) == [0, 1, 2]
        report = UploadReport()
        made = upload_file(
            plane, path, filename="n.jsonl", store=ledger, key=key, threshold=1000, part_size=5000, report=report
        )
        assert ledger.large_upload(key) is None  # done: nothing left to resume
    counters = emulator.counters("acct1")
    assert report.resumed and (report.parts_reused, report.parts_sent) == (3, 5)
    assert (counters["upload_starts"], counters["upload_parts"], counters["upload_completes"]) == (1, 8, 1)
    assert counters["uploads"] == 1
    assert plane.files.content(made["id"]) == path.read_bytes()


def test_lost_complete_answer_finds_the_file_instead_of_completing_twice(plane, emulator, tmp_path):
    path = _file(tmp_path, 100)
    emulator.set_faults("drop-after on=POST:/openai/uploads/*/complete nth=1")
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        made = upload_file(plane, path, filename="lost.jsonl", store=ledger, key="k", threshold=1000, part_size=5000)
    counters = emulator.counters("acct1")
    assert counters["upload_completes"] == 1 and counters["uploads"] == 1
    assert made["filename"] == "lost.jsonl"


def test_a_failing_part_is_retried_and_the_file_is_whole(plane, emulator, tmp_path):
    path = _file(tmp_path, 100)
    emulator.set_faults("503 on=POST:/openai/uploads/*/parts nth=2")
    made = upload_file(plane, path, filename="r.jsonl", threshold=1000, part_size=5000)
    assert plane.files.content(made["id"]) == path.read_bytes()
    assert emulator.counters("acct1")["upload_parts"] == 2  # the refused attempt stored nothing


def test_parts_that_do_not_add_up_are_refused(plane, emulator, tmp_path):
    started = plane.call(
        "POST",
        "/uploads",
        json={"purpose": "fine-tune", "filename": "x.jsonl", "bytes": 10, "mime_type": "application/jsonl"},
    )
    part = plane.call(
        "POST", f"/uploads/{started['id']}/parts", files={"data": ("x", b"12345", "application/octet-stream")}
    )
    with pytest.raises(AzureRefusedError, match="add up to 5 bytes"):
        plane.call("POST", f"/uploads/{started['id']}/complete", json={"part_ids": [part["id"]]}, idempotent=False)
    cancelled = plane.call("POST", f"/uploads/{started['id']}/cancel")
    assert cancelled["status"] == "cancelled"
    with pytest.raises(AzureRefusedError, match="cancelled"):
        plane.call(
            "POST", f"/uploads/{started['id']}/parts", files={"data": ("x", b"12345", "application/octet-stream")}
        )


def test_an_upload_expires_after_two_hours(plane, emulator):
    now = [1_000_000.0]
    emulator.uploads.clock = lambda: now[0]
    started = plane.call(
        "POST",
        "/uploads",
        json={"purpose": "fine-tune", "filename": "x.jsonl", "bytes": 5, "mime_type": "application/jsonl"},
    )
    assert started["expires_at"] == 1_000_000 + 7200
    now[0] += 7200
    with pytest.raises(AzureRefusedError, match="expired"):
        plane.call(
            "POST", f"/uploads/{started['id']}/parts", files={"data": ("x", b"12345", "application/octet-stream")}
        )


def test_file_slice_reads_only_its_range(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    with path.open("rb") as handle:
        piece = FileSlice(handle, 3, 4)
        assert piece.seek(0, 2) == 4 and piece.tell() == 4
        piece.seek(0)
        assert piece.read(3) + piece.read(10) + piece.read() == b"3456"


def test_rate_limiter_keeps_under_the_rate():
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(30, clock=lambda: now[0], sleep=sleep)
    for _ in range(90):
        limiter.acquire()
    assert now[0] == pytest.approx(2.0, abs=0.05)  # 30 at once, then 30 a second
