"""FTOPS_* seconds settings fail the same way wherever they are read."""

from __future__ import annotations

import pytest

from ftops.errors import UsageError
from ftops.jobs.clients import poll_seconds
from ftops.jobs.lock import lock_wait_seconds
from ftops.jobs.propagation import wait_bound


@pytest.mark.parametrize(
    ("name", "read", "default"),
    [
        ("FTOPS_POLL_SECONDS", lambda: poll_seconds(2.0), 2.0),
        ("FTOPS_ROLE_WAIT_SECONDS", wait_bound, 300.0),
        ("FTOPS_LOCK_WAIT", lock_wait_seconds, 10.0),
    ],
)
def test_a_seconds_setting_is_read_or_refused_with_its_name(monkeypatch, name, read, default):
    monkeypatch.setenv(name, "7.5")
    assert read() == 7.5
    for bad, why in (
        ("soon", "is not a number of seconds"),
        ("-1", "between 0 and 3600"),
        ("4000", "between 0 and 3600"),
    ):
        monkeypatch.setenv(name, bad)
        with pytest.raises(UsageError, match=why) as caught:
            read()
        assert name in caught.value.message
    monkeypatch.setenv(name, "")
    assert read() == default
