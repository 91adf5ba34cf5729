"""Stack outputs: the contract between the Pulumi program and the CLI.

The program exports exactly these keys (`infra/__main__.py`); the CLI reads them with
`pulumi stack output --json --show-secrets --stack S`, or from a file saved from that command.
The CLI never guesses a resource name: everything it targets comes from here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ftops.azure import names
from ftops.errors import OutputsError, Problem

if TYPE_CHECKING:
    from ftops.stack.schema import Environment

SCHEMA_VERSION = 2  # 2: the declared fine_tunes (placement); version 1 outputs are still read
READABLE_VERSIONS = (1, 2)

# Names that become URL segments are checked here, so a hostile or broken outputs file fails as it is read.
SubscriptionId = Annotated[str, names.validator(names.SUBSCRIPTION_ID)]
ResourceGroup = Annotated[str, names.validator(names.RESOURCE_GROUP)]
Location = Annotated[str, names.validator(names.LOCATION)]
AccountName = Annotated[str, names.validator(names.ACCOUNT)]
DeploymentName = Annotated[str, names.validator(names.DEPLOYMENT)]


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FoundryProjectOutput(_Output):
    name: str
    id: str = Field(description="ARM id of the Foundry project")
    endpoint: str = Field(description="project endpoint, https://<account>.services.ai.azure.com/api/projects/<name>")


class DeploymentOutput(_Output):
    name: DeploymentName
    model: str
    version: str
    sku: str
    capacity: int


class RegionOutput(_Output):
    location: Location
    account_name: AccountName
    account_id: str = Field(description="ARM id of the AI Services account")
    endpoint: str = Field(description="Azure OpenAI data-plane endpoint, https://<subdomain>.openai.azure.com/")
    projects: list[FoundryProjectOutput]
    deployments: list[DeploymentOutput] = Field(default_factory=list)


class HubProjectOutput(_Output):
    name: str
    id: str = Field(description="ARM id of the ML workspace of kind Project")
    location: str
    marketplace_subscriptions: list[str] = Field(default_factory=list)


class ComputeOutput(_Output):
    name: str
    id: str
    location: str
    vm_size: str
    vm_family: str


class HubOutput(_Output):
    name: str
    id: str = Field(description="ARM id of the ML workspace of kind Hub")
    location: str
    storage_account_id: str
    key_vault_id: str
    projects: list[HubProjectOutput]
    compute: ComputeOutput | None = None


class FineTuneOutput(_Output):
    """A fine-tune the stack declares, with where it trains: `launch` honours it unless told otherwise."""

    model: str
    method: str
    modality: str = "text"
    training_type: str = "standard"
    compute: str = "serverless"
    region: str | None = None


class CallerRoleOutput(_Output):
    """A data-plane role the stack assigned to the principal that ran `pulumi up` (optional, any schema
    version): ftops waits for it to propagate instead of reporting the first 401/403 as a refusal."""

    role: str
    scope: str = Field(description="ARM id the role is assigned at (an account, the resource group, ...)")


class StackOutputs(_Output):
    schema_version: int = Field(SCHEMA_VERSION, description="bumped on incompatible changes")
    environment: str
    subscription_id: SubscriptionId
    resource_group: ResourceGroup
    location: Location
    network_mode: str
    regions: list[RegionOutput] = Field(default_factory=list)
    hub: HubOutput | None = None
    fine_tunes: list[FineTuneOutput] = Field(default_factory=list, description="since schema version 2")
    caller_roles: list[CallerRoleOutput] = Field(default_factory=list, description="optional; ftops.jobs.propagation")

    def region(self, location: str) -> RegionOutput | None:
        return next((r for r in self.regions if r.location == location), None)


def parse_outputs(data: Any, *, source: str) -> StackOutputs:
    """Validate raw outputs (a dict from JSON) against the contract."""
    if not isinstance(data, dict):
        raise OutputsError(f"{source}: stack outputs must be a JSON object", hint="re-run `pulumi up` on the stack")
    version = data.get("schema_version")
    if version is not None and version not in READABLE_VERSIONS:
        raise OutputsError(
            f"{source}: outputs schema version {version}, this ftops reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}",
            hint="run `pulumi up` with this version of the program, or use the matching ftops",
        )
    try:
        return StackOutputs.model_validate(data)
    except ValidationError as exc:
        from ftops.stack.schema import format_path

        problems = [Problem(format_path(tuple(e["loc"])), e["msg"]) for e in exc.errors(include_url=False)]
        raise OutputsError(
            f"{source}: stack outputs do not match what ftops expects",
            hint="run `pulumi up` so the stack exports the current outputs",
            problems=problems,
        ) from None


def declared_fine_tunes(environment: Environment) -> list[dict[str, Any]]:
    """The `fine_tunes` output (schema version 2): what the program exports and `ftops plan` shows."""
    return [FineTuneOutput(**spec.model_dump()).model_dump() for spec in environment.fine_tunes]


OUTPUTS_MAX_BYTES = 16 * 1024 * 1024  # a stack's outputs are a few KB; this bounds a wrong path's (or pulumi's) cost
OUTPUTS_MAX_DEPTH = 32  # the contract nests 5 levels; deeper input is refused before any recursive walk


def read_outputs_file(path: Path) -> StackOutputs:
    from ftops.data.reader import open_regular
    from ftops.errors import UsageError

    try:
        handle, _ = open_regular(path, "outputs")  # never a FIFO, a device or a folder
    except UsageError as refused:
        if "not found" in refused.message:
            raise OutputsError(
                f"outputs file {path} not found",
                hint="save one with `pulumi stack output --json --show-secrets > outputs.json`",
            ) from None
        message = refused.message.replace("a JSONL file", "an outputs file")
        raise OutputsError(message, hint="pass the file saved from `pulumi stack output --json`") from None
    with handle:
        raw = handle.read(OUTPUTS_MAX_BYTES + 1)
    return parse_outputs(decode_outputs(raw, str(path)), source=str(path))


def decode_outputs(raw: bytes, source: str) -> Any:
    """JSON outputs from a file or pulumi's stdout, refused in one line when they cannot be the contract.

    UTF-8 (with or without a BOM) and UTF-16 with its BOM (what PowerShell's `>` writes) are read;
    anything else, NaN, integers past 64 bits, duplicate keys and nesting past OUTPUTS_MAX_DEPTH are refused.
    """
    fix = "save the outputs again with `pulumi stack output --json --show-secrets > outputs.json`"
    if len(raw) > OUTPUTS_MAX_BYTES:
        raise OutputsError(f"{source} is over {OUTPUTS_MAX_BYTES // 2**20} MB; stack outputs are a few KB", hint=fix)
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = raw.decode("utf-16")
        else:
            text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OutputsError(f"{source} is not UTF-8 text (byte {exc.start:,})", hint=fix) from None

    from ftops.strict_json import StrictJsonError, loads

    try:
        return loads(text, max_depth=OUTPUTS_MAX_DEPTH)
    except StrictJsonError as exc:
        if exc.rule == "depth":
            raise OutputsError(f"{source} is nested too deeply to be stack outputs", hint=fix) from None
        if exc.rule == "syntax":
            raise OutputsError(f"{source} is not JSON: {exc.message}", hint=fix) from None
        raise OutputsError(f"{source} is not stack outputs: {exc.message[:120]}", hint=fix) from None


def pulumi_executable() -> str:
    """The `pulumi` binary: $FTOPS_PULUMI, else the first on PATH."""
    found = os.environ.get("FTOPS_PULUMI") or shutil.which("pulumi")
    if not found:
        raise OutputsError(
            "the pulumi CLI is not installed, so stack outputs cannot be read",
            hint="install Pulumi (https://www.pulumi.com/docs/install/) or pass --outputs FILE",
        )
    return found


def read_stack_outputs(stack: str, *, cwd: Path | None = None) -> StackOutputs:
    """Outputs of a deployed stack, through `pulumi stack output --json --show-secrets`."""
    from ftops.stack.schema import project_dir

    command = [pulumi_executable(), "stack", "output", "--json", "--show-secrets", "--stack", stack]
    try:
        # Bytes, not text: pulumi (or whatever FTOPS_PULUMI names) may print anything, even binary.
        done = subprocess.run(command, cwd=cwd or project_dir(), capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OutputsError(
            f"could not run pulumi: {type(exc).__name__}", hint="check the pulumi CLI, or pass --outputs FILE"
        ) from None
    if done.returncode != 0:
        from ftops.azure.sanitize import clean_text

        said = (done.stderr or done.stdout)[-65536:].decode("utf-8", "replace").strip().splitlines()
        reason = clean_text(said[-1]) if said else "no reason given"  # bounded, no escapes or secrets
        raise OutputsError(
            f"pulumi could not read the outputs of stack '{stack}': {reason}",
            hint="check `pulumi login` and `pulumi stack ls`; was `pulumi up` run on this stack?",
        )
    data = decode_outputs(done.stdout or b"{}", f"the output of `pulumi stack output` for stack '{stack}'")
    if not data:
        raise OutputsError(f"stack '{stack}' has no outputs", hint="run `pulumi up` on it first")
    return parse_outputs(data, source=f"stack {stack}")


def load_outputs(stack: str | None, outputs_file: Path | None) -> StackOutputs:
    """The CLI's one way to get outputs: a file when given, else the named stack."""
    if outputs_file is not None:
        return read_outputs_file(outputs_file)
    if stack:
        return read_stack_outputs(stack)
    from ftops.errors import UsageError

    raise UsageError("no stack given", hint="pass --stack NAME or --outputs FILE")  # a missing flag: exit 2
