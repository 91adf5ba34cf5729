"""Cross-process locks for launches and uploads, and the bytes a launch may upload.

The ledger's `BEGIN IMMEDIATE` transaction makes recording a launch atomic, but nothing in it spans the
minutes between recording the launch and creating its job. Two identical launches started together
would both see "no job yet" and both upload and create. So the process that carries a launch out holds
an OS file lock (`fcntl.flock` on a per-identity file in the state dir, mode 0600) from recording it to
its job's creation. A second process for the same launch waits briefly (`FTOPS_LOCK_WAIT` seconds, default
10) and then either resumes the finished launch from the ledger (same job, nothing sent twice) or stops
with "already running" and exit code 5. The kernel drops a flock when its holder dies (even SIGKILL), so
a crashed launch never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ftops.errors import FtopsError, UserError, content_changed

DEFAULT_WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05


class AlreadyRunningError(FtopsError):
    """The same launch (or upload) is being carried out by another ftops process on this machine."""

    exit_code = 5
    kind = "already_running"


def lock_wait_seconds() -> float:
    """How long a second process waits for the holder: FTOPS_LOCK_WAIT, else 10 s (a bad value is refused)."""
    from ftops.settings import seconds_setting

    return seconds_setting("FTOPS_LOCK_WAIT", DEFAULT_WAIT_SECONDS, example="30")


def private_dir(folder: Path, *, tighten: bool = True) -> Path:
    """Create `folder` (mode 0700) if needed; refuse a file in its place.

    `tighten` also makes an existing folder of ours 0700 (older ftops made 0755 ones); a folder the user
    named (FTOPS_STATE_DIR) is left as it is, since the files in it are 0600 anyway.
    """
    if folder.exists() and not folder.is_dir():
        raise UserError(
            f"the ftops state folder {folder} is not a folder",
            hint="point FTOPS_STATE_DIR at a folder (it is created if missing), or remove that file",
        )
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
        if tighten and info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != 0o700:
            folder.chmod(0o700)
    except OSError as error:
        raise UserError(
            f"cannot use the ftops state folder {folder}: {error.strerror or error}",
            hint="make it writable by you, or point FTOPS_STATE_DIR at another folder",
        ) from None
    return folder


@contextmanager
def held(
    state_dir: Path, kind: str, key: str, *, wait: float | None = None, what: str | Callable[[], str] = ""
) -> Iterator[None]:
    """Hold the lock for (`kind`, `key`), waiting up to `wait` seconds; else AlreadyRunningError.

    `what` names the work for the message ("launch 1a2b-1 (job ftjob-..)", "upload of train.jsonl"); a
    callable is asked when the wait ends, so it can name the job the holder has created by then.
    """
    folder = private_dir(state_dir / "locks")
    name = hashlib.sha256(f"{kind}\0{key}".encode()).hexdigest()[:32]
    path = folder / f"{kind}-{name}.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    except OSError as error:
        raise UserError(
            f"cannot create the lock file {path}: {error.strerror or error}",
            hint="make the ftops state folder writable by you, or point FTOPS_STATE_DIR at another folder",
        ) from None
    try:
        deadline = time.monotonic() + (lock_wait_seconds() if wait is None else wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    by = f" in process {holder}" if holder else ""
                    named = what() if callable(what) else what
                    raise AlreadyRunningError(
                        f"already running: {named or kind}{by}",
                        hint="wait for it to finish and rerun the same command (it resumes), or follow it with "
                        "`ftops jobs list`; set FTOPS_LOCK_WAIT to wait longer",
                    ) from None
                time.sleep(POLL_SECONDS)
        # The holder's pid, for the message another process shows (the file is private: 0600).
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 16, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


def verified_bytes(path: Path, sha256: str, *, limit: int) -> bytes:
    """The file's bytes, read once, if they still hash to what validation saw; else a UserError.

    The upload sends exactly these bytes, so a file changed (or replaced) between validation and upload
    is refused instead of training on data that was never checked. Non-regular files and files past
    `limit` bytes are refused before or while reading, never after reading everything.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}", hint="check the path") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UserError(
                f"{path} is not a regular file (a pipe, device or folder)",
                hint="write the data to a file first, then pass that file",
            )
        data = handle.read(limit + 1)
    if len(data) > limit or hashlib.sha256(data).hexdigest() != sha256:
        raise content_changed(path.name, sha256)
    return data
