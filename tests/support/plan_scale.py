"""Synthetic environments of many regions, for the scale test and the plan benchmark."""

from __future__ import annotations

from ftops.stack.schema import Environment, parse_environment

REGIONS = (
    "swedencentral", "eastus2", "northcentralus", "francecentral", "germanywestcentral", "italynorth",
    "japaneast", "koreacentral", "norwayeast", "polandcentral", "southeastasia", "southafricanorth",
    "spaincentral", "switzerlandwest", "australiaeast", "brazilsouth",
)  # fmt: skip


def wide_environment(regions: int, projects: int = 4) -> Environment:
    """`regions` AI Services accounts with `projects` projects and one deployment each."""
    return parse_environment(
        {
            "name": "ftscale",
            "resource_group": {"location": "swedencentral"},
            "regions": [
                {
                    "location": location,
                    "projects": [{"name": f"team-{n}"} for n in range(projects)],
                    "deployments": [{"name": "gpt-41-mini", "model": "gpt-4.1-mini"}],
                }
                for location in REGIONS[:regions]
            ],
            "access": [{"principal_id": "c3c3c3c3-0000-4000-8000-0000000000c3", "roles": ["Azure AI User"]}],
        }
    )
