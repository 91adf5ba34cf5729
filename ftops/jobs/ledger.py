"""The launch ledger: a small SQLite database that makes every launch happen exactly once.

A launch is keyed by what makes it the same launch: the resources (service realm, subscription,
account or hub project workspace id, project, training type), the model and its version, the method,
the hyperparameters, the datasets' content hashes, and a run number for deliberate reruns. Never by
the label that named the stack, so `--stack dev` and `--outputs dev-outputs.json` are one launch.
Each step is written and committed *before* the network call that depends on it, so a process killed
at any point leaves a record a rerun can resume from: it reuses uploaded files and finds a job whose
create response was lost instead of paying twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftops.errors import UserError

if TYPE_CHECKING:
    from ftops.azure.uploads import LargeUpload

SCHEMA = """
CREATE TABLE IF NOT EXISTS launches (
    key TEXT PRIMARY KEY,
    run INTEGER NOT NULL,
    identity TEXT NOT NULL,
    stack TEXT NOT NULL,
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    location TEXT NOT NULL,
    endpoint TEXT,
    resource_id TEXT NOT NULL,
    model TEXT NOT NULL,
    method TEXT NOT NULL,
    params TEXT NOT NULL,
    train_sha256 TEXT NOT NULL,
    validation_sha256 TEXT,
    suffix TEXT NOT NULL,
    state TEXT NOT NULL,
    train_file_id TEXT,
    validation_file_id TEXT,
    job_id TEXT,
    job_status TEXT,
    fine_tuned_model TEXT,
    deployment TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    workspace TEXT,
    realm TEXT
);
CREATE INDEX IF NOT EXISTS launches_identity ON launches (identity, run);
CREATE INDEX IF NOT EXISTS launches_job ON launches (job_id);
CREATE TABLE IF NOT EXISTS uploads (
    endpoint TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    purpose TEXT NOT NULL,
    file_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (endpoint, sha256, purpose)
);
CREATE TABLE IF NOT EXISTS large_uploads (
    key TEXT PRIMARY KEY,
    upload_id TEXT NOT NULL,
    part_size INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    state TEXT NOT NULL,
    parts TEXT NOT NULL
);
"""

# Additive migrations: columns a ledger written by an older ftops lacks, with how to fill them.
MIGRATIONS = (
    # Hub jobs recorded their workspace id in `endpoint`; it gets its own column, endpoint is the data plane's.
    ("workspace", "UPDATE launches SET workspace = endpoint, endpoint = NULL WHERE kind IN ('hub', 'managed')"),
    # Which service the row belongs to ("azure", or "emulator <url>"); NULL: recorded before realms existed.
    ("realm", None),
    # Lineage of a continued fine-tune (`ftops launch --from`): the job it continues and that job's fine-tuned
    # model, which the new job trains from. NULL: trained from a base model (every row before lineage existed).
    # Only here, not in SCHEMA: a new ledger gains them on first open like an old one, so there is one path.
    ("parent_job_id", None),
    ("parent_model", None),
)

# The life of a launch. Each state is committed before the step that follows it begins.
STATES = ("planned", "uploading", "uploaded", "creating", "created", "succeeded", "failed", "cancelled")


@dataclass
class Launch:
    key: str
    run: int
    identity: str
    stack: str
    target: str
    kind: str
    location: str
    endpoint: str | None
    resource_id: str
    model: str
    method: str
    params: str
    train_sha256: str
    validation_sha256: str | None
    suffix: str
    state: str
    train_file_id: str | None = None
    validation_file_id: str | None = None
    job_id: str | None = None
    job_status: str | None = None
    fine_tuned_model: str | None = None
    deployment: str | None = None
    error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    workspace: str | None = None  # hub project workspace id (hub and managed launches)
    realm: str | None = None  # "azure", or "emulator <url>"
    parent_job_id: str | None = None  # the job this launch continues (`ftops launch --from`)
    parent_model: str | None = None  # that job's fine-tuned model: the `model` this launch's job trains from

    @property
    def hyperparameters(self) -> dict[str, Any]:
        return json.loads(self.params)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["params"] = self.hyperparameters
        return data


def launch_identity(
    *,
    realm: str,
    target: str,
    model: str,
    method: str,
    params: dict[str, Any],
    train_sha256: str,
    validation_sha256: str | None,
    parent: str | None = None,
) -> str:
    """The identity of a launch from its resources and content: same inputs, same identity.

    `target` is the resource key (kind, account or workspace ARM id, which holds the subscription,
    project, training type); `model` names the version (gpt-4.1-mini@2025-04-14). `parent` is the
    fine-tuned model a continued fine-tune trains from: continuing is another launch than training the
    base with the same data. Left out of the digest when None, so launches from a base keep their identity.
    """
    content = {
        "realm": realm,
        "target": target,
        "model": model,
        "method": method,
        "params": params,
        "train": train_sha256,
        "validation": validation_sha256,
    }
    if parent is not None:
        content["parent"] = parent
    return _digest(content)


def legacy_identity(
    *,
    stack: str,
    target: str,
    model: str,
    method: str,
    params: dict[str, Any],
    train_sha256: str,
    validation_sha256: str | None,
) -> str:
    """The identity older ftops recorded (keyed by the stack label): used to find those rows again."""
    return _digest(
        {
            "stack": stack,
            "target": target,
            "model": model,
            "method": method,
            "params": params,
            "train": train_sha256,
            "validation": validation_sha256,
        }
    )


def _digest(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def default_path() -> Path:
    """$FTOPS_STATE_DIR/ledger.sqlite3, else the platform's user state dir."""
    if folder := os.environ.get("FTOPS_STATE_DIR"):
        return Path(folder) / "ledger.sqlite3"
    from platformdirs import user_state_path

    return user_state_path("ftops") / "ledger.sqlite3"


