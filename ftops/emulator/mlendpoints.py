"""Emulated AzureML endpoints: serverless endpoints (serverless fine-tunes) and managed online endpoints with
their deployments (managed-compute fine-tunes), long-running on the emulator's read-driven clock.

A mixin of `MlPlane`: it uses the plane's state (`endpoints`, `online`, `counters`) and the ML contract.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from ftops.emulator.http import Reply, Request, error


@cache
def contract() -> dict:
    """The AzureML request shapes the emulator enforces (`ml_contract.yaml`, with its sources)."""
    import yaml

    return yaml.safe_load(resources.files("ftops.emulator").joinpath("ml_contract.yaml").read_text())


class EndpointRoutes:
    """The endpoint routes of `MlPlane` (methods named after the route names in `mlplane.ROUTES`)."""

    endpoints: dict[tuple[str, str], dict]
    online: dict[tuple[str, ...], dict]
    counters: Any
    accepted: Any  # MlPlane.accepted: the 201/200 answer of a PUT

    # ---- serverless endpoints
    def _get_endpoint(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str) -> Reply:
        found = self.endpoints.get((ws, name))
        if found is None:
            return error(404, "NotFound", f"no serverless endpoint {name}")
        view = read_provisioning(found)
        if view["properties"]["provisioningState"] == "Succeeded":
            view["properties"]["inferenceEndpoint"] = {"uri": f"https://{name}.{found['location']}.models.ai.azure.com"}
        return Reply(200, view)

    def _put_endpoint(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str) -> Reply:
        rules = contract()["serverless_endpoint"]
        body = request.json or {}
        properties = body.get("properties") or {}
        if (
            set(body) - set(rules["top"])
            or set(properties) - set(rules["properties"])
            or properties.get("authMode") not in rules["authMode"]
            or not (properties.get("modelSettings") or {}).get("modelId")
        ):
            violation(f"PUT serverless endpoint {name}: body breaks the contract")
            return error(400, "UserError", "modelSettings.modelId and authMode are required")
        created = (ws, name) not in self.endpoints
        if created:
            self.counters[f"endpoint_creations:{ws}"] += 1
            self.endpoints[(ws, name)] = {
                "id": request.path,
                "name": name,
                "type": "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints",
                "location": body.get("location", ""),
                "sku": body.get("sku"),
                "properties": {**properties, "provisioningState": "Creating"},
            }
        return self.accepted(request, sub, self.endpoints[(ws, name)], created)

    # ---- managed online endpoints (for managed-compute fine-tunes)
    def _provisioned(self, key: tuple[str, ...]) -> Reply:
        found = self.online.get(key)
        if found is None:
            return error(404, "NotFound", f"no online resource {'/'.join(key[1:])}")
        return Reply(200, read_provisioning(found))

    def _put_provisioned(
        self, request: Request, violation: Any, key: tuple[str, ...], rules_name: str, what: str, enum: tuple[str, str]
    ) -> Reply:
        rules = contract()[rules_name]
        body = request.json or {}
        properties = body.get("properties") or {}
        field, allowed = enum
        if (
            set(body) - set(rules["top"])
            or set(properties) - set(rules["properties"])
            or (properties.get(field) not in rules[allowed])
        ):
            violation(f"PUT {what}: body breaks the contract")
            return error(400, "UserError", f"{what}: invalid body")
        created = key not in self.online
        if created:
            self.counters[f"{rules_name}_creations:{key[0]}"] += 1
            self.online[key] = {
                "id": request.path,
                "name": key[-1],
                "location": body.get("location", ""),
                "properties": {**properties, "provisioningState": "Creating"},
            }
        sub = request.path.split("/")[2]
        return self.accepted(request, sub, self.online[key], created)

    def _get_online(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str) -> Reply:
        return self._provisioned((ws, name))

    def _put_online(self, request: Request, violation: Any, sub: str, rg: str, ws: str, name: str) -> Reply:
        return self._put_provisioned(
            request, violation, (ws, name), "online_endpoint", f"online endpoint {name}", ("authMode", "authMode")
        )

    def _get_online_deployment(
        self, request: Request, violation: Any, sub: str, rg: str, ws: str, endpoint: str, name: str
    ) -> Reply:
        return self._provisioned((ws, endpoint, name))

    def _put_online_deployment(
        self, request: Request, violation: Any, sub: str, rg: str, ws: str, endpoint: str, name: str
    ) -> Reply:
        if (ws, endpoint) not in self.online:
            return error(404, "NotFound", f"no online endpoint {endpoint}")
        return self._put_provisioned(
            request,
            violation,
            (ws, endpoint, name),
            "online_deployment",
            f"online deployment {name}",
            ("endpointComputeType", "endpointComputeType"),
        )


def read_provisioning(found: dict) -> dict:
    """A read of a long-running resource: the second read after its create finds it Succeeded."""
    properties = found["properties"]
    if properties["provisioningState"] == "Creating":
        found["reads"] = found.get("reads", 0) + 1
        if found["reads"] >= 2:
            properties["provisioningState"] = "Succeeded"
    return {k: v for k, v in found.items() if k != "reads"}
