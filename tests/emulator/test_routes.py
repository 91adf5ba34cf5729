"""Routing from the specs: every handler line names a real operation of the carried specs and a handler
that exists; every operation ftops calls has a handler."""

from __future__ import annotations

import inspect
import re

import pytest

from ftops.emulator.armplane import ArmPlane
from ftops.emulator.checkpoint_copy import CheckpointCopyPlane
from ftops.emulator.dataplane import DataPlane
from ftops.emulator.mlplane import OPERATIONS
from ftops.emulator.mlplane import ROUTES as ML_ROUTES
from ftops.emulator.routes import ROUTES
from ftops.emulator.specs import spec_book
from ftops.emulator.uploads import UploadsPlane

PLANES = {"dataplane": DataPlane, "arm": ArmPlane, "uploads": UploadsPlane, "copies": CheckpointCopyPlane}
# Operations ftops' own clients call (ftops/azure/openai.py and arm.py); each must be served.
USED_BY_FTOPS = {
    ("openai", op)
    for op in [
        "Files_Upload",
        "Files_Import",
        "Files_Get",
        "Files_List",
        "Files_Delete",
        "Files_GetContent",
        "FineTuning_Create",
        "FineTuning_Get",
        "FineTuning_List",
        "FineTuning_GetEvents",
        "FineTuning_GetCheckpoints",
        "FineTuning_Cancel",
        "FineTuning_Pause",
        "FineTuning_Resume",
        "FineTuning_CopyCheckpoint",
        "FineTuning_GetCheckpointCopy",
    ]
} | {
    ("cognitiveservices", "Models_List"),
    ("cognitiveservices", "Usages_List"),
    ("cognitiveservices", "Deployments_Get"),
    ("cognitiveservices", "Deployments_List"),
    ("cognitiveservices", "Deployments_CreateOrUpdate"),
    ("cognitiveservices", "Deployments_Delete"),
    ("machinelearningservices", "Usages_List"),
    ("quota", "Quota_Get"),
    ("quota", "Quota_CreateOrUpdate"),
    ("quota", "QuotaRequestStatus_Get"),
    ("cognitiveservices", "Accounts_Get"),
    ("authorization", "RoleAssignments_ListForResource"),
}


def test_every_route_names_an_operation_of_the_carried_specs_and_an_existing_handler():
    book = spec_book()
    for (api, operation_id), (plane, method) in ROUTES.items():
        assert book.has_operation(api, operation_id), f"{api} {operation_id} is in no carried spec"
        assert callable(getattr(PLANES[plane], method, None)), f"{plane}.{method} does not exist"


def test_every_operation_ftops_calls_is_routed():
    assert set(ROUTES) >= USED_BY_FTOPS


def test_the_same_operation_of_two_versions_reaches_one_handler():
    book = spec_book()
    stable = book.find("GET", "/openai/files", "2024-10-21")
    preview = book.find("GET", "/openai/files", "2025-04-01-preview")
    assert (stable.version, preview.version) == ("2024-10-21", "2025-04-01-preview")
    assert ROUTES[(stable.api, stable.operation_id)] == ROUTES[(preview.api, preview.operation_id)]
    sdk_default = book.find("GET", "/subscriptions/s/providers/Microsoft.Quota/quotas", "2025-09-01")
    assert sdk_default is None or sdk_default.accepts_version("2025-09-01")
    quota = book.find(
        "GET",
        "/subscriptions/s/providers/Microsoft.MachineLearningServices/locations/l/providers/Microsoft.Quota/quotas/f",
        "2025-09-01",
    )
    assert quota.operation_id == "Quota_Get" and quota.accepts_version("2025-09-01")
    assert not quota.accepts_version("2024-01-01")


def test_path_parameters_come_by_the_specs_names():
    book = spec_book()
    op = book.find("GET", "/openai/fine_tuning/jobs/ftjob-1/events", "2025-04-01-preview")
    assert op.params("/openai/fine_tuning/jobs/ftjob-1/events") == {"fine_tuning_job_id": "ftjob-1"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _shape(path: str) -> list[str]:
    """Path segments with every parameter as '*' (a spec's `{x}` or a route's regex group)."""
    path = re.sub(r"\(\?P<[^>]+>\[\^/\]\+\)", "*", path).replace("\\.", ".")
    return ["*" if part.startswith("{") else part.lower() for part in path.strip("/").split("/")]


@pytest.mark.filterwarnings("ignore")
def test_every_ml_route_is_an_operation_of_microsofts_ml_spec():
    """mfe.json is not carried; azure-ai-ml's ARM client, generated from it, stands in: the route's method
    and path are those of the client's request builder for the operationId the route names."""
    from azure.ai.ml._restclient.arm_ml_service.operations import _operations as generated

    for method, pattern, name in ML_ROUTES:
        operation_id = OPERATIONS[name]
        if operation_id is None:
            assert "Operation" in pattern  # a monitor, not an operation
            continue
        group, op = operation_id.split("_", 1)
        builder = getattr(generated, f"build_{_snake(group)}_{_snake(op)}_request")
        source = inspect.getsource(builder)
        template = re.search(r'_url = "([^"]+)"', source)[1]
        assert f'method="{method}"' in source, operation_id
        ours, theirs = _shape(pattern), _shape(template)
        assert len(ours) == len(theirs), operation_id
        assert all(t == "*" or o == t for o, t in zip(ours, theirs, strict=True)), operation_id
