"""How a fine-tuned model may be deployed: its deployment type per model and region, and its model format.

Checked before any create, from the catalog's deployment types of the fine-tuned model (Microsoft's
supported-models table, its legend and the Standard / Provisioned deployment region tables): a refusal names
the types and regions that would serve it instead. A model the table serves on Managed Compute or Fireworks
only (gpt-oss-120b, Qwen3.6-35B-A3B, ...) is refused naming those. The format is the provider's
(`deployment_formats`), so an open model such as Qwen3-32B deploys as `Alibaba`, not `OpenAI`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ftops.catalog import Catalog, Deployment, Model, UnknownModelError, load_catalog
from ftops.errors import NotAvailableError

# `--sku` spellings people use, mapped to ARM's SKU names (the catalog's deployment types).
SKU_NAMES = {"globalstandard": "GlobalStandard", "datazonestandard": "DataZoneStandard", "standard": "Standard"}
SKU_NAMES |= {"developer": "Developer", "provisionedmanaged": "ProvisionedManaged"}


@dataclass(frozen=True)
class DeploymentCheck:
    """What a deployment of one fine-tuned model will be created with."""

    model: Model | None  # None: a base the catalog does not know (deployed as asked, format OpenAI)
    sku: str
    format: str


def base_of(job_model: str, catalog: Catalog) -> Model | None:
    """The catalog model a job (or a fine-tuned model name) was trained from; versions and `.ft-` suffixes dropped."""
    base = job_model.split(".ft-")[0]
    for model in catalog.models:
        names = (model.name, f"{model.name}-{model.version}", *(f"{model.name}-{v}" for v in model.other_versions))
        if base in names:
            return model
    try:
        return catalog.model(base)
    except UnknownModelError:
        return None


def model_format(model: Model | None, catalog: Catalog | None = None) -> str:
    """The deployment's `properties.model.format`: the provider's for open models, else OpenAI."""
    if model is None:
        return "OpenAI"
    formats = (catalog or load_catalog()).raw.get("deployment_formats") or {}
    return str(formats.get(model.provider, "OpenAI"))


def serving_types(model: Model) -> tuple[Deployment, ...]:
    """Deployment types that serve the model's fine-tuned models (Foundry resource path)."""
    for path in model.paths:
        if path.kind == "foundry-resource" and path.deployments:
            return tuple(d for d in path.deployments if d.sku in SKU_NAMES.values())
    return ()


# Where fine-tuned models are served that no ARM deployment type serves (the supported-models table's
# deployment columns; deploy-fine-tuned-models.md: "Serverless, Managed Compute, or Fireworks on Foundry").
SERVED_ELSEWHERE = {
    "managed-compute": "Managed Compute (an endpoint on your own VMs, Foundry portal)",
    "fireworks-provisioned": "Fireworks on Foundry (provisioned, Foundry portal)",
}


def _not_served(model: Model) -> NotAvailableError:
    """A fine-tuned model no ARM deployment type serves: where it can be served instead."""
    kinds = [d.sku for p in model.paths if p.kind == "foundry-resource" for d in p.deployments]
    where = [SERVED_ELSEWHERE[k] for k in kinds if k in SERVED_ELSEWHERE]
    return NotAvailableError(
        f"fine-tuned {model.name} models are not served as an Azure OpenAI (ARM) deployment",
        hint=f"serve it with {' or '.join(where)}: see Deploy fine-tuned models in Microsoft Foundry"
        if where
        else "Microsoft lists no deployment type for its fine-tuned models; see the supported-models table",
    )


def refuse_unserved(job_model: str, catalog: Catalog | None = None) -> None:
    """Refuse at once a model no ARM deployment type serves, before any other question about the deploy."""
    catalog = catalog or load_catalog()
    model = base_of(job_model, catalog)
    if model is not None and model.offered and not serving_types(model):
        raise _not_served(model)


def _describe(deployment: Deployment) -> str:
    return deployment.sku + (f" ({', '.join(deployment.regions)})" if deployment.regions else "")


def check_deployment(job_model: str, sku: str, region: str, catalog: Catalog | None = None) -> DeploymentCheck:
    """Refuse a deployment type the fine-tuned model cannot have in `region`, naming the ones it can."""
    catalog = catalog or load_catalog()
    wanted = SKU_NAMES.get(sku.lower().replace("_", "").replace("-", ""), sku)
    model = base_of(job_model, catalog)
    if model is None:
        return DeploymentCheck(None, wanted, "OpenAI")
    offered = serving_types(model)
    if not offered and not model.offered:  # retired: the catalog keeps no deployment types; Azure decides
        return DeploymentCheck(model, wanted, model_format(model, catalog))
    if not offered:  # managed compute or Fireworks only (gpt-oss-120b, the preview open models): refused here
        raise _not_served(model)
    here = [d for d in offered if not d.regions or region in d.regions]
    match = next((d for d in offered if d.sku == wanted), None)
    alternatives = ", ".join(d.sku for d in here) or "none in this region"
    if match is None:
        raise NotAvailableError(
            f"fine-tuned {model.name} models cannot be deployed as {wanted}",
            hint=f"{model.name} fine-tunes deploy as: {', '.join(_describe(d) for d in offered)}; "
            f"in {region} use --sku with one of: {alternatives}",
        )
    if match.regions and region not in match.regions:
        raise NotAvailableError(
            f"fine-tuned {model.name} models deploy as {wanted} only in {', '.join(match.regions)}, not {region}",
            hint=f"in {region} use --sku with one of: {alternatives}, or deploy on an account in {match.regions[0]}",
        )
    return DeploymentCheck(model, wanted, model_format(model, catalog))
