"""Where a deploy goes: the account that trained the model, or another region or subscription's account.

Microsoft's docs (fine-tuning-deploy.md, "Cross region deployment"): a fine-tuned model deploys to another
region or subscription by a PUT on the destination account whose `properties.model.source` is the source
(training) account's ARM id; "the new region must also support fine-tuning", and across subscriptions the
token must reach both. Across tenants ("Cross tenant deployment") the id goes in `sourceAccount` and a token
of the source tenant rides in the `x-ms-authorization-auxiliary` header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ftops.errors import NotAvailableError, UsageError, UserError
from ftops.stack.outputs import RegionOutput, StackOutputs


@dataclass(frozen=True)
class Placement:
    """One AI Services account a deployment is PUT on."""

    subscription_id: str
    resource_group: str
    account_name: str
    account_id: str
    location: str
    endpoint: str

    @classmethod
    def of(cls, outputs: StackOutputs, region: RegionOutput) -> Placement:
        return cls(
            outputs.subscription_id,
            outputs.resource_group,
            region.account_name,
            region.account_id,
            region.location,
            region.endpoint,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account_name,
            "account_id": self.account_id,
            "subscription_id": self.subscription_id,
            "location": self.location,
            "endpoint": self.endpoint,
        }


def parse_account_id(text: str) -> tuple[str, str, str]:
    """(subscription, resource group, account name) of an AI Services account id, or a usage error."""
    from ftops.azure.accounts import account_id_parts

    return account_id_parts(text.rstrip("/"), flag="--to-account")


def stack_account_in(outputs: StackOutputs, location: str) -> RegionOutput:
    """The stack's account in `location` (--to-region)."""
    for region in outputs.regions:
        if region.location == location.lower():
            return region
    have = ", ".join(r.location for r in outputs.regions)
    raise UserError(
        f"stack {outputs.environment} has no account in {location}",
        hint=f"its accounts are in {have}; add a regions entry for {location} to the stack, or pass "
        "--to-account with the account's ARM id",
    )


def read_account(subscription_id: str, resource_group: str, name: str) -> Placement:
    """An account outside the stack, read with ARM (Accounts_Get) for its location and endpoint."""
    from ftops.azure.accounts import account_id, data_plane_endpoint, get_account
    from ftops.jobs.clients import arm

    with arm(subscription_id) as client:
        found = get_account(client, account_id(subscription_id, resource_group, name))
    if found is None:
        raise UserError(
            f"no AI Services account {name} in resource group {resource_group} of subscription {subscription_id}",
            hint="check the --to-account id, and that your sign-in can read that subscription",
        )
    location = str(found.get("location") or "").replace(" ", "").lower()
    endpoint = data_plane_endpoint(found) or ""
    name = str(found.get("name") or name)
    arm_id = str(found.get("id") or account_id(subscription_id, resource_group, name))
    return Placement(subscription_id, resource_group, name, arm_id, location, endpoint)


def check_fine_tuning_region(job_model: str, location: str) -> None:
    """Refuse a destination region where the base model does not fine-tune (docs: "the new region must also
    support fine-tuning"), naming the regions that do."""
    from ftops.catalog import load_catalog
    from ftops.jobs.deploy_variants import base_of

    catalog = load_catalog()
    model = base_of(job_model, catalog)
    if model is None:
        return  # a base the catalog does not know: Azure decides
    regions: set[str] = set()
    for path in model.paths:
        if path.kind != "foundry-resource":
            continue
        for training_type in path.training_types:
            for modality in model.modalities:
                regions.update(path.regions_for(training_type, modality))
    if location not in regions:
        raise NotAvailableError(
            f"{location} is not a region where {model.name} fine-tunes, so its fine-tuned models cannot deploy there",
            hint=f"deploy into an account in one of: {', '.join(sorted(regions))}",
        )


_TENANT = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[a-zA-Z0-9][a-zA-Z0-9.-]{2,252}")


def check_tenant(tenant: str) -> str:
    """A tenant id (GUID) or domain, as `--source-tenant` takes it (it goes into a token request)."""
    if not _TENANT.fullmatch(tenant):
        raise UsageError(
            f"--source-tenant {tenant[:80]!r} is not a tenant id",
            hint="pass the source tenant's id (a GUID) or its domain, e.g. contoso.onmicrosoft.com",
        )
    return tenant


def auxiliary_header(tenant: str) -> dict[str, str]:
    """The `x-ms-authorization-auxiliary` header: an ARM token of the source tenant ("Cross tenant deployment").

    The token comes from the same credential as every other call (ftops.azure.auth), asked for `tenant`; it is
    registered as a secret, so nothing ftops prints can show it."""
    from ftops.azure.auth import NotSignedInError, default_credential
    from ftops.azure.sanitize import register_secret
    from ftops.azure.settings import ARM_SCOPE, load_settings

    check_tenant(tenant)
    credential = default_credential(load_settings())
    try:
        token = str(credential.get_token(ARM_SCOPE, tenant_id=tenant).token)
    except Exception:  # azure-identity raises several types; its text can carry tenant details: not shown
        raise NotSignedInError(
            f"could not get a token for the source tenant {tenant}",
            hint=f"sign in to it too (`az login --tenant {tenant}`); the deployment needs access to both accounts",
        ) from None
    register_secret(token)
    return {"x-ms-authorization-auxiliary": f"Bearer {token}"}


def summary_lines(result: dict[str, Any]) -> list[str]:
    """What a person reads under the ✓ of an ARM deploy: endpoint, where the model came from, which checkpoint."""
    lines = [f"endpoint: {result['endpoint']}  (deployment name: {result['deployment']})"]
    source = result.get("source") or {}
    if result.get("cross_account"):
        lines.append(
            f"from: {source.get('account')} ({source.get('location')}), sent as the model's source "
            f"{source.get('sent')}; on {result['account_id']}"
        )
    chosen = result.get("checkpoint")
    if chosen:
        why = f", lowest {chosen['metric']} {chosen['value']:g}" if chosen.get("metric") else ""
        lines.append(f"checkpoint {chosen['number']} of {chosen['of']}: step {chosen['step']}, {chosen['id']}{why}")
    return lines  # the hosting cost per day follows as the note
