"""Quota tests run against the emulator."""

from __future__ import annotations
