"""Typed wire models: what Azure answers, as pydantic models instead of dicts.

Rules, from Azure's SDK guidelines and openai-python's typed resources:
- **Extra keys are kept** (`extra="allow"`): a field Azure adds tomorrow is neither an error nor lost, and
  `wire()` gives the document back as it came (the `--json` shapes print that).
- **Service enums are extensible**: a status Azure adds is kept as it was sent (`JobStatus("newState")`
  is a value, not an error); the known ones are named once, here.
- **One vocabulary for the end of a wait**: `Outcome` and `outcome_of`, used by every poller.
- A reply of the wrong shape (an `id` missing, a list where an object belongs) is an `AzureFailureError`
  with exit code 4 and a hint (`parse`), never a pydantic traceback.

Models also answer `get`/`[]`/`in` like the dicts they replace, with the wire values, so callers can move
to attributes one at a time.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ftops.errors import AzureFailureError


class ExtensibleEnum(enum.StrEnum):
    """A service enum: the known values are members; any other string is accepted and kept as sent."""

    @classmethod
    def _missing_(cls, value: object) -> ExtensibleEnum | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        return self._value_ in type(self)._value2member_map_


class Outcome(enum.StrEnum):
    """How a wait ended (or None from `outcome_of`: not yet)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PAUSED = "paused"  # a fine-tuning job someone paused: following it stops, it is not over


# Every terminal spelling Azure's APIs use, lower-cased: ARM provisioning states and operation statuses,
# Microsoft.Quota request states, data-plane file and job states, AzureML job statuses.
_TERMINAL = {
    "succeeded": Outcome.SUCCEEDED,
    "completed": Outcome.SUCCEEDED,  # AzureML jobs
    "processed": Outcome.SUCCEEDED,  # data-plane files
    "failed": Outcome.FAILED,
    "error": Outcome.FAILED,  # data-plane files Azure rejected
    "invalid": Outcome.FAILED,  # Microsoft.Quota requests
    "notresponding": Outcome.FAILED,  # AzureML jobs
    "canceled": Outcome.CANCELLED,
    "cancelled": Outcome.CANCELLED,
    "deleted": Outcome.CANCELLED,  # a file deleted while it was being processed
}


def outcome_of(status: object, *, stop_on_pause: bool = False) -> Outcome | None:
    """The outcome a status means, or None while the operation is still going."""
    key = str(status or "").lower()
    if stop_on_pause and key == "paused":
        return Outcome.PAUSED
    return _TERMINAL.get(key)