def _create_atomically(path: Path) -> None:
    """Create the ledger beside its final name, with its schema, then link it into place.

    A ledger file therefore never exists without its tables: a reader (another ftops, a test polling for
    the file) sees no file or a complete one. If another process wins the race, its file is kept.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        os.close(os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))  # private from birth
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # stored in the file: every later connection uses WAL
            db.executescript(SCHEMA)
        finally:
            db.close()
        with contextlib.suppress(FileExistsError):  # another process created it first: keep theirs
            os.link(temporary, path)  # fails if the name exists: never replaces a ledger in use
    finally:
        for leftover in (
            temporary,
            temporary.with_name(temporary.name + "-wal"),
            temporary.with_name(temporary.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)


class LedgerError(UserError):
    """The ledger file cannot be used (corrupt, locked, read-only, disk full): one line naming it and the fix."""

    kind = "ledger_error"


def ledger_error(path: Path, error: BaseException) -> LedgerError:
    """A SQLite or OS error on the ledger as the ftops error a user can act on."""
    text = str(error).lower()
    if isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return LedgerError(
            f"the ftops ledger {path} is corrupt ({text[:80]})",
            hint=f"move it aside (mv {path} {path}.bad) and rerun: uploads and jobs are found again on the service",
        )
    if "locked" in text or "busy" in text:
        return LedgerError(
            f"the ftops ledger {path} is locked by another process",
            hint="wait for the other ftops command to finish and rerun",
        )
    if "full" in text or getattr(error, "errno", None) == 28:
        return LedgerError(f"no space left for the ftops ledger {path}", hint="free disk space and rerun")
    if "readonly" in text or "read-only" in text or "unable to open" in text or isinstance(error, PermissionError):
        return LedgerError(
            f"cannot write the ftops ledger {path}",
            hint="make it and its folder writable by you (chmod u+rw), or point FTOPS_STATE_DIR at another folder",
        )
    reason = getattr(error, "strerror", None) or str(error)
    return LedgerError(f"the ftops ledger {path} cannot be used: {reason[:120]}", hint="check the file, then rerun")


def _tighten(path: Path) -> None:
    """Ledgers written by older ftops were 0644: they hold account ids and endpoints, so make them 0600."""
    import stat

    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(0o600)


class _Guarded:
    """The connection, with every SQLite error turned into a LedgerError (never a raw sqlite3 traceback)."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._connection = db
        self._path = path

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        try:
            return self._connection.execute(sql, parameters)
        except sqlite3.Error as error:
            raise ledger_error(self._path, error) from None

    def executescript(self, sql: str) -> sqlite3.Cursor:
        try:
            return self._connection.executescript(sql)
        except sqlite3.Error as error:
            raise ledger_error(self._path, error) from None

    def close(self) -> None:
        self._connection.close()


