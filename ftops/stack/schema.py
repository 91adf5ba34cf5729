"""The environment schema: one pydantic model of a fine-tuning environment.

A stack file (`stacks/Pulumi.<stack>.yaml`) holds it under the config key `ftops:environment`.
The Pulumi program and the CLI both read a stack through `parse_environment`, so a typo fails
the same way in `pulumi preview` and in `ftops check`, with the same message.
Structural rules live here; rules that need the catalog live in `ftops.stack.rules`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ftops.catalog import Method, Modality, TrainingType
from ftops.errors import ConfigError, Problem
from ftops.stack.roles import ROLES

CONFIG_KEY = "ftops:environment"

NetworkMode = Literal["public", "private"]
ManagedNetwork = Literal["allow_internet_outbound", "allow_only_approved_outbound"]
DeploymentSku = Literal["Standard", "GlobalStandard", "DataZoneStandard", "Developer"]
PrincipalType = Literal["User", "Group", "ServicePrincipal"]
Compute = Literal["serverless", "managed"]

# Short lowercase names: Azure resource names are derived from them by `ftops.stack.naming`.
ShortName = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$", description="lowercase letters, digits and '-', 2-32 chars"),
]
Region = Annotated[str, Field(description="Azure location id, e.g. swedencentral")]
Uuid = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="an Entra ID object id (GUID)",
    ),
]
# Placeholder ids (all zeros but a few trailing digits, e.g. ...0000a1) would become role assignments to nobody.
PLACEHOLDER_ID = re.compile(r"^0{8}-0{4}-0{4}-0{4}-0{6}[0-9a-fA-F]{0,6}$")


def is_placeholder_id(value: str) -> bool:
    """True for the zero-pattern GUIDs examples use in place of a real object id."""
    return bool(PLACEHOLDER_ID.match(value))


class Spec(BaseModel):
    """Base of every config section: desired state, so frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ResourceGroupSpec(Spec):
    location: Region = Field(description="where the resource group and region-less resources live")
    name: str | None = Field(None, pattern=r"^[-\w._()]{1,89}[-\w_()]$", description="defaults to rg-<name>")
    create: bool = Field(True, description="false to use an existing resource group of that name")


class NetworkSpec(Spec):
    mode: NetworkMode = Field(
        "public",
        description="public: endpoints reachable from the internet, identity auth only; "
        "private: private endpoints and private DNS zones, public network access disabled",
    )
    address_space: str = Field(
        "10.40.0.0/16",
        pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$",
        description="virtual network address space when mode is private",
    )

    @field_validator("address_space")
    @classmethod
    def _network_address(cls, value: str) -> str:
        import ipaddress

        # Azure refuses prefixes with host bits set, and the endpoint subnet needs room (/28 at least).
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(
                f"invalid address space {value!r} ({exc}); use a network address, e.g. 10.40.0.0/16"
            ) from None
        if not 8 <= network.prefixlen <= 28:
            raise ValueError(f"address space {value!r} must be between /8 and /28, e.g. 10.40.0.0/16")
        return value


class HubProjectSpec(Spec):
    name: ShortName
    display_name: str | None = Field(None, description="shown in the Foundry portal")
    description: str | None = None
    marketplace_subscriptions: list[str] = Field(
        default_factory=list,
        description="third-party models (catalog names) to subscribe this project to in Azure Marketplace",
    )


class OutboundRuleSpec(Spec):
    name: ShortName
    fqdn: str = Field(
        pattern=r"^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$",
        description="destination host, e.g. pypi.org or *.pythonhosted.org",
    )


class HubSpec(Spec):
    location: Region | None = Field(None, description="defaults to the resource group's location")
    projects: list[HubProjectSpec] = Field(default_factory=list, description="ML workspaces of kind Project")
    managed_network: ManagedNetwork | None = Field(
        None,
        description="hub managed network isolation; defaults to allow_only_approved_outbound when "
        "network.mode is private, else allow_internet_outbound",
    )
    outbound_rules: list[OutboundRuleSpec] = Field(
        default_factory=list,
        description="user-defined FQDN outbound rules of an allow_only_approved_outbound managed network "
        "(e.g. the package indexes managed compute installs from)",
    )
    provision_network_now: bool | None = Field(
        None,
        description="build the managed network with the hub rather than with its first compute (which then "
        "waits about 30 minutes); defaults to true for allow_only_approved_outbound",
    )


class DeploymentSpec(Spec):
    name: ShortName
    model: str = Field(description="model name, e.g. gpt-4.1-mini")
    version: str | None = Field(None, description="defaults to the catalog's version of the model")
    sku: DeploymentSku = Field("GlobalStandard", description="deployment type; decides which quota it uses")
    capacity: int = Field(10, ge=1, le=10000, description="thousands of tokens per minute")


class FoundryProjectSpec(Spec):
    name: ShortName
    display_name: str | None = None
    description: str | None = None


def _default_projects() -> list[FoundryProjectSpec]:
    return [FoundryProjectSpec(name="fine-tuning")]


