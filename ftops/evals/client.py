"""Azure OpenAI Evals API (`/openai/evals`, runs, output items) on one account's data plane.

Shapes from the carried aoai-authoring 2025-04-01-preview spec (`Eval`, `EvalRun`, `EvalRunOutputItem`);
calls go through the account's `OpenAIDataPlane` (its Transport: retries, Retry-After, redaction), and the
one wait is `ftops.azure.poll.wait_until`. Creates are not retried after sending: the eval flow finds a
create whose reply was lost by the `metadata` it sent.

    with OpenAIDataPlane(endpoint) as plane:
        evals = EvalsClient(plane)
        found = evals.create({"name": "...", "data_source_config": {...}, "testing_criteria": [...]})
        run = evals.wait_run(found.id, evals.create_run(found.id, {...}).id)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ftops.azure.models import Outcome, WireModel, outcome_of, parse
from ftops.azure.names import SERVICE_ID, segment
from ftops.azure.openai import OpenAIDataPlane
from ftops.azure.poll import wait_until
from ftops.errors import AzureFailureError

# Run statuses the preview spec names ("queued" | "in_progress" | "failed" | "completed" | "canceled").
RUN_DONE = {"completed": Outcome.SUCCEEDED, "failed": Outcome.FAILED, "canceled": Outcome.CANCELLED}


class Eval(WireModel):
    id: str
    name: str | None = None
    metadata: dict[str, str] | None = None
    testing_criteria: list[dict[str, Any]] | None = None


class EvalRun(WireModel):
    id: str
    eval_id: str | None = None
    status: str
    model: str | None = None
    name: str | None = None
    metadata: dict[str, str] | None = None
    result_counts: dict[str, int] | None = None
    per_model_usage: list[dict[str, Any]] | None = None
    per_testing_criteria_results: list[dict[str, Any]] | None = None
    error: dict[str, Any] | None = None
    report_url: str | None = None

    @property
    def outcome(self) -> Outcome | None:
        return RUN_DONE.get(self.status) or outcome_of(self.status)


class OutputItem(WireModel):
    id: str
    status: str | None = None
    datasource_item_id: int | None = None
    datasource_item: dict[str, Any] | None = None
    results: list[dict[str, Any]] | None = None
    sample: dict[str, Any] | None = None


class _Page(WireModel):
    data: list[dict[str, Any]] | None = None
    has_more: bool | None = None
    last_id: str | None = None


class EvalsClient:
    """`/evals` of one account."""

    def __init__(self, plane: OpenAIDataPlane) -> None:
        self._plane = plane

    @staticmethod
    def _eval(eval_id: str, rest: str = "") -> str:
        return f"/evals/{segment(eval_id, SERVICE_ID)}{rest}"

    def create(self, body: dict[str, Any]) -> Eval:
        return self._plane.typed(Eval, "POST", "/evals", json=body, idempotent=False)

    def get(self, eval_id: str) -> Eval:
        return self._plane.typed(Eval, "GET", self._eval(eval_id))

    def list(self, *, max_items: int = 10_000) -> Iterator[Eval]:
        yield from self._pages(Eval, "/evals", max_items)

    def create_run(self, eval_id: str, body: dict[str, Any]) -> EvalRun:
        return self._plane.typed(EvalRun, "POST", self._eval(eval_id, "/runs"), json=body, idempotent=False)

    def get_run(self, eval_id: str, run_id: str) -> EvalRun:
        return self._plane.typed(EvalRun, "GET", self._eval(eval_id, f"/runs/{segment(run_id, SERVICE_ID)}"))

    def runs(self, eval_id: str, *, max_items: int = 10_000) -> Iterator[EvalRun]:
        yield from self._pages(EvalRun, self._eval(eval_id, "/runs"), max_items)

    def output_items(self, eval_id: str, run_id: str, *, max_items: int = 100_000) -> Iterator[OutputItem]:
        path = self._eval(eval_id, f"/runs/{segment(run_id, SERVICE_ID)}/output_items")
        yield from self._pages(OutputItem, path, max_items)

    def wait_run(
        self,
        eval_id: str,
        run_id: str,
        *,
        interval: float,
        timeout: float = 6 * 3600.0,
        on_poll: Callable[[EvalRun], None] | None = None,
    ) -> EvalRun:
        """Poll a run until completed, failed or canceled (the one poller: deadline, Retry-After, cap)."""
        return wait_until(
            lambda: self.get_run(eval_id, run_id),
            lambda run: run.outcome,
            what=f"eval run {run_id}",
            interval=interval,
            timeout=timeout,
            state=lambda run: run.status,
            on_poll=on_poll,
            sleep=self._plane.sleep,
            hint="run the same `ftops eval` again later: it finds the runs it created",
        ).value

    def _pages(self, model: type[Any], path: str, max_items: int) -> Iterator[Any]:
        """Items across `has_more`/`after` pages, oldest first; a repeating cursor stops the listing."""
        after: str | None = None
        seen: set[str] = set()
        count = 0
        deadline = self._plane.transport.clock() + self._plane.transport.policy.budget_seconds
        while count < max_items:
            params: dict[str, Any] = {"limit": 100}
            if after:
                params["after"] = after
            page = self._plane.typed(_Page, "GET", path, params=params, deadline=deadline)
            items = page.data or []
            for item in items:
                yield parse(model, item, what=f"GET {path}")
                count += 1
            after = page.last_id or (items[-1].get("id") if items else None)
            if not page.has_more or not items or not isinstance(after, str) or not after:
                return
            if after in seen:
                raise AzureFailureError(f"GET {path}: the service's paging repeats a page", hint="retry later")
            seen.add(after)
