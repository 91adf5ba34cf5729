"""Typed identities: which stack's resources, which job, which service realm.

A stack is known by its resources (the outputs' subscription, resource group and environment),
never by the label the user typed: `--stack dev` and `--outputs dev-outputs.json` naming the same
resources are the same stack. A job is an Azure OpenAI job on an account endpoint or an AzureML job
in a hub project workspace, decided once from the ledger or the stack, never by sniffing a string.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ftops.azure.models import WireModel
from ftops.errors import UsageError
from ftops.stack.outputs import StackOutputs, load_outputs

if TYPE_CHECKING:
    from ftops.jobs.ledger import Launch

JobKind = Literal["openai", "hub"]
# A job as a service reply (typed wire model) or as ftops' own view of an AzureML job (a dict).
JobDoc: TypeAlias = dict[str, Any] | WireModel
AZURE = "azure"


@dataclass(frozen=True)
class StackRef:
    """A stack as the CLI was given it: a label for messages, the file it came from, and its outputs."""

    name: str  # what to call it in messages and follow-up commands
    outputs: StackOutputs
    file: Path | None = None  # the outputs file, when given with --outputs
    stack: str | None = None  # the Pulumi stack name, when given with --stack

    @property
    def identity(self) -> str:
        """Who the stack is: its resources, whatever label named them."""
        o = self.outputs
        return f"{o.subscription_id}/{o.resource_group}/{o.environment}"

    @property
    def selector(self) -> str:
        """The flag that names this stack again, for follow-up commands a user can paste."""
        return f"--outputs {self.file}" if self.file is not None else f"--stack {self.stack}"


def load_stack_ref(stack: str | None, outputs_file: Path | None) -> StackRef:
    """The stack named by --stack or --outputs (not both: they could disagree)."""
    if stack and outputs_file is not None:
        raise UsageError("give --stack or --outputs, not both", hint="--outputs FILE reads the same outputs as --stack")
    outputs = load_outputs(stack, outputs_file)
    return StackRef(name=stack or outputs.environment, outputs=outputs, file=outputs_file, stack=stack)


def optional_stack_ref(stack: str | None, outputs_file: Path | None) -> StackRef | None:
    return load_stack_ref(stack, outputs_file) if (stack or outputs_file is not None) else None


def realm() -> str:
    """Which service answers: Azure, or the emulator at its URL. Ledger rows of one never match the other."""
    from ftops.azure.settings import load_settings

    emulator = load_settings().emulator
    return f"emulator {emulator}" if emulator else AZURE


def on_emulator(realm_name: str | None) -> bool:
    return bool(realm_name) and realm_name != AZURE


@dataclass(frozen=True)
class JobRef:
    """One fine-tuning job: an Azure OpenAI job on an account, or an AzureML job in a hub project."""

    kind: JobKind
    job_id: str
    endpoint: str | None = None  # Azure OpenAI data-plane endpoint (kind openai)
    workspace: str | None = None  # hub project workspace id (kind hub)
    launch: Launch | None = None
    job: JobDoc | None = None  # the job as read while locating it, if it was

    @property
    def on_hub(self) -> bool:
        return self.kind == "hub"

    @property
    def where(self) -> str:
        """The endpoint or the workspace id: where the job lives, for messages and ledger keys."""
        return (self.workspace if self.on_hub else self.endpoint) or ""

    def require_openai(self, what: str) -> str:
        """The endpoint, or a usage error for an operation only Azure OpenAI jobs have."""
        if self.on_hub or not self.endpoint:
            raise UsageError(
                f"{what} is available for Azure OpenAI jobs only; {self.job_id} is an AzureML job in a hub project",
                hint=f"see it with `ftops jobs show {self.job_id}` or in the Foundry portal",
            )
        return self.endpoint


def job_ref_of(launch: Launch) -> JobRef:
    """The job a ledger row recorded (the row must have a job id)."""
    kind: JobKind = "hub" if launch.kind in ("hub", "managed") else "openai"
    return JobRef(
        kind=kind,
        job_id=launch.job_id or "",
        endpoint=launch.endpoint if kind == "openai" else None,
        workspace=launch.workspace if kind == "hub" else None,
        launch=launch,
    )