class RegionSpec(Spec):
    """One AI Services (Foundry) account in one region, with its projects and base-model deployments."""

    location: Region
    projects: list[FoundryProjectSpec] = Field(
        default_factory=_default_projects, min_length=1, description="Foundry projects; defaults to one, fine-tuning"
    )
    deployments: list[DeploymentSpec] = Field(
        default_factory=list, description="base-model deployments, created one after another"
    )


class FineTuneSpec(Spec):
    """A fine-tune this environment is meant for; checked against the catalog."""

    model: str = Field(description="catalog model name, e.g. gpt-4.1-mini (`ftops models`)")
    method: Method = Field("sft", description="sft (supervised), dpo (preference) or rft (reinforcement)")
    modality: Modality = Field("text", description="vision for image + text fine-tuning")
    training_type: TrainingType = Field(
        "standard", description="standard: in the region; global: in Azure's global capacity (cheaper, no residency)"
    )
    compute: Compute = Field("serverless", description="managed: on the stack's own VMs (managed_compute)")
    region: Region | None = Field(None, description="where it trains; defaults to any declared region that can")


class ManagedComputeSpec(Spec):
    location: Region | None = Field(None, description="defaults to the hub's location")
    vm_size: str = Field(pattern=r"^Standard_[A-Za-z0-9_]+$", description="e.g. Standard_NC24ads_A100_v4")
    training_vcpus: int = Field(ge=0, description="vCPUs of quota needed for training")
    inference_vcpus: int = Field(0, ge=0, description="vCPUs of quota needed for hosting the result")
    min_nodes: int = Field(0, ge=0, description="0 scales the cluster to zero when idle")
    max_nodes: int = Field(1, ge=1, le=100, description="upper bound of the training cluster")
    idle_seconds_before_scale_down: int = Field(1800, ge=60, description="idle time before nodes are released")


class AccessGrant(Spec):
    principal_id: Uuid
    principal_type: PrincipalType = Field("User", description="what kind of principal the id is")
    roles: list[str] = Field(min_length=1, description="built-in role names, from the table below")

    @field_validator("principal_id")
    @classmethod
    def _real_principal(cls, principal_id: str) -> str:
        if is_placeholder_id(principal_id):
            raise ValueError(
                f"{principal_id} is a placeholder, not an object id; use the real one "
                "(az ad group show --group NAME --query id -o tsv) or leave this grant out"
            )
        return principal_id

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; valid roles: {', '.join(ROLES)}")
        return roles


class Environment(Spec):
    """A whole fine-tuning environment: what `pulumi up` creates and what `ftops` may train on."""

    name: ShortName = Field(description="base of every resource name")
    resource_group: ResourceGroupSpec = Field(description="the resource group everything is created in")
    tags: dict[str, str] = Field(default_factory=dict, description="tags put on every resource that takes tags")
    network: NetworkSpec = Field(default_factory=NetworkSpec, description="public or private networking")
    hub: HubSpec | None = Field(None, description="a Foundry hub (ML workspace kind Hub) with hub projects")
    regions: list[RegionSpec] = Field(
        default_factory=list, description="one AI Services (Foundry) account per region, for OpenAI fine-tuning"
    )
    fine_tunes: list[FineTuneSpec] = Field(
        default_factory=list, description="the fine-tunes this environment is for; checked against the catalog"
    )
    managed_compute: ManagedComputeSpec | None = Field(
        None, description="VM quota and a training cluster in the hub, for managed-compute fine-tuning"
    )
    access: list[AccessGrant] = Field(default_factory=list, description="role assignments for people and groups")

    @property
    def location(self) -> str:
        return self.resource_group.location

    @property
    def resource_group_name(self) -> str:
        return self.resource_group.name or f"rg-{self.name}"

    @property
    def hub_location(self) -> str | None:
        return None if self.hub is None else (self.hub.location or self.location)

    @property
    def hub_managed_network(self) -> ManagedNetwork | None:
        if self.hub is None:
            return None
        if self.hub.managed_network:
            return self.hub.managed_network
        return "allow_only_approved_outbound" if self.network.mode == "private" else "allow_internet_outbound"

    @property
    def hub_provision_network_now(self) -> bool | None:
        """Whether the hub's managed network is built with the hub (None: Azure's default, on first compute)."""
        if self.hub is None:
            return None
        if self.hub.provision_network_now is not None:
            return self.hub.provision_network_now
        return True if self.hub_managed_network == "allow_only_approved_outbound" else None

    def region(self, location: str) -> RegionSpec | None:
        return next((r for r in self.regions if r.location == location), None)


# ---------------------------------------------------------------- parsing and errors


