"""Propagation-aware auth errors: a 401/403 right after `pulumi up` granted the role is a wait, not a refusal.

Azure RBAC assignments take minutes to reach the Foundry data plane, so the first `ftops launch` after the
stack granted the caller its role is answered 401/403. When the stack's outputs say the stack granted the
caller a data-plane role (`caller_roles`, see ftops.stack.outputs), `RoleWait.call` retries with capped
exponential backoff up to a bound (FTOPS_ROLE_WAIT_SECONDS, default 300 s), saying "waiting for the role
assignment to take effect"; otherwise the 401/403 fails at once, naming the role and the scope that are
missing. Clock and sleep are injectable, so tests run a 20 s propagation in no time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ftops.errors import AzureRefusedError
from ftops.settings import seconds_setting

if TYPE_CHECKING:
    from ftops.stack.outputs import StackOutputs
    from ftops.stack.placement import Target

T = TypeVar("T")
WAIT_ENV = "FTOPS_ROLE_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 300.0
DATA_PLANE_ROLE = "Cognitive Services OpenAI Contributor"  # ftops.stack.roles: fine-tune through the API
# The roles whose propagation a launch waits for (ftops.stack.roles: their purposes are running fine-tunes);
# the stack's other grants (usages reader, storage) do not let the data plane in, so they don't count.
DATA_PLANE_ROLES = frozenset({DATA_PLANE_ROLE, "Azure AI User"})
WAITING = "waiting for the role assignment to take effect"


def wait_bound() -> float:
    return seconds_setting(WAIT_ENV, DEFAULT_WAIT_SECONDS, example="600")


@dataclass
class RoleWait:
    """How a data-plane 401/403 is handled for one account: waited out (role granted) or reported at once."""

    granted: bool
    role: str
    scope: str
    bound: float = DEFAULT_WAIT_SECONDS
    say: Callable[[str, str], None] = lambda step, detail: None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    first_delay: float = 5.0
    max_delay: float = 30.0
    waited: float = 0.0

    def call(self, action: Callable[[], T]) -> T:
        started, delay = self.clock(), self.first_delay
        while True:
            try:
                return action()
            except AzureRefusedError as exc:
                if exc.status not in (401, 403):
                    raise
                if not self.granted:
                    raise AzureRefusedError(
                        f"Azure refused the data plane ({exc.status}): the caller lacks the role {self.role} on "
                        f"{self.scope}",
                        hint=f"assign {self.role} at that scope (or add the caller to the stack's access list and "
                        "run `pulumi up`), then retry",
                        status=exc.status,
                        code=exc.code,
                        request_id=exc.request_id,
                    ) from None
                spent = self.clock() - started
                if spent >= self.bound:
                    raise AzureRefusedError(
                        f"Azure still refuses the data plane ({exc.status}) {spent:.0f} s after the stack granted "
                        f"{self.role} on {self.scope}",
                        hint=f"role assignments usually take effect within minutes; rerun later, or raise {WAIT_ENV}",
                        status=exc.status,
                        code=exc.code,
                        request_id=exc.request_id,
                    ) from None
                pause = min(delay, self.max_delay, self.bound - spent)
                self.say("auth", f"{WAITING} ({self.role}; {spent:.0f} s of at most {self.bound:.0f} s)")
                self.sleep(pause)
                self.waited += pause
                delay *= 2


def role_wait_for(
    outputs: StackOutputs, target: Target, say: Callable[[str, str], None] | None = None, **clock: Any
) -> RoleWait:
    """The `RoleWait` for a launch target: granted if the outputs list a data-plane role the stack gave the
    caller on that account (or on its resource group or subscription)."""
    scopes = {target.resource_id, f"/subscriptions/{outputs.subscription_id}/resourceGroups/{outputs.resource_group}"}
    scopes.add(f"/subscriptions/{outputs.subscription_id}")
    covering = {s.lower() for s in scopes}
    granted = [
        r for r in outputs.caller_roles if r.role in DATA_PLANE_ROLES and r.scope.rstrip("/").lower() in covering
    ]
    role = granted[0].role if granted else DATA_PLANE_ROLE
    return RoleWait(bool(granted), role, target.resource_id, wait_bound(), say or (lambda step, detail: None), **clock)
