"""Live availability: ARM's real model fields (Microsoft's ListLocationModels examples, byte for byte),
a concurrent sweep merged with the catalog, cached with a TTL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ftops.azure import availability
from ftops.azure.availability import fine_tune_offers
from ftops.catalog import live, load_catalog
from ftops.cli.app import app

SPEC_FILES = Path(__file__).resolve().parents[2] / "ftops" / "emulator" / "spec_files"
EXAMPLE_2026 = (
    SPEC_FILES / "azure-rest-api-specs/specification/cognitiveservices/resource-manager/Microsoft.CognitiveServices"
    "/CognitiveServices/stable/2026-09-01/examples/ListLocationModels.json"
)
EXAMPLE_2025_PREVIEW = SPEC_FILES / "examples/arm-cognitiveservices-2025-04-01-preview/ListLocationModels.json"


def example_models(path: Path) -> list[dict]:
    """The example's model list exactly as Microsoft wrote it (parsed from the file's bytes, unchanged)."""
    return json.loads(path.read_bytes())["responses"]["200"]["body"]["value"]


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))


def test_the_2026_example_marks_gpt4o_2024_08_06_fine_tunable_in_finetune_capabilities() -> None:
    offers = fine_tune_offers(example_models(EXAMPLE_2026))
    # gpt-4o 2024-08-06 says fineTune "false" in `capabilities` but "true" in `finetuneCapabilities`; ada has
    # fine-tune token limits but no fineTune key; gpt-4o 2024-05-13 says "false".
    assert [(o.name, o.version) for o in offers] == [("gpt-4o", "2024-08-06")]
    [gpt4o] = offers
    assert gpt4o.kind == "OpenAI" and gpt4o.lifecycle_status == "GenerallyAvailable"
    assert gpt4o.training_types == () and gpt4o.state() == "offered"


def test_the_2025_preview_example_marks_ada_fine_tunable_but_retired_for_fine_tuning() -> None:
    [ada] = fine_tune_offers(example_models(EXAMPLE_2025_PREVIEW))
    assert (ada.name, ada.version, ada.lifecycle_status) == ("ada", "1", "Preview")
    assert ada.fine_tune_deprecation == "2024-01-01" and ada.inference_deprecation == "2024-01-01"
    assert ada.max_tokens == 37_500_000
    assert ada.training_types == ()  # not `completion, fineTune, search`: capabilities are not training types
    assert ada.state(dt.date(2023, 12, 31)) == "deprecating" and ada.state(dt.date(2024, 1, 1)) == "retired"


def test_lifecycle_and_sku_dates_are_read() -> None:
    entries = example_models(EXAMPLE_2026)
    offers = fine_tune_offers(
        [
            {**e, "model": {**e["model"], "capabilities": {**e["model"]["capabilities"], "fineTune": "true"}}}
            for e in entries
        ]
    )
    by = {(o.name, o.version): o for o in offers}
    assert by[("gpt-35-turbo", "0301")].state() == "retired"  # lifecycleStatus Deprecated
    assert by[("gpt-35-turbo", "0301")].sku_deprecations == {"Standard": "2025-02-13", "Provisioned": "2025-05-15"}
    assert by[("gpt-4o", "2024-05-13")].lifecycle_status == "Deprecating"
    assert by[("ada", "1")].max_tokens_per_example == 4096 and by[("ada", "1")].state() == "retired"


def test_live_region_view_on_microsofts_2026_example(emulator) -> None:
    emulator.arm.set_location_models("swedencentral", example_models(EXAMPLE_2026))
    result = CliRunner().invoke(app, ["availability", "--region", "swedencentral", "--live", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in json.loads(result.stdout)["models"]}
    gpt4o = rows["gpt-4o"]
    assert gpt4o["live"] is True and gpt4o["live_version"] == "2024-08-06" and gpt4o["agrees"] is True
    assert gpt4o["catalog"] == ["standard", "global", "developer"] and gpt4o["training_types_source"] == "catalog"
    assert rows["gpt-4.1"]["live"] is False and rows["gpt-4.1"]["agrees"] is False  # not in Microsoft's example
    assert "ada" not in rows


def test_live_flags_a_model_whose_fine_tuning_arm_deprecated(emulator) -> None:
    emulator.arm.set_location_models("eastus", example_models(EXAMPLE_2025_PREVIEW))
    result = CliRunner().invoke(app, ["availability", "--region", "eastus", "--live", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in json.loads(result.stdout)["models"]}
    ada = rows["ada"]
    assert ada["live"] is False and ada["live_lifecycle"]["state"] == "retired"
    assert ada["live_lifecycle"]["fine_tune_deprecation"] == "2024-01-01"
    table = CliRunner().invoke(app, ["availability", "--region", "eastus", "--live"])
    assert "retired (fineTune 2024-01-01)" in table.stdout


def test_live_matches_name_and_version(emulator) -> None:
    other = emulator.arm.model_entry("gpt-4o", "2024-05-13", fine_tune=True)  # a version the catalog lacks
    emulator.arm.set_location_models("swedencentral", [other])
    result = CliRunner().invoke(app, ["availability", "--region", "swedencentral", "--live", "--json"])
    rows = [
        (r["model"], r["version"], r["live"]) for r in json.loads(result.stdout)["models"] if r["model"] == "gpt-4o"
    ]
    assert ("gpt-4o", "2024-08-06", False) in rows and ("gpt-4o", "2024-05-13", True) in rows


# gpt-oss-120b's Global regions as the region table and its footnotes 1 and 4 give them (written out by hand).
GPT_OSS_120B = {"australiaeast", "eastus", "eastus2", "koreacentral", "northcentralus", "swedencentral",
                "switzerlandnorth", "uaenorth", "uksouth", "westus3"}  # fmt: skip


def test_live_model_availability_flags_where_arm_differs(emulator):
    entry = emulator.arm.model_entry("gpt-oss-120b", "1", fine_tune=True)
    for region in load_catalog().fine_tuning_regions():  # every region the sweep asks: ARM agrees ...
        emulator.arm.set_location_models(region, [entry] if region in GPT_OSS_120B else [])
    emulator.arm.set_location_models("westeurope", [entry])  # ... except here (ARM offers it, the table not)
    emulator.arm.set_location_models("swedencentral", [])  # ... and here (the table offers it, ARM not)
    result = CliRunner().invoke(app, ["availability", "--model", "gpt-oss-120b", "--live", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {r["region"]: r for r in data["regions"]}
    assert rows["westeurope"] == {**rows["westeurope"], "catalog": [], "live": True, "agrees": False}
    assert rows["swedencentral"]["live"] is False and rows["swedencentral"]["agrees"] is False
    assert rows["northcentralus"]["agrees"] is True
    assert rows["northcentralus"]["catalog"] == ["global", "developer"]
    assert data["differences"] == 2


def test_live_refuses_a_retired_model_before_asking_arm(emulator) -> None:
    result = CliRunner().invoke(app, ["availability", "--model", "Mistral-Large-2411", "--live"])
    assert result.exit_code == 1 and emulator.requests == 0


def test_answers_are_cached_until_the_ttl_passes(emulator, arm):
    regions = ["swedencentral", "eastus2"]
    first = availability.sweep(arm, regions)
    asked = emulator.requests
    second = availability.sweep(arm, regions)
    assert emulator.requests == asked and all(a.cached for a in second.values())
    assert second["swedencentral"].offers == first["swedencentral"].offers
    availability.sweep(arm, regions, ttl=0)
    assert emulator.requests > asked


def test_a_failing_region_does_not_sink_the_sweep(emulator, arm):
    emulator.arm.set_location_models("eastus2", [emulator.arm.model_entry("gpt-4.1", "2025-04-14", fine_tune=True)])
    emulator.set_faults("drop-before on=GET:*/locations/westus/*")
    answers = availability.sweep(arm, ["westus", "eastus2"], use_cache=False)
    assert answers["westus"].error and not answers["eastus2"].error
    rows = live.model_rows(load_catalog(), load_catalog().model("gpt-4.1"), None, False, answers)
    assert {r["region"]: r["agrees"] for r in rows} == {"eastus2": True, "westus": None}


def test_check_live_preflight_refuses_a_region_arm_says_cannot_train(emulator):
    emulator.arm.set_location_models("swedencentral", [])
    from ftops.errors import AzureRefusedError

    result = CliRunner().invoke(app, ["check", "--stack", "dev", "--live", "--json"])
    assert isinstance(result.exception, AzureRefusedError) and result.exception.exit_code == 3
    problems = [p.message for p in result.exception.problems]
    assert "gpt-4.1-mini (sft) cannot be fine-tuned in swedencentral per ARM" in problems


class _Arm:
    """A stand-in ArmClient for the sweep's own behaviour: `read(region)` answers each region's model list."""

    subscription_id = "00000000-0000-0000-0000-000000000001"

    def __init__(self, read) -> None:
        self.transport = type("T", (), {"base_url": "http://stand-in.invalid"})()
        self.location_models = read


def test_the_live_sweep_reads_through_the_bounded_region_sweep_in_input_order():
    import threading

    from ftops.errors import AzureFailureError

    lock, active, peak = threading.Lock(), [0], [0]
    # Every read waits until a full bound of reads is running: a smaller pool would break the barrier,
    # a larger one would push the peak past the bound.
    barrier = threading.Barrier(availability.MAX_WORKERS, timeout=30)

    def read(region: str) -> list[dict]:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        barrier.wait()
        with lock:
            active[0] -= 1
        if region == "r07":
            raise AzureFailureError("ARM answered 503 for r07")
        return []

    regions = [f"r{i:02d}" for i in reversed(range(2 * availability.MAX_WORKERS))]
    answers = availability.sweep(_Arm(read), [*regions, "r07"], use_cache=False)
    assert peak[0] == availability.MAX_WORKERS
    assert list(answers) == regions  # the order given, the duplicate dropped
    assert answers["r07"].error == "ARM answered 503 for r07"
    assert [r for r, a in answers.items() if a.error] == ["r07"]


def test_a_sign_in_failure_stops_the_live_sweep_at_once():
    import threading

    from ftops.azure.auth import NotSignedInError

    release, finished = threading.Event(), []

    def read(region: str) -> list[dict]:
        if region == "eastus2":
            raise NotSignedInError("not signed in to Azure", hint="run `az login`")
        release.wait(timeout=30)  # the other regions are still reading when the sign-in failure arrives
        finished.append(region)
        return []

    try:
        with pytest.raises(NotSignedInError):
            availability.sweep(_Arm(read), ["westus", "eastus2", "swedencentral"], use_cache=False)
        assert finished == []  # raised without waiting for the regions still being read
    finally:
        release.set()
