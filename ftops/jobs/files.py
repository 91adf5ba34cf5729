"""Fine-tuning files on a stack's accounts: list, delete, prune (`ftops files ...`), and import from a blob.

Azure keeps at most 100 fine-tuning files (1 GB) per resource, and files accumulate: every launch uploads
its datasets. `prune` deletes the files nothing needs any more:

- no launch in the ledger that has not finished needs it (a planned, uploading or creating launch reuses its
  uploads on a rerun), and
- no job on the account references it (training, validation or result file of any job the service lists).

Files are matched to launches by id (the ledger's train/validation file ids and content-addressed uploads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftops.errors import UsageError, UserError, content_changed

if TYPE_CHECKING:
    from ftops.azure.openai import OpenAIDataPlane
    from ftops.jobs.ledger import Ledger
    from ftops.stack.outputs import StackOutputs

FINISHED = frozenset({"succeeded", "failed", "cancelled"})
COLUMNS = ["account", "id", "filename", "bytes", "status", "needed by"]


@dataclass
class FileRow:
    """One file on one account, with who still needs it."""

    account: str
    endpoint: str
    id: str
    filename: str
    purpose: str
    bytes: int
    status: str
    created_at: int
    launches: list[str] = field(default_factory=list)  # unfinished ledger launches needing it
    jobs: list[str] = field(default_factory=list)  # jobs on the service referencing it

    @property
    def needed(self) -> bool:
        return bool(self.launches or self.jobs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "id": self.id,
            "filename": self.filename,
            "purpose": self.purpose,
            "bytes": self.bytes,
            "status": self.status,
            "created_at": self.created_at,
            "needed_by_launches": self.launches,
            "referenced_by_jobs": self.jobs,
        }


def accounts(outputs: StackOutputs, region: str | None = None) -> list[tuple[str, str]]:
    """(account name, data-plane endpoint) of the stack's regions, or of one region."""
    found = [(r.account_name, r.endpoint) for r in outputs.regions if region in (None, r.location)]
    if region and not found:
        names = ", ".join(r.location for r in outputs.regions) or "none"
        raise UsageError(f"the stack has no account in {region}", hint=f"regions in the stack: {names}")
    return found


def list_files(plane: OpenAIDataPlane, ledger: Ledger, *, account: str) -> list[FileRow]:
    """The account's files, newest first, each with the unfinished launches and jobs that need it."""
    needed: dict[str, list[str]] = {}
    for launch in ledger.all():
        if launch.endpoint != plane.endpoint or (launch.state in FINISHED):
            continue
        for file_id in (launch.train_file_id, launch.validation_file_id):
            if file_id:
                needed.setdefault(file_id, []).append(launch.key)
    referenced: dict[str, list[str]] = {}
    for job in plane.fine_tuning.jobs.list(max_items=1000):
        ids = [job.get("training_file"), job.get("validation_file"), *(job.get("result_files") or [])]
        for file_id in filter(None, ids):
            referenced.setdefault(str(file_id), []).append(str(job.get("id")))
    rows = [
        FileRow(
            account,
            plane.endpoint,
            str(f.get("id")),
            str(f.get("filename") or ""),
            str(f.get("purpose") or ""),
            int(f.get("bytes") or 0),
            str(f.get("status") or ""),
            int(f.get("created_at") or 0),
            needed.get(str(f.get("id")), []),
            referenced.get(str(f.get("id")), []),
        )
        for f in plane.files.list()
    ]
    return sorted(rows, key=lambda r: r.created_at, reverse=True)


def prunable(rows: list[FileRow]) -> list[FileRow]:
    return [r for r in rows if not r.needed]


def delete_file(plane: OpenAIDataPlane, ledger: Ledger, file_id: str, *, account: str, force: bool = False) -> FileRow:
    """Delete one file; refused (exit 1) while a launch or job needs it, unless `force`."""
    rows = {r.id: r for r in list_files(plane, ledger, account=account)}
    row = rows.get(file_id)
    if row is None:
        raise UserError(f"{account} has no file {file_id}", hint="`ftops files list` shows the files there are")
    if row.needed and not force:
        who = ", ".join([*(f"launch {k}" for k in row.launches), *(f"job {j}" for j in row.jobs)])
        raise UserError(f"file {file_id} is still needed by {who}", hint="pass --force to delete it anyway")
    plane.files.delete(file_id)
    return row


