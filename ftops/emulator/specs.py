"""Check requests and responses against the official Azure REST specs (Swagger 2.0 / OpenAPI 3.0).

The spec files are the copies in ``spec_files/`` (its README gives their provenance), or ``$FTOPS_SPECS_DIR``.
Each file's schemas are turned into JSON Schema once and checked with `jsonschema`, following the spec's own rules:
- in requests, enums marked ``x-ms-enum.modelAsString`` are open (clients must accept new values); in
  responses every enum is closed (the emulator must only send values the spec lists);
- ``x-nullable`` / ``nullable`` allow null;
- ``$ref``s to files that are not saved here (ARM ``common-types``) are not checked; ARM error bodies are
  checked against the common error envelope below instead;
- long-running operations' headers (`check_headers`): monitors named, absolute, on the emulator, served.
Several versions of one API are kept; `find` picks the operation of the request's api-version, and
`Operation.api` + `operation_id` key the emulator's handlers (`ftops.emulator.routes`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

# (file, path prefix the service puts before the spec's paths)
SPEC_FILES: tuple[tuple[str, str], ...] = (
    ("aoai-authoring-2025-04-01-preview.json", "/openai"),
    ("aoai-authoring-2024-10-21.json", "/openai"),
    ("arm-cognitiveservices-2026-09-01.json", ""),
    ("arm-machinelearningservices-2025-12-01-machineLearningServices.json", ""),
    ("arm-quota-2025-07-15-quota.json", ""),
    ("arm-authorization-2022-04-01-RoleAssignmentsCalls.json", ""),
    # No Microsoft spec defines the checkpoint copy (preview): a fragment transcribed from the docs (SOURCES.md).
    ("aoai-checkpoint-copy-v1-preview.fragment.json", "/openai"),
)
# The API each file describes: handlers are keyed by (api, operationId), whatever the version.
API_OF_FILE = {
    "aoai-authoring-2025-04-01-preview.json": "openai",
    "aoai-authoring-2024-10-21.json": "openai",
    "arm-cognitiveservices-2026-09-01.json": "cognitiveservices",
    "arm-machinelearningservices-2025-12-01-machineLearningServices.json": "machinelearningservices",
    "arm-quota-2025-07-15-quota.json": "quota",
    "arm-authorization-2022-04-01-RoleAssignmentsCalls.json": "authorization",
    "aoai-checkpoint-copy-v1-preview.fragment.json": "openai",
}
# api-versions Microsoft's SDKs send by default that no carried spec defines, answered with the carried spec
# whose shapes they share: azure-mgmt-cognitiveservices 14.x and azure-mgmt-quota 3.x default to 2025-09-01.
COMPATIBLE_VERSIONS = {
    ("cognitiveservices", "2025-09-01"): "2026-09-01",
    ("quota", "2025-09-01"): "2025-07-15",
}
# The `/openai/v1/...` surface takes no api-version; it is answered with the newest carried data-plane spec.
V1_VERSION = "2025-04-01-preview"
# Monitor paths of ARM's asynchronous operations: served by the emulator, defined by no saved spec.
MONITOR_SEGMENTS = ("operationresults", "operationstatuses", "operationsstatus", "mfeoperationsstatus")
LRO_HEADERS = ("location", "azure-asyncoperation", "operation-location")
SPECS_ENV = "FTOPS_SPECS_DIR"
# Enum values Microsoft's docs use that the carried specs predate (by x-ms-enum name): reinforcement fine-tuning
# (docs: articles/foundry/openai/how-to/reinforcement-fine-tuning.md, `"method": {"type": "reinforcement"}`).
DOCUMENTED_ENUM_VALUES: dict[str, tuple[str, ...]] = {"FineTuningMethodType": ("reinforcement",)}

# The ARM common error envelope (common-types v3 ErrorResponse), which the saved specs reference but do not hold.
ARM_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "array"}},
        }
    },
}


class SpecsNotFound(RuntimeError):
    pass


CARRIED_SPECS = Path(__file__).resolve().parent / "spec_files"


def specs_dir() -> Path:
    """Where the spec files are: $FTOPS_SPECS_DIR, else the copies this package carries (spec_files/)."""
    if env := os.environ.get(SPECS_ENV):
        return Path(env)
    return CARRIED_SPECS


@dataclass
class Operation:
    spec: str
    version: str
    method: str
    template: str
    operation_id: str
    pattern: re.Pattern[str]
    pointer: str  # JSON pointer to the operation in the converted document
    query: dict[str, dict] = field(default_factory=dict)  # resolvable query parameters
    body_pointer: str | None = None
    body_content: str | None = None  # application/json or multipart/form-data
    body_required: bool = False
    responses: dict[str, str | None] = field(default_factory=dict)  # status -> schema pointer (None: no body)
    arm: bool = False
    literal_length: int = 0
    api: str = ""
    lro: bool = False
    final_state_via: str | None = None
    param_names: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.operation_id} ({self.method} {self.template}, {self.spec})"

    def accepts_version(self, version: str | None) -> bool:
        return version == self.version or COMPATIBLE_VERSIONS.get((self.api, version or "")) == self.version

    def params(self, path: str) -> dict[str, str]:
        """The path parameters of a matching path, by the spec's names with '-' as '_' (e.g. file_id)."""
        match = self.pattern.match(path)
        if match is None:
            return {}
        return {name.replace("-", "_"): value for name, value in zip(self.param_names, match.groups(), strict=True)}


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _convert(node: Any, *, open_enums: bool = True) -> Any:
    """Swagger/OpenAPI schema dialect -> JSON Schema 2020-12, recursively over a whole document.

    `open_enums`: drop enums marked `modelAsString` (clients must accept new values: how requests are checked).
    Responses are checked with every enum closed: the emulator must only send values the spec lists.
    """
    if isinstance(node, list):
        return [_convert(v, open_enums=open_enums) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v, open_enums=open_enums) for k, v in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        return {}  # a file not saved here: not checked
    x_ms_enum = node.get("x-ms-enum")
    if isinstance(x_ms_enum, dict) and isinstance(out.get("enum"), list):
        out["enum"] = [*out["enum"], *DOCUMENTED_ENUM_VALUES.get(x_ms_enum.get("name", ""), ())]
    modelled_as_string = isinstance(x_ms_enum, dict) and x_ms_enum.get("modelAsString", True)
    if isinstance(out.get("enum"), list) and open_enums and modelled_as_string:
        out.pop("enum")
    if out.get("type") == "file":
        out.pop("type")
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        # Swagger 2 has boolean exclusive bounds; JSON Schema 2020-12 wants the bound itself.
        if isinstance(out.get(exclusive), bool) and out.pop(exclusive) and bound in out:
            out[exclusive] = out.pop(bound)
    if out.get("discriminator") is not None and not isinstance(out.get("discriminator"), str | dict):
        out.pop("discriminator")
    if node.get("x-nullable") is True or node.get("nullable") is True:
        out.pop("x-nullable", None)
        out.pop("nullable", None)
        return {"anyOf": [out, {"type": "null"}]}
    return out