def format_path(loc: tuple[Any, ...]) -> str:
    """('regions', 1, 'projects', 0, 'name') -> 'regions[1].projects[0].name'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _section_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema class that owns the field at `loc`, to list valid keys for a typo."""
    model: Any = Environment
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return model if isinstance(model, type) and issubclass(model, BaseModel) else None
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def _problem(error: Mapping[str, Any]) -> Problem:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing":
        return Problem(format_path(loc), "required field is missing")
    if kind == "extra_forbidden":
        section = _section_at(loc[:-1])
        valid = ", ".join(section.model_fields) if section else ""
        return Problem(format_path(loc), f"unknown key '{loc[-1]}'" + (f"; valid keys: {valid}" if valid else ""))
    if kind == "string_pattern_mismatch":
        description = ""
        section = _section_at(loc[:-1])
        field = section.model_fields.get(str(loc[-1])) if section else None
        if field is not None and field.description:
            description = f": {field.description}"
        for meta in getattr(field, "metadata", []) if field else []:
            if getattr(meta, "description", None):
                description = f": {meta.description}"
        return Problem(format_path(loc), f"invalid value {error.get('input')!r}{description}")
    message = error["msg"].removeprefix("Value error, ")
    return Problem(format_path(loc), message)


def parse_environment(data: Any, *, source: str = CONFIG_KEY, check_catalog: bool = True) -> Environment:
    """Validate raw config into an Environment, or raise ConfigError listing every problem."""
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source} must be a mapping of settings, got {type(data).__name__}",
            hint="see docs/config.md (every key, rendered from the schema)",
        )
    from ftops.stack.strict import azure_limits, check_tree

    # Lone surrogates and deep nesting first: pydantic accepts the first and the engine then fails on it.
    problems = check_tree(data)
    environment: Environment | None = None
    try:
        environment = Environment.model_validate(data) if not problems else None
    except ValidationError as exc:
        problems = [_problem(e) for e in exc.errors(include_url=False)]
    if environment is not None:
        problems = list(azure_limits(environment))  # what Azure or the engine refuse after `pulumi up` began
    if problems or environment is None:
        raise ConfigError(
            f"{source} has {len(problems)} problem{'s' if len(problems) != 1 else ''}",
            hint="fix each path listed; docs/config.md lists every key",
            problems=problems,
        ) from None
    if check_catalog:
        from ftops.stack.rules import check_against_catalog

        problems = check_against_catalog(environment)
        if problems:
            raise ConfigError(
                f"{source} has {len(problems)} problem{'s' if len(problems) != 1 else ''}",
                hint="fix each path listed; `ftops availability --model M` shows where a model can train",
                problems=problems,
            )
    return environment


# ---------------------------------------------------------------- stack files


def project_dir(start: Path | None = None) -> Path:
    """The ftops project (the folder holding Pulumi.yaml): $FTOPS_PROJECT_DIR, else the nearest above cwd."""
    if env := os.environ.get("FTOPS_PROJECT_DIR"):
        return Path(env)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    return here


def stack_file(stack: str) -> Path:
    """A stack name (`dev`) or a path to a stack file, resolved to the file."""
    as_path = Path(stack)
    if as_path.suffix in (".yaml", ".yml") or os.sep in stack:
        return as_path
    if not re.fullmatch(r"[\w.-]+", stack):
        raise ConfigError(f"'{stack}' is not a valid stack name", hint="use a name like dev, or a path to a stack file")
    return project_dir() / "stacks" / f"Pulumi.{stack}.yaml"


def load_stack_file(stack: str) -> Environment:
    """Read and validate `ftops:environment` from a stack file (never writes anything)."""
    import yaml

    path = stack_file(stack)
    if not path.is_file():
        available = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in path.parent.glob("Pulumi.*.yaml"))
        raise ConfigError(
            f"stack file {path} not found",
            hint=f"stacks here: {', '.join(available)}" if available else "run from the project folder, or pass a path",
        )
    from ftops.stack.strict import STACK_FILE_MAX_BYTES, StrictYamlError, load_yaml

    try:
        with path.open("rb") as handle:  # is_file() above: a regular file, read with a bound
            raw = handle.read(STACK_FILE_MAX_BYTES + 1)
        if len(raw) > STACK_FILE_MAX_BYTES:
            raise ConfigError(f"{path} is over {STACK_FILE_MAX_BYTES // 2**20} MB; a stack file is a few KB")
        document = load_yaml(raw.decode("utf-8")) or {}
    except StrictYamlError as exc:
        where = f" at line {exc.line}" if exc.line else ""
        raise ConfigError(f"{path}{where}: {exc}", hint="give each key once, with plain values") from None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror or exc}", hint="check the path") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path} is not valid YAML{where}", hint=str(getattr(exc, "problem", exc))) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text", hint="save the stack file as UTF-8") from None
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict) or CONFIG_KEY not in config:
        raise ConfigError(
            f"{path} has no '{CONFIG_KEY}' under 'config'",
            hint=f"add a 'config:' mapping with the key '{CONFIG_KEY}'; see stacks/Pulumi.dev.yaml",
        )
    return parse_environment(config[CONFIG_KEY], source=f"{path.name}: {CONFIG_KEY}")


def environment_from_pulumi_config() -> Environment:
    """Inside a Pulumi program: the stack's environment, validated like `ftops check` does."""
    import pulumi

    data = pulumi.Config("ftops").require_object("environment")
    return parse_environment(data, source=f"stack {pulumi.get_stack()}: {CONFIG_KEY}")
