"""Role propagation: a 403 just after `pulumi up` granted the role is waited out; without a grant it fails at once.

The emulator's propagation mode answers 403 for the first N seconds of its clock; the test shares one fake
clock between the emulator and the waiting launcher, so a 20 s propagation takes no real time."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from limits_support import FAST, OUTPUTS

from ftops.azure.openai import OpenAIDataPlane
from ftops.catalog import load_catalog
from ftops.errors import AzureRefusedError
from ftops.jobs.launch import DatasetFacts, Launcher, LaunchOutcome, LaunchRequest, plan_launch
from ftops.jobs.ledger import Ledger
from ftops.jobs.propagation import DATA_PLANE_ROLE, WAITING, RoleWait, role_wait_for
from ftops.stack.outputs import parse_outputs

catalog = load_catalog()
ACCOUNT_ID = OUTPUTS["regions"][0]["account_id"]


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _launch(outputs, train, ledger, role_wait):
    request = LaunchRequest(stack="ftdev", model="gpt-4.1-mini", method="sft", train=train)
    facts = DatasetFacts(hashlib.sha256(train.read_bytes()).hexdigest(), None, False, {})
    target, planned, resumed = plan_launch(request, outputs, catalog, facts, ledger)
    with OpenAIDataPlane(target.endpoint, policy=FAST, sleep=lambda s: None) as plane:
        launcher = Launcher(plane, ledger, catalog, poll_seconds=0)
        launcher.role_wait = role_wait
        return launcher.run(planned, request, target, LaunchOutcome(planned, resumed))


def test_a_403_that_clears_after_20_s_ends_in_a_launched_job(emulator, train_file, tmp_path):
    fake = FakeTime()
    emulator.auth_delay.clock = fake.clock
    emulator.auth_delay.set(20)
    said: list[str] = []
    wait = RoleWait(True, DATA_PLANE_ROLE, ACCOUNT_ID, 300, lambda s, d: said.append(d), fake.sleep, fake.clock)
    with Ledger(tmp_path / "l.db") as ledger:
        outcome = _launch(parse_outputs(OUTPUTS, source="t"), train_file, ledger, wait)
    assert outcome.job["id"] and emulator.counters("aisse")["job_creations"] == 1
    assert emulator.auth_delay.denied >= 2 and 20 <= sum(fake.sleeps) <= 40  # backoff 5, 10, 20 (capped by need)
    assert said and all(WAITING in line for line in said)


def test_a_403_without_a_granted_role_fails_at_once_naming_the_role(emulator, train_file, tmp_path):
    fake = FakeTime()
    emulator.auth_delay.clock = fake.clock
    emulator.auth_delay.set(20)
    outputs = parse_outputs(OUTPUTS, source="t")
    with Ledger(tmp_path / "l.db") as ledger:
        target, *_ = plan_launch(
            LaunchRequest(stack="ftdev", model="gpt-4.1-mini", method="sft", train=train_file),
            outputs,
            catalog,
            DatasetFacts("0" * 64, None, False, {}),
            ledger,
        )
        wait = role_wait_for(outputs, target, sleep=fake.sleep, clock=fake.clock)
        assert not wait.granted
        with pytest.raises(AzureRefusedError) as refused:
            _launch(outputs, train_file, ledger, wait)
    assert refused.value.exit_code == 3 and refused.value.status == 403
    assert f"lacks the role {DATA_PLANE_ROLE} on {ACCOUNT_ID}" in refused.value.message
    assert fake.sleeps == [] and emulator.auth_delay.denied == 1  # no waiting, one request
    assert emulator.counters("aisse").get("uploads", 0) == 0


def test_a_403_that_never_clears_stops_at_the_bound(emulator):
    fake = FakeTime()
    emulator.auth_delay.clock = fake.clock
    emulator.auth_delay.set(3600)
    wait = RoleWait(True, DATA_PLANE_ROLE, ACCOUNT_ID, 60, sleep=fake.sleep, clock=fake.clock)
    with (
        OpenAIDataPlane("https://aisse.openai.azure.com/", policy=FAST) as plane,
        pytest.raises(AzureRefusedError) as e,
    ):
        wait.call(plane.files.list)
    assert "still refuses" in e.value.message and sum(fake.sleeps) == pytest.approx(60)


def test_outputs_say_whether_the_stack_granted_the_caller_a_role():
    granted = {**OUTPUTS, "caller_roles": [{"role": "Azure AI User", "scope": ACCOUNT_ID}]}
    outputs = parse_outputs(granted, source="t")
    with Ledger() as ledger:
        target, *_ = plan_launch(
            LaunchRequest(stack="ftdev", model="gpt-4.1-mini", method="sft", train=Path("x")),
            outputs,
            catalog,
            DatasetFacts("0" * 64, None, False, {}),
            ledger,
        )
    wait = role_wait_for(outputs, target)
    assert wait.granted and wait.role == "Azure AI User" and wait.bound == 300
    assert not role_wait_for(parse_outputs(OUTPUTS, source="t"), target).granted
    # A grant that does not open the data plane (the usages reader on the subscription) is not waited for.
    subscription = f"/subscriptions/{OUTPUTS['subscription_id']}"
    reader = {**OUTPUTS, "caller_roles": [{"role": "Cognitive Services Usages Reader", "scope": subscription}]}
    assert not role_wait_for(parse_outputs(reader, source="t"), target).granted