class SpecBook:
    """All operations of the saved specs, findable by method and path, with request/response checks."""

    def __init__(self, directory: Path | None = None) -> None:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        directory = directory or specs_dir()
        if not directory.is_dir():
            raise SpecsNotFound(f"spec directory {directory} not found; set {SPECS_ENV}")
        self.operations: list[Operation] = []
        registry: Registry = Registry()
        for filename, prefix in SPEC_FILES:
            raw = json.loads((directory / filename).read_text(encoding="utf-8"))
            converted = _convert(raw)
            registry = registry.with_resource(f"urn:{filename}", Resource(converted, specification=DRAFT202012))
            closed = _convert(raw, open_enums=False)
            registry = registry.with_resource(f"urn:closed:{filename}", Resource(closed, specification=DRAFT202012))
            self.operations.extend(self._operations(filename, prefix, raw))
        registry = registry.with_resource("urn:arm-error", Resource(ARM_ERROR_SCHEMA, specification=DRAFT202012))
        self.registry = registry.crawl()
        self.operations.sort(key=lambda op: -op.literal_length)
        self._validators: dict[str, Any] = {}

    def _operations(self, filename: str, prefix: str, raw: dict) -> list[Operation]:
        openapi3 = "openapi" in raw
        version = raw["info"]["version"]
        arm = not prefix
        ops = []
        for template, item in raw["paths"].items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method == "parameters":
                    continue
                regex = ""
                for part in re.split(r"(\{[^}]+\})", template):
                    if part.startswith("{"):
                        regex += "(.+)" if part == "{scope}" else "([^/]+)"
                    else:
                        regex += re.escape(part)
                pointer = f"/paths/{_escape(template)}/{method}"
                operation = Operation(
                    spec=filename,
                    version=version,
                    method=method.upper(),
                    template=prefix + template,
                    operation_id=op.get("operationId", "?"),
                    pattern=re.compile(re.escape(prefix) + regex + "$", re.IGNORECASE if arm else 0),
                    pointer=pointer,
                    arm=arm,
                    literal_length=len(re.sub(r"\{[^}]+\}", "", template)),
                    api=API_OF_FILE.get(filename, filename),
                    lro=bool(op.get("x-ms-long-running-operation")),
                    final_state_via=(op.get("x-ms-long-running-operation-options") or {}).get("final-state-via"),
                    param_names=tuple(re.findall(r"\{([^}]+)\}", template)),
                )
                params = [*shared, *op.get("parameters", [])]
                for index, param in enumerate(params):
                    resolved = self._resolve(raw, param)
                    if resolved is None:
                        continue
                    if resolved.get("in") == "query":
                        operation.query[resolved["name"]] = resolved
                    if resolved.get("in") == "body":
                        source = "parameters" if index < len(shared) else None
                        base = f"/paths/{_escape(template)}/parameters" if source else f"{pointer}/parameters"
                        i = index if source else index - len(shared)
                        operation.body_pointer = (
                            f"{base}/{i}/schema" if "$ref" not in param else _ref_pointer(param) + "/schema"
                        )
                        operation.body_content = "application/json"
                        operation.body_required = bool(resolved.get("required"))
                if openapi3 and "requestBody" in op:
                    body = op["requestBody"]
                    for content_type in ("application/json", "multipart/form-data"):
                        if content_type in body.get("content", {}):
                            operation.body_content = content_type
                            operation.body_pointer = f"{pointer}/requestBody/content/{_escape(content_type)}/schema"
                    operation.body_required = bool(body.get("required"))
                for status, response in op.get("responses", {}).items():
                    response = self._resolve(raw, response) or {}
                    if openapi3:
                        content = response.get("content", {})
                        has = "application/json" in content and "schema" in content["application/json"]
                        where = f"{pointer}/responses/{status}/content/application~1json/schema"
                    else:
                        has = "schema" in response
                        where = f"{pointer}/responses/{status}/schema"
                    operation.responses[status] = f"urn:closed:{filename}#{where}" if has else None
                ops.append(operation)
        return ops

    @staticmethod
    def _resolve(raw: dict, node: dict) -> dict | None:
        ref = node.get("$ref")
        if ref is None:
            return node
        if not ref.startswith("#/"):
            return None
        target: Any = raw
        for token in ref[2:].split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        return target

    def find(self, method: str, path: str, api_version: str | None = None) -> Operation | None:
        """The operation for METHOD /path (path without query), most specific template first; of the specs that
        define it, the one of `api_version` (else the first, and `check_request` reports the version)."""
        found = [op for op in self.operations if op.method == method.upper() and op.pattern.match(path)]
        if not found:
            return None
        best = [op for op in found if op.template == found[0].template]
        return next((op for op in best if op.accepts_version(api_version)), best[0])

    def versions(self, op: Operation) -> list[str]:
        """Every carried version of an operation (same API and operationId)."""
        return sorted({o.version for o in self.operations if (o.api, o.operation_id) == (op.api, op.operation_id)})

    def has_operation(self, api: str, operation_id: str) -> bool:
        return any(op.api == api and op.operation_id == operation_id for op in self.operations)

    def _validate(self, schema_ref: str, instance: Any) -> list[str]:
        from jsonschema import Draft202012Validator

        validator = self._validators.get(schema_ref)
        if validator is None:
            validator = Draft202012Validator({"$ref": schema_ref}, registry=self.registry)
            self._validators[schema_ref] = validator
        problems = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))[:5]:
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            problems.append(f"{where}: {error.message[:300]}")
        return problems

    def check_request(
        self, op: Operation, query: dict[str, str], body: Any, content_type: str | None, *, v1: bool = False
    ) -> list[str]:
        """Problems with a request: api-version, required query parameters, the body's shape.

        `v1`: a `/openai/v1/...` request, which takes no api-version."""
        problems = []
        if v1:
            if "api-version" in query:
                problems.append("the /openai/v1/ paths take no api-version")
        elif not op.accepts_version(query.get("api-version")):
            known = ", ".join(self.versions(op))
            problems.append(f"api-version {query.get('api-version')!r} is not one the specs define ({known})")
        for name, param in op.query.items():
            if param.get("required") and name not in query and name != "api-version" and not v1:
                problems.append(f"missing required query parameter {name!r}")
        if op.body_pointer is None:
            return problems
        if body is None:
            if op.body_required:
                problems.append("missing request body")
            return problems
        if content_type and op.body_content and op.body_content.split("/")[0] not in content_type:
            problems.append(f"content type {content_type} is not {op.body_content}")
        problems += self._validate(f"urn:{op.spec}#{op.body_pointer}", body)
        return problems

    def check_response(self, op: Operation, status: int, body: Any) -> list[str]:
        """Problems with a response: a status the spec does not list, or a body that does not match."""
        key = str(status)
        if key not in op.responses:
            if status < 400 or "default" not in op.responses:
                return [f"status {status} is not a response of {op.operation_id}"]
            key = "default"
        schema = op.responses[key]
        if op.arm and status >= 400:
            schema = "urn:arm-error"
        if schema is None or body is None:
            return [] if schema is None else ["response has no JSON body but the spec defines one"]
        return self._validate(schema, body)

    def check_headers(self, op: Operation, status: int, headers: dict[str, str], origin: str) -> list[str]:
        """Problems with a response's long-running-operation headers: an LRO's 202 (and an azure-async-operation
        LRO's 201) must name its monitor; every Location/Azure-AsyncOperation is absolute, on `origin` (the
        emulator with its `/accounts/<name>` prefix for the data plane) and names something the emulator
        serves: an operation of the specs or an ARM operation monitor."""
        lowered = {k.lower(): v for k, v in headers.items()}
        problems = []
        if op.lro and status == 202 and not any(h in lowered for h in LRO_HEADERS):
            problems.append(f"{op.operation_id} answered 202 without Location or Azure-AsyncOperation")
        async_final = op.final_state_via == "azure-async-operation"
        if op.lro and status == 201 and async_final and "azure-asyncoperation" not in lowered:
            problems.append(f"{op.operation_id} answered 201 without Azure-AsyncOperation")
        for name in LRO_HEADERS:
            url = lowered.get(name)
            if url is None:
                continue
            if not url.startswith(origin + "/"):
                problems.append(f"{name} header {url!r} is not an absolute URL under {origin}")
                continue
            path = url[len(origin) :].split("?", 1)[0]
            if path.startswith("/openai/v1/"):  # the v1 surface names the same operations
                path = "/openai/" + path[len("/openai/v1/") :]
            segments = [s.lower() for s in path.split("/")]
            if not any(m in segments for m in MONITOR_SEGMENTS) and self.find("GET", path) is None:
                problems.append(f"{name} header {url!r} names nothing the specs define")
        return problems


def _ref_pointer(param: dict) -> str:
    return param["$ref"][1:]


@cache
def spec_book() -> SpecBook:
    """The process-wide SpecBook (parsed once: the ARM spec alone is ~600 kB)."""
    return SpecBook()


def quote_path(path: str) -> str:
    return quote(path, safe="/{}")
