"""`--live` for `ftops availability` and `ftops check`: ask ARM (or the emulator) and compare with the catalog."""

from __future__ import annotations

from typing import Any


def subscription_arm():
    from ftops.azure.arm import ArmClient
    from ftops.azure.settings import load_settings, subscription_id

    settings = load_settings()
    return ArmClient(subscription_id(settings), settings=settings)


def _live_cell(row: dict) -> str:
    if row.get("error"):
        return "error"
    return "yes" if row["live"] else "no"


def _agree_cell(row: dict) -> str:
    return "?" if row["agrees"] is None else ("" if row["agrees"] else "DIFFERS")


def live_availability(model: str | None, region: str | None, method: str | None, vision: bool, as_json: bool) -> None:
    """Sweep the relevant regions through ARM and show where live answers differ from the catalog."""
    from ftops.azure import availability
    from ftops.catalog import load_catalog
    from ftops.cli import render
    from ftops.errors import UserError

    catalog = load_catalog()
    with subscription_arm() as arm:
        if model is not None:
            found = catalog.model(model)
            catalog.where(found, method, "vision" if vision else "text")  # refuses impossible combinations first
            if not found.is_openai:
                raise UserError(
                    f"{found.name} is not listed by ARM's per-region model list; live checks cover Azure OpenAI models",
                    hint=f"use `ftops availability --model {found.name}` (catalog)",
                )
            answers = availability.sweep(arm, catalog.fine_tuning_regions())
            rows = availability.model_rows(catalog, found, method, vision, answers)
            data: dict[str, Any] = {"model": found.name, "method": method, "vision": vision, "regions": rows}
            title = f"{found.name}: catalog vs. live ARM"
            columns = ["region", "catalog", "live", ""]
            cells = [[r["region"], render.csv(r["catalog"]) or "-", _live_cell(r), _agree_cell(r)] for r in rows]
        else:
            region = (region or "").lower()
            if region not in catalog.azure_regions:
                raise UserError(f"unknown Azure region '{region}'", hint="use an ARM location id such as swedencentral")
            answer = availability.sweep(arm, [region])[region]
            if answer.error:
                from ftops.errors import AzureFailureError

                raise AzureFailureError(f"live check of {region} failed: {answer.error}")
            rows = availability.region_rows(catalog, region, method, vision, answer)
            data = {"region": region, "method": method, "vision": vision, "models": rows, "cached": answer.cached}
            title = f"fine-tuning from {region}: catalog vs. live ARM"
            columns = ["model", "catalog", "live", "live training types", ""]
            cells = [
                [
                    r["model"],
                    render.csv(r["catalog"]) or "-",
                    _live_cell(r),
                    render.csv(r["live_training_types"]),
                    _agree_cell(r),
                ]
                for r in rows
            ]
    differences = sum(1 for r in rows if r["agrees"] is False)
    data["differences"] = differences
    if as_json:
        render.print_json(data)
        return
    render.table(title, columns, cells, caption=f"catalog as of {catalog.as_of}; {differences} difference(s)")
    errors = [r for r in rows if r.get("error")]
    if errors:
        render.note(f"{len(errors)} region(s) could not be checked: {errors[0]['region']}: {errors[0]['error']}")


def live_check(environment: Any, as_json: bool) -> dict:
    """Preflight a stack against live ARM: fine-tunes need a region that can train them now, and declared
    deployments need free deployment quota (TPM). Every shortfall is reported at once, with what would fit."""
    from ftops.cli import render
    from ftops.errors import AzureRefusedError, Problem

    with subscription_arm() as arm:
        results, problems = _availability_preflight(environment, arm)
        capacity = _capacity_preflight(environment, arm)
        vm_quota = _vm_quota_preflight(environment, arm)
    # VM quota that `pulumi up` cannot request by itself (family missing, regional total short) fails too.
    vm_blocking = [Problem("managed_compute", q["status"]) for q in vm_quota if q["blocking"]]
    if problems or capacity or vm_blocking:
        error = AzureRefusedError(
            f"live preflight failed: {len(problems) + len(capacity) + len(vm_blocking)} problem(s)",
            hint="see `ftops availability --model M --live` and `ftops quota --region R`; change the stack "
            "to a region or SKU that fits",
            code="NotAvailableLive" if problems else "InsufficientQuota",
        )
        error.problems = [Problem("fine_tunes", text) for text in problems]
        error.problems += [Problem(", ".join(s.what), s.line()) for s in capacity]
        error.problems += vm_blocking
        raise error
    if not as_json and vm_quota:
        render.table(
            "managed compute quota (vCPUs)",
            ["region", "family", "wanted", "free", "status"],
            ([q["location"], q["family"], q["wanted"], q["free"], q["status"]] for q in vm_quota),
        )
    if not as_json and results:
        render.table(
            "live preflight (ARM)",
            ["model", "method", "training", "live regions", "errors"],
            (
                [r["model"], r["method"], r["training_type"], render.csv(r["live_regions"]), render.csv(r["errors"])]
                for r in results
            ),
        )
    return {"availability": results, "capacity": [], "vm_quota": vm_quota, "ok": True}


def _availability_preflight(environment: Any, arm: Any) -> tuple[list[dict], list[str]]:
    from ftops.azure import availability
    from ftops.catalog import load_catalog

    catalog = load_catalog()
    wanted: dict[str, Any] = {}
    for spec in environment.fine_tunes:
        model = catalog.model(spec.model)
        if not model.is_openai or spec.compute == "managed":
            continue
        regions = [spec.region] if spec.region else [r.location for r in environment.regions]
        wanted[f"{spec.model}/{spec.method}"] = (spec, model, regions)
    if not wanted:
        return [], []
    answers = availability.sweep(arm, {r for _, _, regions in wanted.values() for r in regions})
    results, problems = [], []
    for spec, model, regions in wanted.values():
        live_ok = [r for r in regions if not answers[r].error and answers[r].offers_model(model)]
        errors = {r: answers[r].error for r in regions if answers[r].error}
        results.append(
            {
                "model": model.name,
                "method": spec.method,
                "training_type": spec.training_type,
                "regions": regions,
                "live_regions": live_ok,
                "errors": errors,
            }
        )
        if not live_ok and not errors:
            problems.append(f"{model.name} ({spec.method}) cannot be fine-tuned in {', '.join(regions)} per ARM")
    return results, problems


def _capacity_preflight(environment: Any, arm: Any) -> list:
    """Declared base-model deployments against free TPM, with regions that would fit."""
    from ftops.capacity.preflight import Want, shortfalls

    wants = [
        Want(region.location, deployment.model, deployment.sku, deployment.capacity, f"regions[{i}].deployments[{j}]")
        for i, region in enumerate(environment.regions)
        for j, deployment in enumerate(region.deployments)
    ]
    if not wants:
        return []
    stack_regions = [r.location for r in environment.regions]
    return shortfalls(arm, wants, preferred=stack_regions)


def _vm_quota_preflight(environment: Any, arm: Any) -> list[dict]:
    """The stack's managed compute against free VM quota; a shortfall is what `pulumi up` will request."""
    from ftops.capacity.vm_quota import compare, read_quota, stack_needs

    return [compare(need, read_quota(arm, need.location)) for need in stack_needs(environment)]
