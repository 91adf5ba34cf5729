"""Private networking: a virtual network, private DNS zones, and private endpoints with DNS zone groups."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network, privatedns

from ftops.naming import resource_name
from infra.components import child

# Private DNS zones per private-link group id (Azure's documented zone names).
ZONES: dict[str, tuple[str, ...]] = {
    "account": (
        "privatelink.cognitiveservices.azure.com",
        "privatelink.openai.azure.com",
        "privatelink.services.ai.azure.com",
    ),
    "blob": ("privatelink.blob.core.windows.net",),
    "file": ("privatelink.file.core.windows.net",),
    "vault": ("privatelink.vaultcore.azure.net",),
    "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
}


@dataclass(frozen=True)
class PrivateNetworkArgs:
    environment: str
    resource_group: pulumi.Input[str]
    location: str
    address_space: str
    tags: dict[str, str]


class PrivateNetwork(pulumi.ComponentResource):
    """The environment's virtual network; `endpoint()` puts a resource behind a private endpoint."""

    def __init__(self, name: str, args: PrivateNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ftops:azure:PrivateNetwork", name, None, opts)
        self._args = args
        prefix = args.address_space.split("/")[0].rsplit(".", 2)[0]
        self.vnet = network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=resource_name("vnet", args.environment),
            resource_group_name=args.resource_group,
            location=args.location,
            address_space={"address_prefixes": [args.address_space]},
            tags=args.tags,
            opts=child(self),
        )
        self.subnet = network.Subnet(
            f"{name}-endpoints",
            subnet_name="private-endpoints",
            virtual_network_name=self.vnet.name,
            resource_group_name=args.resource_group,
            address_prefix=f"{prefix}.1.0/24",
            private_endpoint_network_policies="Disabled",
            opts=child(self),
        )
        self.zones: dict[str, privatedns.PrivateZone] = {}
        for group_zones in ZONES.values():
            for zone in group_zones:
                self.zones[zone] = privatedns.PrivateZone(
                    f"{name}-{zone}",
                    private_zone_name=zone,
                    resource_group_name=args.resource_group,
                    location="global",
                    tags=args.tags,
                    opts=child(self),
                )
                privatedns.VirtualNetworkLink(
                    f"{name}-{zone}-link",
                    private_zone_name=zone,
                    resource_group_name=args.resource_group,
                    location="global",
                    registration_enabled=False,
                    virtual_network={"id": self.vnet.id},
                    opts=child(self.zones[zone]),
                )
        self.register_outputs({"vnet_id": self.vnet.id, "subnet_id": self.subnet.id})

    def endpoint(
        self, name: str, target_id: pulumi.Input[str], group: str, location: str, parent: pulumi.Resource
    ) -> network.PrivateEndpoint:
        """A private endpoint for `target_id` (group id e.g. 'account', 'blob') with its DNS zone group."""
        endpoint = network.PrivateEndpoint(
            f"{name}-pe-{group}",
            private_endpoint_name=resource_name("private_endpoint", name, group),
            resource_group_name=self._args.resource_group,
            location=location,
            subnet={"id": self.subnet.id},
            private_link_service_connections=[
                {"name": f"{name}-{group}", "private_link_service_id": target_id, "group_ids": [group]}
            ],
            tags=self._args.tags,
            opts=child(parent),
        )
        network.PrivateDnsZoneGroup(
            f"{name}-pe-{group}-dns",
            private_dns_zone_group_name="default",
            private_endpoint_name=endpoint.name,
            resource_group_name=self._args.resource_group,
            private_dns_zone_configs=[
                {"name": zone.replace(".", "-"), "private_dns_zone_id": self.zones[zone].id} for zone in ZONES[group]
            ],
            opts=child(endpoint),
        )
        return endpoint
