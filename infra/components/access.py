"""Role assignments: configured people and groups, the deploying identity, and the hub's identity on storage."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from ftops_infra.components import assignment_name, child
from pulumi_azure_native import authorization

from ftops.stack.naming import role_assignment_name
from ftops.stack.roles import ROLES, Role, RoleScope

# What the identity that runs `ftops launch` / `ftops deploy` needs, by scope. Least privilege: no
# Cognitive Services Contributor (it could re-enable local auth and list the account's keys);
# Cognitive Services OpenAI Contributor already creates deployments and fine-tunes.
DEPLOYER_ROLES = (
    "Azure AI User",
    "Cognitive Services OpenAI Contributor",
    "Azure AI Developer",
    "Storage Blob Data Contributor",
    "Cognitive Services Usages Reader",
)
DEPLOYER_KEY = "deployer"  # the Grant key of the identity that runs `pulumi up` (ftops:deployerPrincipalId)
# The hub's own identity: its storage's file share (identity-based datastores; Azure itself grants it
# Storage Blob Data Contributor when the hub is provisioned, and a second, equal assignment would be
# refused), and approving the private endpoints its managed network opens to the connected accounts.
HUB_IDENTITY_ROLES = ("Storage File Data Privileged Contributor", "Azure AI Enterprise Network Connection Approver")


@dataclass(frozen=True)
class Grant:
    principal_id: pulumi.Input[str]
    principal_type: str  # User, Group or ServicePrincipal: Azure refuses an assignment whose type does not match
    roles: tuple[str, ...]
    key: str  # a stable name for the principal, for deterministic assignment names
    configured: bool = True  # from the stack's `access`: warn when a role has nothing to apply to


@dataclass
class AccessArgs:
    environment: str
    subscription_id: pulumi.Input[str]
    # scope kind -> [(stable key, ARM id)]
    scopes: dict[RoleScope, list[tuple[str, pulumi.Input[str]]]] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    hub_principal_id: pulumi.Input[str] | None = None


class Access(pulumi.ComponentResource):
    """Every role assignment of the environment, with role ids from ftops.stack.roles."""

    def __init__(self, name: str, args: AccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ftops:azure:Access", name, None, opts)
        self._args = args
        self.assignments: list[authorization.RoleAssignment] = []
        # The hub identity's grants: the managed-compute cluster waits for them (its managed network's
        # private endpoints to the accounts need the approver role before the first compute comes up).
        self.hub_identity_assignments: list[authorization.RoleAssignment] = []
        # What the stack granted the identity that ran it (the `caller_roles` output): ftops waits out role
        # propagation on these scopes instead of failing the first launch (ftops.jobs.propagation).
        self.caller_roles: list[dict[str, pulumi.Output[str] | str]] = []
        grants = list(args.grants)
        if args.hub_principal_id is not None:
            grants.append(
                Grant(args.hub_principal_id, "ServicePrincipal", HUB_IDENTITY_ROLES, "hub-identity", configured=False)
            )
        for grant in grants:
            for role_name in grant.roles:
                role = ROLES[role_name]
                targets = args.scopes.get(role.scope, [])
                if not targets and grant.configured:
                    pulumi.log.warn(
                        f"role {role.name} for {grant.key}: the stack has no {role.scope.replace('_', ' ')}"
                    )
                for scope_key, scope_id in targets:
                    assignment = self._assign(grant, role, scope_key, scope_id)
                    if grant.key == "hub-identity":
                        self.hub_identity_assignments.append(assignment)
                    elif grant.key == DEPLOYER_KEY:  # the scope output resolves once the assignment exists
                        self.caller_roles.append({"role": role.name, "scope": assignment.scope})
        self.register_outputs({"count": len(self.assignments)})

    def _assign(
        self, grant: Grant, role: Role, scope_key: str, scope_id: pulumi.Input[str]
    ) -> authorization.RoleAssignment:
        assignment = assign(self, grant, role, scope_key, scope_id, self._args.environment, self._args.subscription_id)
        self.assignments.append(assignment)
        return assignment


def assign(
    parent: pulumi.Resource,
    grant: Grant,
    role: Role,
    scope_key: str,
    scope_id: pulumi.Input[str],
    environment: str,
    subscription_id: pulumi.Input[str],
) -> authorization.RoleAssignment:
    """One role assignment, named like Bicep's guid(scope, principalId, roleDefinitionId)."""
    # The logical name keeps its old stable form; only the Azure name follows scope, principal and role.
    label = assignment_name(environment, scope_key, grant.key, role.definition_id)
    definition = pulumi.Output.concat(
        "/subscriptions/", subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", role.definition_id
    )
    name = pulumi.Output.all(scope_id, grant.principal_id, definition).apply(lambda v: role_assignment_name(*v))
    return authorization.RoleAssignment(
        f"role-{label[:8]}-{role.name.lower().replace(' ', '-')}",
        role_assignment_name=name,
        scope=scope_id,
        principal_id=grant.principal_id,
        principal_type=grant.principal_type,
        role_definition_id=definition,
        # A new name for the same grant (new principal, migrated names): Azure refuses two assignments
        # of one role to one principal at one scope (RoleAssignmentExists), so the old one goes first.
        opts=child(parent, delete_before_replace=True),
    )
