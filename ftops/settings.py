"""FTOPS_* settings read from the environment, parsed one way so a bad value fails the same everywhere."""

from __future__ import annotations

import os

from ftops.errors import UsageError

MAX_SECONDS = 3600.0


def seconds_setting(name: str, default: float, *, example: str) -> float:
    """`$name` as seconds (0 to an hour), `default` when unset or empty; a bad value is a usage error."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r} is not a number of seconds", hint=f"e.g. {name}={example}") from None
    if not 0 <= value <= MAX_SECONDS:
        raise UsageError(f"{name} must be between 0 and 3600 seconds")
    return value
