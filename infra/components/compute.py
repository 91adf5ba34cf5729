"""Managed compute: VM quota for the stack, then a training cluster in the hub that scales to zero."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from ftops_infra.components import child
from ftops_infra.components.access import Grant, assign
from ftops_infra.components.quota import VmQuota, VmQuotaArgs
from pulumi_azure_native import machinelearningservices, managedidentity

from ftops.catalog import load_catalog
from ftops.stack.naming import resource_name
from ftops.stack.roles import ROLES
from ftops.stack.schema import ManagedComputeSpec

# What the cluster's own identity needs on the hub storage: with shared keys disabled, jobs on managed
# compute read training data and write outputs through a user-assigned identity with this role.
COMPUTE_STORAGE_ROLE = "Storage Blob Data Contributor"


@dataclass(frozen=True)
class ManagedComputeArgs:
    environment: str
    subscription_id: pulumi.Input[str]
    resource_group: pulumi.Input[str]
    location: str
    hub_name: pulumi.Input[str]
    spec: ManagedComputeSpec
    private: bool
    tags: dict[str, str]
    storage_id: pulumi.Input[str] | None = None  # the hub storage the cluster's identity reads and writes
    hub_grants: tuple[pulumi.Resource, ...] = ()  # the hub identity's grants (network approver) to wait for


class ManagedCompute(pulumi.ComponentResource):
    """The VM quota the cluster needs, and the cluster, created only once the quota is there."""

    def __init__(self, name: str, args: ManagedComputeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ftops:azure:ManagedCompute", name, None, opts)
        spec = args.spec
        self.size = load_catalog().vm_size(spec.vm_size)  # config checks already refused unknown sizes
        self.location = args.location
        self.quota = VmQuota(
            f"{name}-quota",
            VmQuotaArgs(
                args.subscription_id,
                args.location,
                self.size.family,
                spec.training_vcpus + spec.inference_vcpus,
                workspace=args.hub_name,
            ),
            opts=child(self),
        )
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=resource_name("compute_identity", args.environment, "train"),
            resource_group_name=args.resource_group,
            location=args.location,
            tags=args.tags,
            opts=child(self),
        )
        waits: list[pulumi.Resource] = [self.quota, *args.hub_grants]
        if args.storage_id is not None:
            role = ROLES[COMPUTE_STORAGE_ROLE]
            waits.append(
                assign(
                    self,
                    Grant(self.identity.principal_id, "ServicePrincipal", (role.name,), "compute-identity"),
                    role,
                    "hub-storage",
                    args.storage_id,
                    args.environment,
                    args.subscription_id,
                )
            )
        self.name = resource_name("compute", args.environment, "train")
        self.cluster = machinelearningservices.Compute(
            f"{name}-cluster",
            compute_name=self.name,
            workspace_name=args.hub_name,
            resource_group_name=args.resource_group,
            location=args.location,
            # User-assigned: its storage grant exists before the cluster does, and survives re-creating it.
            # pulumi-azure-native takes the ids as a list and sends ARM's {id: {}} map itself.
            identity={"type": "UserAssigned", "user_assigned_identities": [self.identity.id]},
            properties={
                "compute_type": "AmlCompute",
                "description": f"ftops fine-tuning cluster ({self.size.name})",
                "disable_local_auth": True,
                "properties": {
                    "vm_size": self.size.name,
                    "vm_priority": "Dedicated",
                    "scale_settings": {
                        "min_node_count": spec.min_nodes,
                        "max_node_count": spec.max_nodes,
                        "node_idle_time_before_scale_down": f"PT{spec.idle_seconds_before_scale_down}S",
                    },
                    "remote_login_port_public_access": "Disabled",
                    "enable_node_public_ip": not args.private,
                },
            },
            tags=args.tags,
            # No cluster before its quota, its identity's storage grant and the hub's approver grant.
            opts=child(self, depends_on=waits),
        )
        self.register_outputs({"compute_id": self.cluster.id})

    def outputs(self) -> dict:
        return {
            "name": self.name,
            "id": self.cluster.id,
            "location": self.location,
            "vm_size": self.size.name,
            "vm_family": self.size.family,
        }
