"""Open models no ARM deployment type serves are refused by `ftops deploy` before anything is created.

The supported-models table lists gpt-oss-120b (and Qwen3.6-35B-A3B, Qwen3.8-27B, Muse-Glimmer-30B) with
Managed Compute and Fireworks deployments only; "Deploy fine-tuned models in Microsoft Foundry" serves those
in the portal, not as an Azure OpenAI deployment.
"""

from __future__ import annotations

import pytest
from cli_run import ftops, no_traceback

from ftops.errors import NotAvailableError
from ftops.jobs.deploy_variants import check_deployment


def test_a_gpt_oss_120b_fine_tune_is_refused_naming_where_it_is_served(emulator, trained, stack):
    launched = trained("gpt-oss-120b", 2)
    beyond = [
        "--to-account",
        "/subscriptions/00000000-0000-0000-0000-0000000000b2/resourceGroups/rg/providers/"
        "Microsoft.CognitiveServices/accounts/aiwestus2",
    ]  # said before the account is even looked for
    for extra in ([], ["--checkpoint", "1"], ["--to-region", "eastus2", "--sku", "GlobalStandard"], beyond):
        done = ftops("deploy", launched["job_id"], "--outputs", str(stack), *extra)
        no_traceback(done)
        assert done.returncode == 1, extra
        assert "fine-tuned gpt-oss-120b models are not served as an Azure OpenAI (ARM) deployment" in done.stderr
        assert "Managed Compute" in done.stderr and "Fireworks" in done.stderr
    assert not any(k.startswith("deployment_") for k in emulator.arm.summary()["counters"])


@pytest.mark.parametrize("model", ["gpt-oss-120b", "Qwen3.6-35B-A3B", "Qwen3.8-27B", "Muse-Glimmer-30B"])
@pytest.mark.parametrize("sku", ["GlobalStandard", "Standard", "Developer"])
def test_every_managed_compute_or_fireworks_only_model_is_refused_whatever_the_type(model, sku):
    with pytest.raises(NotAvailableError, match="not served as an Azure OpenAI"):
        check_deployment(f"{model}.ft-abc", sku, "swedencentral")


def test_open_models_with_a_global_standard_type_still_deploy():
    checked = check_deployment("Qwen3-32B.ft-abc", "GlobalStandard", "eastus2")
    assert (checked.sku, checked.format) == ("GlobalStandard", "Alibaba")
