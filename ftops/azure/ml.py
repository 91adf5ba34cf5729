"""Azure Machine Learning for hub projects: data assets, FineTuning jobs, marketplace subscriptions, endpoints.

Workspace-scoped operations go through ARM (`{workspace id}/...`, api-version `ML_API_VERSION`); training
data goes to the workspace's default blob datastore with Entra ID (no account keys), then is registered as
a data asset the job reads by URI. Job creation is a PUT of a job *name*: repeating it is safe, which is
what makes a launch on a hub project exactly-once.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from ftops.azure.auth import BearerAuth, TokenCredential, arm_auth, default_credential
from ftops.azure.errors import AzureNotFoundError
from ftops.azure.models import MlJob, parse
from ftops.azure.names import BLOB_CONTAINER, ML_RESOURCE, STORAGE_ACCOUNT, arm_id, check, segment
from ftops.azure.poll import LroPoller
from ftops.azure.settings import ML_API_VERSION, AzureSettings, load_settings
from ftops.azure.transport import ClientBase, RetryPolicy, Transport
from ftops.errors import content_changed

STORAGE_SCOPE = "https://storage.azure.com/.default"
BLOB_API_VERSION = "2023-11-03"  # the x-ms-version of the Blob service REST API
BLOCK_BYTES = 8 * 1024 * 1024  # one Put Block; a training file of 1 GB is 128 of them


def _ws(workspace_id: str) -> str:
    """A workspace id from stack outputs, checked segment by segment before it becomes a path."""
    return arm_id(workspace_id, what="workspace id")


def _n(name: str) -> str:
    """A job, data, endpoint or subscription name as one checked, encoded path segment."""
    return segment(name, ML_RESOURCE)


class AzureML(ClientBase):
    """ARM-side client for one subscription's ML workspaces (hubs and hub projects)."""

    def __init__(
        self,
        credential: TokenCredential | None = None,
        http_client: httpx.Client | None = None,
        *,
        settings: AzureSettings | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or load_settings()
        self.credential = credential
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.transport = Transport(
            base_url=self.settings.arm_endpoint,
            auth=arm_auth(self.settings, credential),
            http_client=http_client,
            policy=self.policy,
            sleep=sleep,
            insecure_origin=self.settings.emulator,
        )

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        params = {"api-version": ML_API_VERSION, **(kwargs.pop("params", None) or {})}
        return self.transport.json(method, path, params=params, **kwargs)

    def _get_or_none(self, path: str) -> dict | None:
        try:
            return self._call("GET", path)
        except AzureNotFoundError:
            return None

    # ---- data
    def default_datastore(self, workspace_id: str) -> dict:
        """The workspace's blob datastore (account and container the data goes to)."""
        return self._call("GET", f"{_ws(workspace_id)}/datastores/workspaceblobstore")

    def upload_blob(
        self,
        account: str,
        container: str,
        path: str,
        source: Path,
        *,
        sha256: str | None = None,
        block_bytes: int = BLOCK_BYTES,
    ) -> None:
        """Upload a file as a block blob with Entra ID auth (identity-based datastore: no account keys).

        A file of up to `block_bytes` goes in one PUT; a bigger one as blocks of `block_bytes` and a block
        list, so memory stays bounded and a retry resends one block, not the whole file. Block ids are the
        block's index, so a rerun rewrites the same blocks at the same content-addressed path. With `sha256`,
        the bytes sent are hashed as they go: a file changed since validation is refused before the one PUT,
        or before the block list commits the blob (uncommitted blocks never become a blob).
        """
        import hashlib

        digest = hashlib.sha256()

        def unchanged() -> None:
            if sha256 is not None and digest.hexdigest() != sha256:
                raise content_changed(source.name, sha256)

        endpoint = self.settings.data_plane_endpoint(f"https://{check(account, STORAGE_ACCOUNT)}.blob.core.windows.net")
        credential = self.credential or default_credential(self.settings)
        blob = Transport(
            base_url=endpoint,
            auth=BearerAuth(credential, STORAGE_SCOPE),
            policy=self.policy,
            sleep=self.sleep,
            insecure_origin=self.settings.emulator,
        )
        url = f"/{segment(container, BLOB_CONTAINER)}/{quote(path)}"
        headers = {"x-ms-version": BLOB_API_VERSION, "Content-Type": "application/octet-stream"}
        try:
            with source.open("rb") as handle:
                first = handle.read(block_bytes)
                if not handle.read(1):  # fits one request
                    digest.update(first)
                    unchanged()
                    blob.request("PUT", url, content=first, headers={**headers, "x-ms-blob-type": "BlockBlob"})
                    return
                handle.seek(0)
                ids: list[str] = []
                while chunk := handle.read(block_bytes):
                    digest.update(chunk)
                    ids.append(base64.b64encode(f"{len(ids):010d}".encode()).decode())
                    params = {"comp": "block", "blockid": ids[-1]}
                    blob.request("PUT", url, params=params, content=chunk, headers=headers)
            unchanged()
            listing = "".join(f"<Latest>{block}</Latest>" for block in ids)
            body = f'<?xml version="1.0" encoding="utf-8"?><BlockList>{listing}</BlockList>'.encode()
            list_headers = {"x-ms-version": BLOB_API_VERSION, "Content-Type": "application/xml"}
            blob.request("PUT", url, params={"comp": "blocklist"}, content=body, headers=list_headers)
        finally:
            blob.close()

    def data_version(self, workspace_id: str, name: str, version: str) -> dict | None:
        """A registered data asset version, or None."""
        return self._get_or_none(f"{_ws(workspace_id)}/data/{_n(name)}/versions/{_n(version)}")

    def register_data(self, workspace_id: str, name: str, version: str, uri: str, description: str = "") -> dict:
        """Register (or re-register, unchanged) a `uri_file` data asset version pointing at a datastore path."""
        body = {"properties": {"dataType": "uri_file", "dataUri": uri, "description": description}}
        return self._call("PUT", f"{_ws(workspace_id)}/data/{_n(name)}/versions/{_n(version)}", json=body)

    # ---- jobs
    def put_job(self, workspace_id: str, name: str, properties: dict) -> MlJob:
        """Create the job `name` (or get it back unchanged if it exists: the name makes this idempotent)."""
        found = self._call("PUT", f"{_ws(workspace_id)}/jobs/{_n(name)}", json={"properties": properties})
        return parse(MlJob, found, what=f"job {name}")

    def job(self, workspace_id: str, name: str) -> MlJob | None:
        """The job `name`, or None when the workspace has none by that name."""
        found = self._get_or_none(f"{_ws(workspace_id)}/jobs/{_n(name)}")
        return None if found is None else parse(MlJob, found, what=f"job {name}")

    def jobs(self, workspace_id: str, page_size: int = 100) -> Iterator[MlJob]:
        """Every job in the workspace, newest first, across pages."""
        params = {"api-version": ML_API_VERSION, "$top": page_size}
        for item in self.transport.paged(f"{_ws(workspace_id)}/jobs", params=params):
            yield parse(MlJob, item, what=f"jobs of {workspace_id.rsplit('/', 1)[-1]}")

    def cancel_job(self, workspace_id: str, name: str) -> None:
        path = f"{_ws(workspace_id)}/jobs/{_n(name)}/cancel"
        self.transport.request("POST", path, params={"api-version": ML_API_VERSION}, idempotent=True)

    # ---- marketplace and endpoints
    def marketplace_subscription(self, workspace_id: str, name: str) -> dict | None:
        """The project's marketplace subscription `name` (see `naming.marketplace_subscription_name`), or None."""
        return self._get_or_none(f"{_ws(workspace_id)}/marketplaceSubscriptions/{_n(name)}")

    def begin_marketplace_subscription(self, workspace_id: str, name: str, model_id: str) -> LroPoller:
        """Subscribe the project to a third-party model's marketplace offer (what the stack's `pulumi up` does)."""
        path = f"{_ws(workspace_id)}/marketplaceSubscriptions/{_n(name)}"
        return self._begin_put(path, {"properties": {"modelId": model_id}}, f"marketplace subscription {name}")

    def serverless_endpoint(self, workspace_id: str, name: str) -> dict | None:
        return self._get_or_none(f"{_ws(workspace_id)}/serverlessEndpoints/{_n(name)}")

    def begin_serverless_endpoint(self, workspace_id: str, name: str, location: str, model_id: str) -> LroPoller:
        """Deploy a (fine-tuned) model as a serverless endpoint; the poller ends when it serves."""
        path = f"{_ws(workspace_id)}/serverlessEndpoints/{_n(name)}"
        body = {
            "location": location,
            "sku": {"name": "Consumption"},
            "properties": {"modelSettings": {"modelId": model_id}, "authMode": "Key"},
        }
        return self._begin_put(path, body, f"serverless endpoint {name}")

    def _begin_put(self, path: str, body: dict, what: str) -> LroPoller:
        response = self.transport.request("PUT", path, params={"api-version": ML_API_VERSION}, json=body)
        final = self.transport.url(path) + f"?api-version={ML_API_VERSION}"
        return LroPoller(self.transport, response, final_url=final, sleep=self.sleep, what=what)

    def online_endpoint(self, workspace_id: str, name: str) -> dict | None:
        return self._get_or_none(f"{_ws(workspace_id)}/onlineEndpoints/{_n(name)}")

    def begin_online_endpoint(self, workspace_id: str, name: str, location: str) -> LroPoller:
        """A managed online endpoint (Entra ID auth) to host a managed-compute fine-tune."""
        body = {"location": location, "identity": {"type": "SystemAssigned"}, "properties": {"authMode": "AADToken"}}
        return self._begin_put(f"{_ws(workspace_id)}/onlineEndpoints/{_n(name)}", body, f"online endpoint {name}")

    def begin_online_deployment(
        self, workspace_id: str, endpoint: str, name: str, location: str, model_id: str, instance_type: str
    ) -> LroPoller:
        """One deployment of the model on dedicated VMs of `instance_type` behind the endpoint."""
        body = {
            "location": location,
            "sku": {"name": "Default", "capacity": 1},
            "properties": {"endpointComputeType": "Managed", "model": model_id, "instanceType": instance_type},
        }
        path = f"{_ws(workspace_id)}/onlineEndpoints/{_n(endpoint)}/deployments/{_n(name)}"
        return self._begin_put(path, body, f"online deployment {name}")
