"""Which handler answers which spec operation: one line per operation, keyed by (API, operationId).

The server finds the operation of a request in the carried specs (`SpecBook.find`, by method, path and
api-version), then calls the handler named here with the request and the operation's path parameters (the
spec's names, '-' as '_'). Adding an operation is one handler and one line; `tests/emulator/test_routes.py`
checks that every line names an operation of the carried specs and a handler that exists.
"""

from __future__ import annotations

# (api, operationId) -> (plane, handler method)
ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    # Azure OpenAI data plane (aoai-authoring 2024-10-21 and 2025-04-01-preview, and /openai/v1/)
    ("openai", "Files_List"): ("dataplane", "files_list"),
    ("openai", "Files_Upload"): ("dataplane", "files_upload"),
    ("openai", "Files_Import"): ("dataplane", "files_import"),
    ("openai", "Files_Get"): ("dataplane", "files_get"),
    ("openai", "Files_Delete"): ("dataplane", "files_delete"),
    ("openai", "Files_GetContent"): ("dataplane", "files_get_content"),
    ("openai", "UploadFile_Start"): ("uploads", "upload_file_start"),
    ("openai", "UploadFile_Part"): ("uploads", "upload_file_part"),
    ("openai", "UploadFile_Complete"): ("uploads", "upload_file_complete"),
    ("openai", "UploadFile_Cancel"): ("uploads", "upload_file_cancel"),
    ("openai", "FineTuning_List"): ("dataplane", "fine_tuning_list"),
    ("openai", "FineTuning_Create"): ("dataplane", "fine_tuning_create"),
    ("openai", "FineTuning_Get"): ("dataplane", "fine_tuning_get"),
    ("openai", "FineTuning_Delete"): ("dataplane", "fine_tuning_delete"),
    ("openai", "FineTuning_GetEvents"): ("dataplane", "fine_tuning_get_events"),
    ("openai", "FineTuning_GetCheckpoints"): ("dataplane", "fine_tuning_get_checkpoints"),
    ("openai", "FineTuning_Cancel"): ("dataplane", "fine_tuning_cancel"),
    ("openai", "FineTuning_Pause"): ("dataplane", "fine_tuning_pause"),
    ("openai", "FineTuning_Resume"): ("dataplane", "fine_tuning_resume"),
    # checkpoint copy (preview; the fragment transcribed from the docs, spec_files/SOURCES.md)
    ("openai", "FineTuning_CopyCheckpoint"): ("copies", "copy_checkpoint"),
    ("openai", "FineTuning_GetCheckpointCopy"): ("copies", "get_checkpoint_copy"),
    # Microsoft.CognitiveServices (2026-09-01; the SDK default 2025-09-01 is answered with it)
    ("cognitiveservices", "Models_List"): ("arm", "models_list"),
    ("cognitiveservices", "Usages_List"): ("arm", "usages_list"),
    ("cognitiveservices", "LocationBasedModelCapacities_List"): ("arm", "location_based_model_capacities_list"),
    ("cognitiveservices", "ModelCapacities_List"): ("arm", "model_capacities_list"),
    ("cognitiveservices", "Accounts_List"): ("arm", "accounts_list"),
    ("cognitiveservices", "Accounts_ListByResourceGroup"): ("arm", "accounts_list_by_resource_group"),
    ("cognitiveservices", "Accounts_Get"): ("arm", "accounts_get"),
    ("cognitiveservices", "Accounts_Create"): ("arm", "accounts_create"),
    ("cognitiveservices", "Accounts_Update"): ("arm", "accounts_update"),
    ("cognitiveservices", "Accounts_Delete"): ("arm", "accounts_delete"),
    ("cognitiveservices", "DeletedAccounts_List"): ("arm", "deleted_accounts_list"),
    ("cognitiveservices", "Accounts_ListUsages"): ("arm", "accounts_list_usages"),
    ("cognitiveservices", "Accounts_ListModels"): ("arm", "accounts_list_models"),
    ("cognitiveservices", "Deployments_List"): ("arm", "deployments_list"),
    ("cognitiveservices", "Deployments_Get"): ("arm", "deployments_get"),
    ("cognitiveservices", "Deployments_CreateOrUpdate"): ("arm", "deployments_create_or_update"),
    ("cognitiveservices", "Deployments_Update"): ("arm", "deployments_update"),
    ("cognitiveservices", "Deployments_Delete"): ("arm", "deployments_delete"),
    ("cognitiveservices", "Deployments_ListSkus"): ("arm", "deployments_list_skus"),
    # Microsoft.MachineLearningServices, per location (2025-12-01)
    ("machinelearningservices", "Usages_List"): ("arm", "ml_usages_list"),
    ("machinelearningservices", "Quotas_List"): ("arm", "ml_quotas_list"),
    ("machinelearningservices", "Quotas_Update"): ("arm", "ml_quotas_update"),
    ("machinelearningservices", "VirtualMachineSizes_List"): ("arm", "ml_vm_sizes_list"),
    # Microsoft.Quota (2025-07-15; the SDK default 2025-09-01 is answered with it)
    ("quota", "Quota_Get"): ("arm", "quota_get"),
    ("quota", "Quota_List"): ("arm", "quota_list"),
    ("quota", "Quota_CreateOrUpdate"): ("arm", "quota_create_or_update"),
    ("quota", "Quota_Update"): ("arm", "quota_update"),
    ("quota", "Usages_Get"): ("arm", "usages_get"),
    ("quota", "Usages_List"): ("arm", "quota_usages_list"),
    ("quota", "QuotaRequestStatus_Get"): ("arm", "quota_request_status_get"),
    ("quota", "QuotaRequestStatus_List"): ("arm", "quota_request_status_list"),
    # Microsoft.Authorization role assignments (2022-04-01): who holds which role on a destination account
    ("authorization", "RoleAssignments_ListForScope"): ("copies", "role_assignments_list"),
    ("authorization", "RoleAssignments_ListForResource"): ("copies", "role_assignments_list"),
}
