"""Managed compute: VM quota for the stack, then a training cluster in the hub that scales to zero."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from ftops_infra.components import child
from ftops_infra.components.quota import VmQuota, VmQuotaArgs
from pulumi_azure_native import machinelearningservices

from ftops.catalog import load_catalog
from ftops.stack.naming import resource_name
from ftops.stack.schema import ManagedComputeSpec


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
                args.subscription_id, args.location, self.size.family, spec.training_vcpus + spec.inference_vcpus
            ),
            opts=child(self),
        )
        self.name = resource_name("compute", args.environment, "train")
        self.cluster = machinelearningservices.Compute(
            f"{name}-cluster",
            compute_name=self.name,
            workspace_name=args.hub_name,
            resource_group_name=args.resource_group,
            location=args.location,
            identity={"type": "SystemAssigned"},
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
            opts=child(self, depends_on=[self.quota]),  # no cluster before its quota
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
