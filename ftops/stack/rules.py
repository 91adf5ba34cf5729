"""Rules of an Environment that need the catalog: regions exist, fine-tunes can train where declared.

Each rule returns Problems with the config path and what would be valid, so `ftops check`
can list every problem at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ftops.catalog import METHOD_NAMES, Catalog, Model, load_catalog
from ftops.errors import Problem, UserError

if TYPE_CHECKING:  # annotations only: schema imports rules to check a parsed environment, so no cycle
    from ftops.stack.schema import Environment, FineTuneSpec


def check_against_catalog(env: Environment, catalog: Catalog | None = None) -> list[Problem]:
    catalog = catalog or load_catalog()
    problems: list[Problem] = []
    rules = (_regions_exist, _names_unique, _deployments, _marketplace, _hub_network, _managed_compute)
    for rule in (*rules, _fine_tunes):
        problems.extend(rule(env, catalog))
    return problems


def _region_problem(path: str, region: str, catalog: Catalog) -> Problem | None:
    if region in catalog.azure_regions:
        return None
    near = catalog.suggest_region(region)
    hint = f"; did you mean {' or '.join(near)}?" if near else "; use an ARM location id such as swedencentral"
    return Problem(path, f"unknown Azure region '{region}'{hint}")


def _regions_exist(env: Environment, catalog: Catalog) -> Iterator[Problem]:
    located: list[tuple[str, str | None]] = [("resource_group.location", env.resource_group.location)]
    if env.hub:
        located.append(("hub.location", env.hub.location))
    located += [(f"regions[{i}].location", r.location) for i, r in enumerate(env.regions)]
    located += [(f"fine_tunes[{i}].region", f.region) for i, f in enumerate(env.fine_tunes)]
    if env.managed_compute:
        located.append(("managed_compute.location", env.managed_compute.location))
    for path, region in located:
        if region is not None and (problem := _region_problem(path, region, catalog)):
            yield problem


def _duplicates(items: Iterable[tuple[str, str]], what: str) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for path, value in items:
        if value in seen:
            yield Problem(path, f"duplicate {what} '{value}' (also at {seen[value]}); each must be unique")
        else:
            seen[value] = path


def _names_unique(env: Environment, catalog: Catalog) -> Iterator[Problem]:
    yield from _duplicates(((f"regions[{i}].location", r.location) for i, r in enumerate(env.regions)), "region")
    for i, region in enumerate(env.regions):
        yield from _duplicates(
            ((f"regions[{i}].projects[{j}].name", p.name) for j, p in enumerate(region.projects)), "project name"
        )
        yield from _duplicates(
            ((f"regions[{i}].deployments[{j}].name", d.name) for j, d in enumerate(region.deployments)),
            "deployment name",
        )
    if env.hub:
        yield from _duplicates(
            ((f"hub.projects[{j}].name", p.name) for j, p in enumerate(env.hub.projects)), "hub project name"
        )


def _deployments(env: Environment, catalog: Catalog) -> Iterator[Problem]:
    for i, region in enumerate(env.regions):
        for j, deployment in enumerate(region.deployments):
            path = f"regions[{i}].deployments[{j}]"
            try:
                model = catalog.model(deployment.model)
            except UserError:
                # Deployable models are a wider set than fine-tunable ones: accept any name, but
                # without a catalog entry the version cannot be defaulted.
                if deployment.version is None:
                    yield Problem(
                        f"{path}.version",
                        f"'{deployment.model}' is not in the fine-tuning catalog, so its version "
                        "cannot be defaulted; set version (e.g. 2025-04-14)",
                    )
                continue
            if not model.is_openai:
                yield Problem(
                    f"{path}.model",
                    f"{model.name} is not an Azure OpenAI model; deploy it from a hub project instead",
                )


def _marketplace(env: Environment, catalog: Catalog) -> Iterator[Problem]:
    if not env.hub:
        return
    for i, project in enumerate(env.hub.projects):
        for j, name in enumerate(project.marketplace_subscriptions):
            path = f"hub.projects[{i}].marketplace_subscriptions[{j}]"
            try:
                model = catalog.offered_model(name)
            except UserError as exc:
                yield Problem(path, f"{exc.message}; {exc.hint}")
                continue
            if not model.needs_marketplace:
                needing = ", ".join(m.name for m in catalog.filter(offer="serverless-marketplace"))
                yield Problem(path, f"{model.name} needs no marketplace subscription; models that do: {needing}")


def _hub_network(env: Environment, catalog: Catalog) -> Iterator[Problem]:
    """User-defined outbound rules only exist on a managed network that allows only approved outbound."""
    if not env.hub or not env.hub.outbound_rules:
        return
    if env.hub_managed_network != "allow_only_approved_outbound":
        yield Problem(
            "hub.outbound_rules",
            "outbound rules apply to an allow_only_approved_outbound managed network; set "
            "hub.managed_network: allow_only_approved_outbound (or network.mode: private), or remove them",
        )
    yield from _duplicates(
        ((f"hub.outbound_rules[{i}].name", r.name) for i, r in enumerate(env.hub.outbound_rules)), "rule name"
    )


def _managed_compute(env: Environment, catalog: Catalog) -> Iterator[Problem]:
    compute = env.managed_compute
    if compute is None:
        return
    if env.hub is None:
        yield Problem("managed_compute", "managed compute runs in a hub: add a 'hub' section with a project")
    try:
        size = catalog.vm_size(compute.vm_size)
    except UserError as exc:
        yield Problem("managed_compute.vm_size", f"{exc.message}; {exc.hint}")
        return
    if compute.training_vcpus < size.vcpus:
        yield Problem(
            "managed_compute.training_vcpus",
            f"{compute.training_vcpus} vCPUs cannot hold one {size.name} node ({size.vcpus} vCPUs)",
        )
    elif compute.max_nodes * size.vcpus > compute.training_vcpus:
        yield Problem(
            "managed_compute.max_nodes",
            f"{compute.max_nodes} nodes of {size.name} need {compute.max_nodes * size.vcpus} vCPUs, more than "
            f"training_vcpus ({compute.training_vcpus}); raise training_vcpus or lower max_nodes",
        )
    if compute.min_nodes > compute.max_nodes:
        yield Problem("managed_compute.min_nodes", f"min_nodes ({compute.min_nodes}) is above max_nodes")
    for i, fine_tune in enumerate(env.fine_tunes):
        if fine_tune.compute != "managed":
            continue
        with contextlib.suppress(UserError):
            model = catalog.model(fine_tune.model)
            recommended = catalog.recommended_sizes.get(model.name, {}).get("training", ())
            if recommended and size.name not in recommended:
                yield Problem(
                    "managed_compute.vm_size",
                    f"{size.name} is not a recommended training size for {model.name} (fine_tunes[{i}]); "
                    f"recommended: {', '.join(recommended)}",
                )


def _fine_tunes(env: Environment, catalog: Catalog) -> Iterator[Problem]:
    for i, fine_tune in enumerate(env.fine_tunes):
        path = f"fine_tunes[{i}]"
        try:
            model = catalog.offered_model(fine_tune.model)  # a retired model: "retired on DATE, use X"
            where = catalog.where(model, fine_tune.method, fine_tune.modality)
        except UserError as exc:
            field = "model" if exc.kind in ("unknown_model", "retired_model") else "method"
            if "images" in exc.message:
                field = "modality"
            yield Problem(f"{path}.{field}", f"{exc.message}; {exc.hint}")
            continue
        if fine_tune.compute == "managed":
            yield from _managed_fine_tune(env, model, fine_tune, path)
        elif model.is_openai:
            yield from _openai_fine_tune(
                env, catalog, model, fine_tune, path, where.regions_for(fine_tune.training_type)
            )
        elif model.serverless:
            yield from _hub_fine_tune(env, model, fine_tune, path)
        else:
            yield Problem(
                f"{path}.compute",
                f"{model.name} fine-tunes only on managed compute; set compute: managed and add managed_compute",
            )


def _describe(model: Model, fine_tune: FineTuneSpec) -> str:
    vision = " vision" if fine_tune.modality == "vision" else ""
    return f"{model.name} ({METHOD_NAMES[fine_tune.method]}{vision}, {fine_tune.training_type} training)"


def _openai_fine_tune(
    env: Environment, catalog: Catalog, model: Model, fine_tune: FineTuneSpec, path: str, can: tuple[str, ...]
) -> Iterator[Problem]:
    what = _describe(model, fine_tune)
    if not can:
        where = catalog.where(model, fine_tune.method, fine_tune.modality)
        offered = list(where.training_types)
        yield Problem(f"{path}.training_type", f"{what} is not offered; offered: {', '.join(offered)} training")
        return
    declared = [r.location for r in env.regions]
    if fine_tune.region is not None:
        if fine_tune.region not in can:
            yield Problem(
                f"{path}.region",
                f"{what} cannot train in {fine_tune.region}; regions that can: {', '.join(can)}",
            )
        elif fine_tune.region not in declared:
            yield Problem(
                f"{path}.region",
                f"{fine_tune.region} is not declared under regions; add a regions entry with location "
                f"{fine_tune.region}",
            )
        return
    if not any(r in can for r in declared):
        have = ", ".join(declared) if declared else "none"
        yield Problem(
            f"{path}.model",
            f"{what} cannot train in any declared region (declared: {have}); add a regions entry "
            f"in one of: {', '.join(can)}",
        )


def _hub_fine_tune(env: Environment, model: Model, fine_tune: FineTuneSpec, path: str) -> Iterator[Problem]:
    what = _describe(model, fine_tune)
    can = ", ".join(model.standard_regions)
    if fine_tune.training_type != "standard":
        yield Problem(f"{path}.training_type", f"{model.name} offers only standard training in a hub project")
        return
    if env.hub is None or not env.hub.projects:
        yield Problem(path, f"{what} runs in a hub project: add a 'hub' section with a project in one of: {can}")
        return
    hub_location = env.hub_location
    if fine_tune.region is not None and fine_tune.region != hub_location:
        yield Problem(
            f"{path}.region", f"{model.name} trains in the hub's region ({hub_location}), not {fine_tune.region}"
        )
    elif hub_location not in model.standard_regions:
        yield Problem(
            f"{path}.model", f"{what} cannot train in the hub's region {hub_location}; regions that can: {can}"
        )
    if model.needs_marketplace and not any(
        model.name in _canonical(p.marketplace_subscriptions) for p in env.hub.projects
    ):
        yield Problem(
            f"{path}.model",
            f"{model.name} is a marketplace model: add '{model.name}' to hub.projects[0].marketplace_subscriptions",
        )


def _canonical(names: list[str]) -> set[str]:
    catalog = load_catalog()
    found = set()
    for name in names:
        with contextlib.suppress(UserError):
            found.add(catalog.model(name).name)
    return found


def _managed_fine_tune(env: Environment, model: Model, fine_tune: FineTuneSpec, path: str) -> Iterator[Problem]:
    if not model.managed_compute:
        yield Problem(f"{path}.compute", f"{model.name} is not offered on managed compute; use compute: serverless")
        return
    if env.managed_compute is None:
        yield Problem(path, f"{model.name} on managed compute needs a 'managed_compute' section (VM size and quota)")
    if env.hub is None or not env.hub.projects:
        yield Problem(path, f"{model.name} on managed compute needs a 'hub' section with a project")
