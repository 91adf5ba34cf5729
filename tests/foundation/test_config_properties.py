"""Property-based: any config either loads or fails with a clean ConfigError, never a traceback."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftops.errors import ConfigError
from ftops.stack.schema import parse_environment

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 50000),
    st.text(max_size=12),
    st.sampled_from(["swedencentral", "eastus2", "gpt-4.1", "sft", "dpo", "rft", "vision", "global", "private"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
keys = st.sampled_from(
    ["name", "resource_group", "regions", "hub", "fine_tunes", "network", "access", "managed_compute", "tags", "extra"]
)
region = st.fixed_dictionaries(
    {"location": st.sampled_from(["swedencentral", "eastus2", "westeurope", "nowhere"])},
    optional={
        "projects": st.lists(st.fixed_dictionaries({"name": st.sampled_from(["a1", "p-1", "Bad", "x"])}), max_size=2)
    },
)
fine_tune = st.fixed_dictionaries(
    {"model": st.sampled_from(["gpt-4.1", "gpt-4.1-mini", "o4-mini", "Phi-4", "gpt-4.1-mni", "Mistral-Nemo"])},
    optional={
        "method": st.sampled_from(["sft", "dpo", "rft", "xxx"]),
        "modality": st.sampled_from(["text", "vision"]),
        "training_type": st.sampled_from(["standard", "global", "developer"]),
        "region": st.sampled_from(["swedencentral", "eastus2", "japaneast"]),
        "compute": st.sampled_from(["serverless", "managed"]),
    },
)
plausible = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["ftx", "a", "Bad"]),
        "resource_group": st.fixed_dictionaries({"location": st.sampled_from(["eastus2", "x"])}),
    },
    optional={
        "regions": st.lists(region, max_size=3),
        "fine_tunes": st.lists(fine_tune, max_size=3),
        "hub": st.fixed_dictionaries(
            {}, optional={"projects": st.lists(st.fixed_dictionaries({"name": st.just("hp")}), max_size=1)}
        ),
    },
)


def _loads_or_fails_cleanly(data: object) -> None:
    try:
        parse_environment(data)
    except ConfigError as error:
        assert error.problems or error.message
        for problem in error.problems:
            assert isinstance(problem.path, str) and problem.message


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dictionaries(keys, values, max_size=6))
def test_random_configs_never_crash(data: dict) -> None:
    _loads_or_fails_cleanly(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(plausible)
def test_plausible_configs_load_or_fail_with_paths(data: dict) -> None:
    _loads_or_fails_cleanly(data)
