"""What the az CLI has already set up on this machine, read from its files (az itself is never run)."""

from __future__ import annotations

import os
from collections.abc import Mapping


def az_default_subscription(environ: Mapping[str, str] | None = None) -> str | None:
    """The az CLI's default subscription id, read from the profile az writes; None if there is none.

    `az account set` marks one subscription `isDefault: true` in `$AZURE_CONFIG_DIR/azureProfile.json`
    (else `~/.azure/azureProfile.json`); az writes it with a byte-order mark. az itself is never run.
    """
    import json
    from pathlib import Path

    env = os.environ if environ is None else environ
    folder = Path(env["AZURE_CONFIG_DIR"]) if env.get("AZURE_CONFIG_DIR") else Path(env.get("HOME", "~")) / ".azure"
    try:
        profile = json.loads((folder.expanduser() / "azureProfile.json").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    subscriptions = profile.get("subscriptions") if isinstance(profile, dict) else None
    for entry in subscriptions if isinstance(subscriptions, list) else []:
        if isinstance(entry, dict) and entry.get("isDefault") is True and isinstance(entry.get("id"), str):
            return entry["id"].strip() or None
    return None
