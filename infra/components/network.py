"""Private networking: a virtual network, private DNS zones, and private endpoints with DNS zone groups."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
from ftops_infra.components import child
from pulumi_azure_native import network, privatedns

from ftops.stack.naming import resource_name

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
    address_space: str  # validated by the config schema: an IPv4 network, /8 to /28
    tags: dict[str, str]


def endpoint_subnet(address_space: str) -> str:
    """The subnet for private endpoints: the first /24 of the address space, or all of a smaller one."""
    space = ipaddress.IPv4Network(address_space)
    return str(next(space.subnets(new_prefix=24)) if space.prefixlen < 24 else space)


class PrivateNetwork(pulumi.ComponentResource):
    """The environment's virtual network; `endpoint()` puts a resource behind a private endpoint."""

    def __init__(self, name: str, args: PrivateNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ftops:azure:PrivateNetwork", name, None, opts)
        self._name = name
        self._args = args
        self.location = args.location
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
            address_prefix=endpoint_subnet(args.address_space),
            private_endpoint_network_policies="Disabled",
            opts=child(self),
        )
        # Zones are made on first use, so a stack without a hub gets no Azure ML zones.
        self.zones: dict[str, privatedns.PrivateZone] = {}
        self.register_outputs({"vnet_id": self.vnet.id, "subnet_id": self.subnet.id})

    def _zone(self, zone: str) -> privatedns.PrivateZone:
        if zone not in self.zones:
            self.zones[zone] = privatedns.PrivateZone(
                f"{self._name}-{zone}",
                private_zone_name=zone,
                resource_group_name=self._args.resource_group,
                location="global",
                tags=self._args.tags,
                opts=child(self),
            )
            privatedns.VirtualNetworkLink(
                f"{self._name}-{zone}-link",
                private_zone_name=self.zones[zone].name,
                virtual_network_link_name=self.vnet.name,  # one link per zone, named after the network
                resource_group_name=self._args.resource_group,
                location="global",
                registration_enabled=False,
                virtual_network={"id": self.vnet.id},
                tags=self._args.tags,
                opts=child(self.zones[zone]),
            )
        return self.zones[zone]

    def endpoint(
        self,
        name: str,
        target_id: pulumi.Input[str],
        group: str,
        parent: pulumi.Resource,
        after: pulumi.Resource | None = None,
    ) -> network.PrivateEndpoint:
        """A private endpoint for `target_id` (group id e.g. 'account', 'blob') with its DNS zone group.

        The endpoint lives in the virtual network's region (Azure requires it), whatever the target's region.
        `after`: the target's last child, so the endpoint's connection is not a parallel write on the target.
        """
        endpoint = network.PrivateEndpoint(
            f"{name}-pe-{group}",
            private_endpoint_name=resource_name("private_endpoint", name, group),
            resource_group_name=self._args.resource_group,
            location=self.location,
            subnet={"id": self.subnet.id},
            private_link_service_connections=[
                {"name": f"{name}-{group}", "private_link_service_id": target_id, "group_ids": [group]}
            ],
            tags=self._args.tags,
            opts=child(parent, depends_on=[after] if after else []),
        )
        network.PrivateDnsZoneGroup(
            f"{name}-pe-{group}-dns",
            private_dns_zone_group_name="default",
            private_endpoint_name=endpoint.name,
            resource_group_name=self._args.resource_group,
            private_dns_zone_configs=[
                {"name": zone.replace(".", "-"), "private_dns_zone_id": self._zone(zone).id} for zone in ZONES[group]
            ],
            opts=child(endpoint),
        )
        return endpoint