class WireModel(BaseModel):
    """Base of every reply model: extra keys kept, dict-style reads of the wire values."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)

    def wire(self) -> dict[str, Any]:
        """The document as Azure sent it (keys as sent, nothing added): what `--json` prints."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    # Mapping-style reads, so code written against the dicts keeps working while it moves to attributes.
    def get(self, key: str, default: Any = None) -> Any:
        return self.wire().get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.wire()[key]

    def __contains__(self, key: object) -> bool:
        return key in self.wire()

    def keys(self) -> Any:
        return self.wire().keys()

    def items(self) -> Any:
        return self.wire().items()

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]  # iterate keys, as a dict does
        return iter(self.wire())

    def __len__(self) -> int:
        return len(self.wire())


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any, *, what: str) -> M:
    """`data` as `model`, or an AzureFailureError (exit 4) naming the first field that is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the body"
        raise AzureFailureError(
            f"{what}: Azure's reply has an unexpected shape ({where}: {first['msg']})",
            hint="retry; if it persists, the service or a proxy in between answers something ftops does not know",
        ) from None


def parse_list(model: type[M], items: Any, *, what: str) -> list[M]:
    if not isinstance(items, list):
        raise AzureFailureError(f"{what}: Azure's reply has no list where one belongs", hint="retry later")
    return [parse(model, item, what=what) for item in items]


# ---- shared pieces
class ErrorDetail(WireModel):
    code: str | None = None
    message: str | None = None


class MetricName(WireModel):
    value: str | None = None
    localized_value: str | None = Field(default=None, alias="localizedValue")


# ---- Azure OpenAI data plane
class FileStatus(ExtensibleEnum):
    UPLOADED = "uploaded"
    PENDING = "pending"
    RUNNING = "running"
    PROCESSED = "processed"
    ERROR = "error"
    DELETING = "deleting"
    DELETED = "deleted"


class FileObject(WireModel):
    id: str
    status: FileStatus | None = None
    filename: str | None = None
    purpose: str | None = None
    bytes: int | None = None
    created_at: int | None = None
    status_details: str | None = None
    error: ErrorDetail | None = None


class FileList(WireModel):
    data: list[FileObject] | None = None


class Page(WireModel):
    """One page of a data-plane list (`data`, `has_more`); items are checked one by one as they are read."""

    data: list[dict[str, Any]] | None = None
    has_more: bool | None = None


class JobStatus(ExtensibleEnum):
    CREATED = "created"
    PENDING = "pending"
    VALIDATING_FILES = "validating_files"  # OpenAI's spelling; Azure's spec lists the others
    QUEUED = "queued"
    RUNNING = "running"
    PAUSING = "pausing"
    PAUSED = "paused"
    RESUMING = "resuming"
    SUCCEEDED = "succeeded"
    CANCELLED = "cancelled"
    FAILED = "failed"


class FineTuningJob(WireModel):
    id: str
    status: JobStatus | None = None
    model: str | None = None
    fine_tuned_model: str | None = None
    training_file: str | None = None
    validation_file: str | None = None
    suffix: str | None = None
    created_at: int | None = None
    finished_at: int | None = None
    error: ErrorDetail | None = None

    @property
    def outcome(self) -> Outcome | None:
        return outcome_of(self.status, stop_on_pause=True)


class JobEvent(WireModel):
    id: str | None = None
    created_at: int | None = None
    level: str | None = None
    message: str | None = None
    type: str | None = None
    data: Any = None


class JobCheckpoint(WireModel):
    id: str | None = None
    created_at: int | None = None
    fine_tuned_model_checkpoint: str | None = None
    step_number: int | None = None
    metrics: dict[str, Any] | None = None
    fine_tuning_job_id: str | None = None


# ---- ARM: Microsoft.CognitiveServices
class ProvisioningState(ExtensibleEnum):
    ACCEPTED = "Accepted"
    CREATING = "Creating"
    UPDATING = "Updating"
    DELETING = "Deleting"
    MOVING = "Moving"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELED = "Canceled"
    DISABLED = "Disabled"


class Sku(WireModel):
    name: str | None = None
    capacity: int | None = None


class DeploymentModel(WireModel):
    format: str | None = None
    name: str | None = None
    version: str | None = None
    source: str | None = None


class DeploymentProperties(WireModel):
    provisioning_state: ProvisioningState | None = Field(default=None, alias="provisioningState")
    model: DeploymentModel | None = None


class SystemData(WireModel):
    created_at: str | None = Field(default=None, alias="createdAt")


class Deployment(WireModel):
    id: str | None = None
    name: str | None = None
    sku: Sku | None = None
    properties: DeploymentProperties | None = None
    system_data: SystemData | None = Field(default=None, alias="systemData")

    @property
    def model_name(self) -> str:
        return str((self.properties and self.properties.model and self.properties.model.name) or "")

    @property
    def state(self) -> ProvisioningState | None:
        return self.properties.provisioning_state if self.properties else None


class Usage(WireModel):
    """One usage row (Cognitive Services TPM, or Machine Learning vCPUs per family)."""

    name: MetricName | None = None
    type: str | None = None
    current_value: float | None = Field(default=None, alias="currentValue")
    limit: float | None = None
    unit: str | None = None

    @property
    def key(self) -> str | None:
        return self.name.value if self.name else None


# ---- ARM: long-running operation status (Azure-AsyncOperation / Location monitors)
class OperationStatusProperties(WireModel):
    provisioning_state: str | None = Field(default=None, alias="provisioningState")
    error: ErrorDetail | None = None
    message: str | None = None


class OperationStatus(WireModel):
    status: str | None = None
    error: ErrorDetail | None = None
    properties: OperationStatusProperties | None = None

    @property
    def state(self) -> str | None:
        return self.status or (self.properties.provisioning_state if self.properties else None)

    @property
    def error_detail(self) -> ErrorDetail:
        return self.error or (self.properties.error if self.properties else None) or ErrorDetail()

    @property
    def reason(self) -> str:
        found = self.error_detail.message or (self.properties.message if self.properties else None)
        return found or "no reason given"


# ---- ARM: Microsoft.MachineLearningServices jobs
class MlJobStatus(ExtensibleEnum):
    NOT_STARTED = "NotStarted"
    STARTING = "Starting"
    PROVISIONING = "Provisioning"
    PREPARING = "Preparing"
    QUEUED = "Queued"
    RUNNING = "Running"
    FINALIZING = "Finalizing"
    CANCEL_REQUESTED = "CancelRequested"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"
    NOT_RESPONDING = "NotResponding"
    PAUSED = "Paused"
    UNKNOWN = "Unknown"


class MlJobProperties(WireModel):
    status: MlJobStatus | None = None
    job_type: str | None = Field(default=None, alias="jobType")


class MlJob(WireModel):
    id: str | None = None
    name: str
    properties: MlJobProperties | None = None

    @property
    def outcome(self) -> Outcome | None:
        return outcome_of(self.properties.status if self.properties else None)


# ---- ARM: Microsoft.Quota
class LimitObject(WireModel):
    value: int = 0
    limit_object_type: str | None = Field(default=None, alias="limitObjectType")


class QuotaProperties(WireModel):
    limit: LimitObject | None = None
    name: MetricName | None = None


class QuotaLimit(WireModel):
    """A Microsoft.Quota `CurrentQuotaLimitBase`: the limit of one resource (e.g. a VM family's vCPUs)."""

    properties: QuotaProperties | None = None

    @property
    def value(self) -> int:
        return self.properties.limit.value if self.properties and self.properties.limit else 0
