"""Every api-version ftops sends is the version of a saved official spec."""

import json

from ftops.azure import settings
from ftops.emulator.specs import SPEC_FILES, specs_dir


def test_each_api_version_constant_exists_in_the_specs():
    versions = {json.loads((specs_dir() / name).read_text())["info"]["version"] for name, _ in SPEC_FILES}
    for constant in (
        "OPENAI_API_VERSION",
        "COGNITIVE_API_VERSION",
        "ML_API_VERSION",
        "QUOTA_API_VERSION",
        "AUTHORIZATION_API_VERSION",
    ):
        assert getattr(settings, constant) in versions, constant
