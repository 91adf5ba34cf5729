"""Emulated checkpoint copy (preview), and the role assignments its permission check reads.

No Microsoft spec defines the copy: the routes answer the operations of the fragment transcribed from the docs
(`spec_files/aoai-checkpoint-copy-v1-preview.fragment.json`; MicrosoftDocs/azure-ai-docs
articles/foundry/openai/includes/fine-tuning-rest.md @ 021e88f4, section "Copy a model (preview)"):

    POST {endpoint}/openai/v1/fine_tuning/jobs/{ftjob}/checkpoints/{checkpoint-name}/copy
         aoai-copy-ft-checkpoints: preview   {"destinationResourceId": ..., "region": ...}
    GET  (same path, same header): the copy's status

A copy is refused, before anything is recorded, as the docs' prerequisites say it fails: without the preview
header; for an unknown job or checkpoint; a destination that is not an existing (emulated) ARM account, or not in
the given region, or in another tenant (both accounts' `identity.tenantId`, when both have one); a destination
without any fine-tuning job; a destination with `publicNetworkAccess: Disabled`; a source account without a
user-assigned identity holding Azure AI User on the destination (the role assignments below). The error codes
are the emulator's choice (the docs show none), in the data plane's envelope. The status goes running ->
succeeded over `status_reads` GETs; then the destination's data-plane account holds the checkpoint under the
same name (`Account.copied_checkpoints`), outside every job's checkpoint list.

Role assignments (`RoleAssignments_ListForScope` and `_ListForResource`, Microsoft.Authorization 2022-04-01,
carried) come from the test hook `add_role_assignment`; with `$filter=principalId eq '...'` they are the
principal's at, above or below the scope, as the spec's parameter describes.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections import Counter
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ftops.emulator.http import Reply, Request, error

if TYPE_CHECKING:
    from ftops.emulator.armplane import ArmPlane
    from ftops.emulator.dataplane import DataPlane

ACCOUNT_ID = re.compile(
    r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.CognitiveServices/accounts/([^/]+)$", re.I
)
PRINCIPAL_FILTER = re.compile(r"^\s*principalId\s+eq\s+'([^']+)'\s*$", re.I)


@cache
def copy_rules() -> dict[str, Any]:
    """`checkpoint_copy.yaml`: the preview header, the destination role, the status clock (sources inside)."""
    import yaml

    return dict(yaml.safe_load(resources.files("ftops.emulator").joinpath("checkpoint_copy.yaml").read_text()))


class CheckpointCopyPlane:
    """Copies per (source account, job, checkpoint), and role assignments; shares the ARM plane's lock."""

    def __init__(self, dataplane: DataPlane, arm: ArmPlane) -> None:
        self.dataplane = dataplane
        self.arm = arm
        self.lock = arm.lock  # ARM first, then the data plane: the order ARM's own handlers take them in
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.copies: dict[tuple[str, str, str], dict[str, Any]] = {}
            self.role_assignments: list[dict[str, Any]] = []
            self.counters: Counter[str] = Counter()

    # ---- test hooks ----
    def add_role_assignment(self, scope: str, principal_id: str, role_definition_id: str) -> dict:
        """Grant a role (definition GUID) to a principal at a scope (an ARM id), as `az role assignment create`."""
        sub = scope.split("/")[2] if scope.lower().startswith("/subscriptions/") else "00000000"
        name = str(uuid.uuid4())
        assignment = {
            "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
            "name": name,
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "scope": scope,
                "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/"
                f"{role_definition_id}",
                "principalId": principal_id,
                "principalType": "ServicePrincipal",
            },
        }
        with self.lock:
            self.role_assignments.append(assignment)
        return assignment

    # ---- Microsoft.Authorization ----
    def role_assignments_list(self, request: Request, p: dict[str, str]) -> Reply:
        # ListForScope and ListForResource alike: the scope is the path before the provider segment.
        scope = request.path[: request.path.lower().rindex("/providers/microsoft.authorization/roleassignments")]
        wanted = request.query.get("$filter")
        principal = None
        if wanted:
            match = PRINCIPAL_FILTER.match(wanted)
            if match is None and wanted.strip() != "atScope()":
                return error(400, "InvalidFilter", f"the filter {wanted!r} is not supported here")
            principal = match.group(1) if match else None
        found = [
            copy.deepcopy(a)
            for a in self.role_assignments
            if _covers(a["properties"]["scope"], scope, below=principal is not None)
            and (principal is None or a["properties"]["principalId"] == principal)
        ]
        return Reply(200, {"value": found})

    # ---- the copy ----
    def copy_checkpoint(self, request: Request, p: dict[str, str]) -> Reply:
        key = (request.account, p.get("fine_tuning_job_id", ""), p.get("checkpoint_name", ""))
        with self.dataplane.lock:
            self.dataplane.account(request.account).counters["checkpoint_copy_requests"] += 1
            refused = self._header(request) or self._refuse(request, p)
            if refused is not None:
                return refused
            if key in self.copies:
                return error(409, "conflict", f"checkpoint {key[2]} is already being copied or was copied")
            body = request.json or {}
            self.copies[key] = {
                "status": "running",
                "checkpoint": key[2],
                "fine_tuning_job_id": key[1],
                "destinationResourceId": body["destinationResourceId"],
                "region": body["region"],
                "_reads": 0,
            }
            self.dataplane.account(request.account).counters["checkpoint_copies"] += 1
            return Reply(202, _view(self.copies[key]))

    def get_checkpoint_copy(self, request: Request, p: dict[str, str]) -> Reply:
        if refused := self._header(request):
            return refused
        key = (request.account, p.get("fine_tuning_job_id", ""), p.get("checkpoint_name", ""))
        with self.dataplane.lock:
            found = self.copies.get(key)
            if found is None:
                return error(404, "notFound", f"no copy of checkpoint {key[2]} of job {key[1]} was requested")
            if found["status"] == "running":
                found["_reads"] += 1
                if found["_reads"] >= int(copy_rules()["status_reads"]):
                    self._land(request.account, found)
            return Reply(200, _view(found))

    def _land(self, source: str, found: dict[str, Any]) -> None:
        """The copy ends: the destination account holds the checkpoint under the same name."""
        job = self.dataplane.account(source).jobs[found["fine_tuning_job_id"]]
        checkpoint = next(c for c in job.checkpoints if c["id"] == found["checkpoint"])
        destination = self._destination(found["destinationResourceId"]) or {"name": "?", "properties": {}}
        name = destination["properties"].get("customSubDomainName") or destination["name"]
        held = self.dataplane.account(name).copied_checkpoints
        held[checkpoint["id"]] = {**copy.deepcopy(checkpoint), "copied_from": source}
        found["status"] = "succeeded"

    @staticmethod
    def _header(request: Request) -> Reply | None:
        header = copy_rules()["preview_header"]
        if request.headers.get(header["name"]) != header["value"]:
            return error(
                400, "invalidRequest", f"this preview operation needs the header {header['name']}: {header['value']}"
            )
        return None

    def _destination(self, resource_id: str) -> dict | None:
        match = ACCOUNT_ID.match(resource_id or "")
        if match is None:
            return None
        return self.arm.accounts.get(tuple(part.lower() for part in match.groups()))  # type: ignore[arg-type]

    def _source(self, name: str) -> dict | None:
        for account in self.arm.accounts.values():
            if name.lower() in (account["name"].lower(), str(account["properties"].get("customSubDomainName")).lower()):
                return account
        return None

    def _refuse(self, request: Request, p: dict[str, str]) -> Reply | None:
        """The docs' prerequisites, each a refusal before anything is recorded."""
        job = self.dataplane.account(request.account).jobs.get(p.get("fine_tuning_job_id", ""))
        if job is None:
            return error(404, "notFound", f"fine-tuning job {p.get('fine_tuning_job_id')} not found")
        if not any(c["id"] == p.get("checkpoint_name") for c in job.checkpoints):
            return error(404, "notFound", f"job {job.id} has no checkpoint {p.get('checkpoint_name')}")
        body = request.json or {}
        destination = self._destination(str(body.get("destinationResourceId") or ""))
        if destination is None:
            return error(404, "notFound", f"destination {body.get('destinationResourceId')} is not an existing account")
        if str(body.get("region") or "").lower() != destination["location"].lower():
            message = f"region {body.get('region')} is not the destination's region ({destination['location']})"
            return error(400, "invalidPayload", message, param="region")
        source = self._source(request.account)
        tenants = {(a.get("identity") or {}).get("tenantId") for a in (source or {}, destination)}
        if len(tenants - {None}) > 1:
            return error(400, "invalidPayload", "the destination is in another tenant; copies stay within a tenant")
        target = destination["properties"].get("customSubDomainName") or destination["name"]
        held = self.dataplane.accounts.get(target)
        if held is None or not held.jobs:
            return error(400, "invalidPayload", f"the destination account {target} has no fine-tuning job")
        if destination["properties"].get("publicNetworkAccess") == "Disabled":
            return error(403, "forbidden", f"the destination account {target} disables public network access")
        if not self._permitted(source, destination["id"]):
            return error(
                403,
                "permissionDenied",
                "the source account has no user-assigned identity with Azure AI User on the destination",
            )
        return None

    def _permitted(self, source: dict | None, destination_id: str) -> bool:
        identities = ((source or {}).get("identity") or {}).get("userAssignedIdentities") or {}
        principals = {i.get("principalId") for i in identities.values() if isinstance(i, dict)}
        role = copy_rules()["destination_role"]["definition_id"]
        return any(
            a["properties"]["principalId"] in principals
            and a["properties"]["roleDefinitionId"].lower().endswith("/" + role)
            and _covers(a["properties"]["scope"], destination_id, below=False)
            for a in self.role_assignments
        )


def _covers(assigned: str, scope: str, *, below: bool) -> bool:
    """Whether an assignment at `assigned` applies at `scope` (at or above it; with `below`, also under it)."""
    a, s = assigned.rstrip("/").lower(), scope.rstrip("/").lower()
    return s == a or s.startswith(a + "/") or (below and a.startswith(s + "/"))


def _view(found: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if not k.startswith("_")}
