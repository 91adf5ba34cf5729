"""Quota tests run against the emulator."""

from __future__ import annotations

from ftops.emulator.testing import emulator  # noqa: F401
