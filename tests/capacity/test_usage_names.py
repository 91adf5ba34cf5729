"""Quota names and deployment-type facts, without Azure or the emulator."""

from __future__ import annotations

import pytest

from ftops.capacity.lifecycle import hosting_note, hosting_per_day
from ftops.capacity.preflight import Usage, find_usage
from ftops.capacity.usage import facts, skus_for, usage_name, usage_names
from ftops.errors import UsageError

FT = "gpt-4.1-mini-2025-04-14.ft-0123456789abcdef"


def test_fine_tuned_deployments_draw_on_their_own_quota():
    assert usage_name("gpt-4.1-mini", "GlobalStandard") == "OpenAI.GlobalStandard.gpt-4.1-mini"
    assert usage_name(FT, "GlobalStandard") == "OpenAI.GlobalStandard.gpt-4.1-mini-finetune"
    assert usage_name(FT, "standard") == "OpenAI.Standard.gpt4.1-mini-finetune"  # type matched case-insensitively


def test_both_spellings_are_tried_so_either_is_found():
    assert usage_names("gpt-4.1", "Standard", fine_tuned=False) == ("OpenAI.Standard.gpt4.1", "OpenAI.Standard.gpt-4.1")
    only_hyphenated = {"OpenAI.Standard.gpt-4.1": Usage("eastus2", "OpenAI.Standard.gpt-4.1", 5, 50)}
    assert find_usage(only_hyphenated, "gpt-4.1", "Standard", fine_tuned=False).free == 45
    assert find_usage(only_hyphenated, "gpt-4.1", "Standard", fine_tuned=True) is None


def test_deployment_types_per_kind_of_model():
    assert skus_for(fine_tuned=False) == ("Standard", "GlobalStandard", "DataZoneStandard")
    assert skus_for(fine_tuned=True) == ("Standard", "GlobalStandard", "DataZoneStandard", "Developer")
    with pytest.raises(UsageError, match="unknown deployment type 'ProvisionedManaged'"):
        usage_name("gpt-4o", "ProvisionedManaged")
    assert facts().as_of


def test_hosting_cost_depends_on_the_deployment_type():
    assert hosting_per_day(FT, "Standard") == pytest.approx(40.8)
    assert hosting_per_day(FT, "GlobalStandard") == pytest.approx(40.8)
    assert hosting_per_day(FT, "Developer") == 0.0
    assert hosting_per_day("gpt-4.1-mini", "GlobalStandard") == 0.0  # base models bill per token only
    assert hosting_per_day(FT, "ProvisionedManaged") is None  # no claim about a type ftops does not know
    assert "15 days" in hosting_note(FT, "Standard") and "24 hours" in hosting_note(FT, "Developer")