class Ledger:
    """Durable record of launches and uploads. Every write is its own committed transaction."""

    def __init__(self, path: Path | None = None) -> None:
        from ftops.jobs.lock import private_dir

        self.path = path or default_path()
        # 0700 when ftops made it (a user-named FTOPS_STATE_DIR is left alone); a file there is a one-line error.
        private_dir(self.path.parent, tighten=path is None and not os.environ.get("FTOPS_STATE_DIR"))
        try:
            if not self.path.exists():
                _create_atomically(self.path)
            _tighten(self.path)
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (sqlite3.Error, OSError) as error:
            raise ledger_error(self.path, error) from None
        connection.row_factory = sqlite3.Row
        self._db: Any = _Guarded(connection, self.path)
        # WAL + synchronous=FULL: a committed step survives SIGKILL and power loss.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Add the columns an older ledger lacks, filling them in the same transaction."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(launches)")}
        missing = [(column, fill) for column, fill in MIGRATIONS if column not in have]
        if not missing:
            return
        with self._transaction() as db:
            have = {row[1] for row in db.execute("PRAGMA table_info(launches)")}  # another process may have won
            for column, fill in missing:
                if column in have:
                    continue
                db.execute(f"ALTER TABLE launches ADD COLUMN {column} TEXT")
                if fill:
                    db.execute(fill)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ---- launches
    def latest(self, identity: str) -> Launch | None:
        row = self._db.execute(
            "SELECT * FROM launches WHERE identity = ? ORDER BY run DESC LIMIT 1", (identity,)
        ).fetchone()
        return Launch(**dict(row)) if row else None

    def start(self, launch: Launch, *, new_run: bool) -> Launch:
        """Record a launch, or return the existing one for the same identity (unless new_run)."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT * FROM launches WHERE identity = ? ORDER BY run DESC LIMIT 1", (launch.identity,)
            ).fetchone()
            if row and not new_run:
                return Launch(**dict(row))
            launch.run = (row["run"] + 1) if row else 1
            launch.key = f"{launch.identity[:16]}-{launch.run}"
            launch.created_at = launch.updated_at = time.time()
            columns = [f.name for f in fields(Launch)]
            db.execute(
                f"INSERT INTO launches ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [getattr(launch, c) for c in columns],
            )
        return launch

    def adopt(self, old_identities: list[str], identity: str) -> Launch | None:
        """Rows recorded under an older identity (before realms) take the new one; the latest is returned."""
        marks = ", ".join("?" for _ in old_identities)
        with self._transaction() as db:
            db.execute(
                f"UPDATE launches SET identity = ? WHERE identity IN ({marks}) AND realm IS NULL",
                [identity, *old_identities],
            )
        return self.latest(identity)

    def forget_deployment(self, endpoint: str, name: str) -> None:
        """A deployment was deleted: launches on that endpoint no longer name it."""
        with self._transaction() as db:
            db.execute(
                "UPDATE launches SET deployment = NULL, updated_at = ? WHERE deployment = ? AND endpoint = ?",
                (time.time(), name, endpoint),
            )

    def discard(self, key: str) -> None:
        """Forget a launch that never sent anything (refused before any upload): no ghost rows."""
        with self._transaction() as db:
            db.execute("DELETE FROM launches WHERE key = ? AND state = 'planned' AND job_id IS NULL", (key,))

    def update(self, key: str, **changes: Any) -> Launch:
        if "state" in changes and changes["state"] not in STATES:
            raise ValueError(f"unknown launch state {changes['state']!r}")
        changes["updated_at"] = time.time()
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._transaction() as db:
            db.execute(f"UPDATE launches SET {assignments} WHERE key = ?", [*changes.values(), key])
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key: str) -> Launch | None:
        row = self._db.execute("SELECT * FROM launches WHERE key = ?", (key,)).fetchone()
        return Launch(**dict(row)) if row else None

    def by_job(self, job_id: str) -> Launch | None:
        row = self._db.execute("SELECT * FROM launches WHERE job_id = ?", (job_id,)).fetchone()
        return Launch(**dict(row)) if row else None

    def by_fine_tuned_model(self, model: str) -> Launch | None:
        """The launch whose job produced this fine-tuned model (recorded when the job was followed to its end)."""
        row = self._db.execute(
            "SELECT * FROM launches WHERE fine_tuned_model = ? ORDER BY created_at DESC LIMIT 1", (model,)
        ).fetchone()
        return Launch(**dict(row)) if row else None

    def find(self, ref: str) -> Launch | None:
        """A launch by job id, full key, or unique key prefix."""
        found = self.by_job(ref) or self.get(ref)
        if found:
            return found
        rows = self._db.execute("SELECT * FROM launches WHERE key LIKE ?", (f"{ref}%",)).fetchall()
        return Launch(**dict(rows[0])) if len(rows) == 1 else None

    def claimed_job_ids(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT job_id FROM launches WHERE job_id IS NOT NULL")}

    def all(self, stack: str | None = None, *, stacks: tuple[str, ...] = (), realm: str | None = None) -> list[Launch]:
        """Launches, newest first; of these stack names, and of this realm (rows from before realms always)."""
        names = tuple(filter(None, (stack, *stacks)))
        clauses, values = [], list(names)
        if names:
            clauses.append(f"stack IN ({', '.join('?' for _ in names)})")
        if realm is not None:
            clauses.append("(realm = ? OR realm IS NULL)")
            values.append(realm)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [
            Launch(**dict(r))
            for r in self._db.execute(f"SELECT * FROM launches{where} ORDER BY created_at DESC", values)
        ]

    # ---- uploads (content-addressed, shared by launches on the same endpoint)
    def upload_for(self, endpoint: str, sha256: str, purpose: str = "fine-tune") -> str | None:
        row = self._db.execute(
            "SELECT file_id FROM uploads WHERE endpoint = ? AND sha256 = ? AND purpose = ?", (endpoint, sha256, purpose)
        ).fetchone()
        return row[0] if row else None

    def record_upload(
        self, endpoint: str, sha256: str, file_id: str, filename: str, purpose: str = "fine-tune"
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?, ?)",
                (endpoint, sha256, purpose, file_id, filename, time.time()),
            )

    def forget_upload(self, endpoint: str, sha256: str, purpose: str = "fine-tune") -> None:
        """Drop a cached upload the service no longer has (deleted or failed processing)."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM uploads WHERE endpoint = ? AND sha256 = ? AND purpose = ?", (endpoint, sha256, purpose)
            )

    # ---- Uploads API in flight (ftops.azure.uploads.PartStore): parts sent are never sent again
    def large_upload(self, key: str) -> LargeUpload | None:
        from ftops.azure.uploads import LargeUpload

        row = self._db.execute("SELECT * FROM large_uploads WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        parts = {int(k): v for k, v in json.loads(row["parts"]).items()}
        return LargeUpload(row["upload_id"], row["part_size"], row["expires_at"], row["state"], parts)

    def begin_large_upload(self, key: str, upload_id: str, part_size: int, expires_at: float) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO large_uploads VALUES (?, ?, ?, ?, 'parts', '{}')",
                (key, upload_id, part_size, expires_at),
            )

    def record_part(self, key: str, upload_id: str, index: int, part_id: str) -> None:
        with self._transaction() as db:
            row = db.execute("SELECT parts FROM large_uploads WHERE key = ? AND upload_id = ?", (key, upload_id))
            found = row.fetchone()
            parts = {**json.loads(found[0] if found else "{}"), str(index): part_id}
            db.execute(
                "UPDATE large_uploads SET parts = ? WHERE key = ? AND upload_id = ?",
                (json.dumps(parts), key, upload_id),
            )

    def mark_large_upload(self, key: str, state: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE large_uploads SET state = ? WHERE key = ?", (state, key))

    def end_large_upload(self, key: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM large_uploads WHERE key = ?", (key,))
