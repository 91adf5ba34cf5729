"""The eval ledger: a small SQLite file beside the launch ledger that makes evals and their runs happen once.

An eval is keyed by what makes it the same evaluation (service realm, account endpoint, the held-out
data's hash, the graders); a run by its eval key plus the target (label, deployment, the model it serves).
Each create is recorded as pending *before* the request, and the key also travels in the object's
`metadata`, so a process killed after Azure acted but before the id was written finds the object on the
rerun (listing the account's evals, or the eval's runs) instead of creating and paying for a second one.
Deployments made for an evaluation (checkpoints) are recorded too, so a rerun after a crash reuses them
and still removes them at the end.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS evals (
    key TEXT PRIMARY KEY, endpoint TEXT NOT NULL, eval_id TEXT, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY, eval_id TEXT NOT NULL, label TEXT NOT NULL, run_id TEXT, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS temporary_deployments (
    account_id TEXT NOT NULL, name TEXT NOT NULL, model TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, name)
);
"""


def default_path() -> Path:
    """evals.sqlite3 in the launch ledger's folder ($FTOPS_STATE_DIR, else the user state dir)."""
    from ftops.jobs.ledger import default_path as launch_ledger

    return launch_ledger().parent / "evals.sqlite3"


class EvalLedger:
    """Pending-then-known records of evals, runs and evaluation-only deployments; each write commits."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EvalLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- evals ----
    def eval_state(self, key: str) -> tuple[bool, str | None]:
        """(recorded at all, eval id if known): recorded without an id means a create may have happened."""
        row = self._db.execute("SELECT eval_id FROM evals WHERE key = ?", (key,)).fetchone()
        return (row is not None, row[0] if row else None)

    def begin_eval(self, key: str, endpoint: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO evals (key, endpoint, created_at) VALUES (?, ?, ?)", (key, endpoint, time.time())
        )

    def set_eval(self, key: str, eval_id: str) -> None:
        self._db.execute("UPDATE evals SET eval_id = ? WHERE key = ?", (eval_id, key))

    # ---- runs ----
    def run_state(self, key: str) -> tuple[bool, str | None]:
        row = self._db.execute("SELECT run_id FROM runs WHERE key = ?", (key,)).fetchone()
        return (row is not None, row[0] if row else None)

    def begin_run(self, key: str, eval_id: str, label: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO runs (key, eval_id, label, created_at) VALUES (?, ?, ?, ?)",
            (key, eval_id, label, time.time()),
        )

    def set_run(self, key: str, run_id: str) -> None:
        self._db.execute("UPDATE runs SET run_id = ? WHERE key = ?", (run_id, key))

    def forget_run(self, key: str) -> None:
        """A run that failed or was canceled: the next `ftops eval` starts a new one."""
        self._db.execute("DELETE FROM runs WHERE key = ?", (key,))

    # ---- deployments made for an evaluation ----
    def temporary(self, account_id: str, name: str) -> bool:
        row = self._db.execute(
            "SELECT deleted FROM temporary_deployments WHERE account_id = ? AND name = ?", (account_id, name)
        ).fetchone()
        return row is not None and not row[0]

    def add_temporary(self, account_id: str, name: str, model: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO temporary_deployments (account_id, name, model, deleted) VALUES (?, ?, ?, 0)",
            (account_id, name, model),
        )

    def removed(self, account_id: str, name: str) -> None:
        self._db.execute(
            "UPDATE temporary_deployments SET deleted = 1 WHERE account_id = ? AND name = ?", (account_id, name)
        )