# ---- over a stack's accounts (what `ftops files` calls)
def stack_outputs(stack: str | None, outputs: Path | None) -> StackOutputs:
    from ftops.jobs.refs import load_stack_ref

    if not (stack or outputs):
        raise UsageError("say which stack", hint="pass --stack S or --outputs FILE")
    return load_stack_ref(stack, outputs).outputs


def cells(rows: list[FileRow]) -> list[list[Any]]:
    """Table cells in `COLUMNS` order."""
    return [
        [r.account, r.id, r.filename, f"{r.bytes:,}", r.status, ", ".join([*r.launches, *r.jobs]) or "-"] for r in rows
    ]


def stack_files(outputs: StackOutputs, region: str | None = None) -> list[FileRow]:
    from ftops.jobs.clients import data_plane
    from ftops.jobs.ledger import Ledger

    rows: list[FileRow] = []
    with Ledger() as ledger:
        for account, endpoint in accounts(outputs, region):
            with data_plane(endpoint) as plane:
                rows += list_files(plane, ledger, account=account)
    return rows


def delete_in_stack(outputs: StackOutputs, file_id: str, *, region: str | None = None, force: bool = False) -> FileRow:
    """Delete `file_id` on whichever account of the stack has it."""
    from ftops.jobs.clients import data_plane
    from ftops.jobs.ledger import Ledger

    with Ledger() as ledger:
        for account, endpoint in accounts(outputs, region):
            with data_plane(endpoint) as plane:
                if any(f.get("id") == file_id for f in plane.files.list()):
                    return delete_file(plane, ledger, file_id, account=account, force=force)
    raise UserError(f"no account of the stack has file {file_id}", hint="`ftops files list` shows the files there are")


def delete_rows(outputs: StackOutputs, rows: list[FileRow]) -> list[FileRow]:
    """Delete the files of `rows` (prune's candidates), each on its own account."""
    from ftops.jobs.clients import data_plane

    endpoints = dict(accounts(outputs))
    for row in rows:
        with data_plane(endpoints[row.account]) as plane:
            plane.files.delete(row.id)
    return rows


def import_in_stack(outputs: StackOutputs, url: str, *, filename: str, region: str | None = None) -> dict[str, Any]:
    """`/files/import` from a blob URL on the stack's one account (or the one in `region`)."""
    from ftops.azure.uploads import import_from_blob
    from ftops.jobs.clients import data_plane

    if not url.startswith("https://"):
        raise UsageError("--from-blob must be an https URL", hint="e.g. a blob SAS URL, https://<acct>.blob...")
    found = accounts(outputs, region)
    if len(found) != 1:
        raise UsageError("the stack has several accounts", hint="pass --region to choose one")
    account, endpoint = found[0]
    with data_plane(endpoint) as plane:
        made = import_from_blob(plane, url, filename=filename)
    return {"account": account, "file": made.wire()}


def upload_in_parts(
    plane: OpenAIDataPlane, ledger: Ledger, path: Path, sha256: str, *, name: str, key: str, on_step: Any
) -> str:
    """A dataset above the part threshold, through the Uploads API, resumable from the ledger (`Launcher`).

    The file is hashed again first, streamed (bounded memory): bytes changed since validation are refused."""
    import hashlib

    from ftops.azure.uploads import upload_file

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != sha256:
        raise content_changed(path.name, sha256)
    size = path.stat().st_size
    on_step("upload", f"uploading {path.name} ({size:,} bytes) in parts")
    made = upload_file(
        plane, path, filename=name, store=ledger, key=key, on_part=lambda i, n: on_step("upload", f"part {i + 1}/{n}")
    )
    return str(made["id"])


def launch_preflight(
    plane: OpenAIDataPlane, ledger: Ledger, limits: Any, launch: Any, request: Any, *, endpoint: str
) -> None:
    """The per-resource limits a launch meets, checked before its first upload (`Launcher.run` calls it).

    Files already on the service for this launch (the ledger's uploads on `endpoint`) are not counted
    again; `request.queue` (`--queue`) accepts waiting in Azure's queue behind the running jobs."""
    from ftops.capacity.limits import preflight

    new_files = new_bytes = 0
    for path, sha256 in ((request.train, launch.train_sha256), (request.validation, launch.validation_sha256)):
        if path is not None and sha256 and not ledger.upload_for(endpoint, sha256):
            new_files += 1
            new_bytes += path.stat().st_size
    preflight(
        plane,
        limits,
        account=f"account {launch.resource_id.rsplit('/', 1)[-1]}",
        stack=request.stack,
        new_files=new_files,
        new_bytes=new_bytes,
        developer=launch.target.endswith(":developer"),
        queue=bool(getattr(request, "queue", False)),
    )
