"""Scores from output items: per target and grader, pass rates, tokens, a paired comparison, the pick.

Pure functions over what the Evals API returned, so the numbers can be checked without a service.
A target's `pass_rate` counts items that passed every grader; a grader's `mean` is its mean score and
its `pass_rate` the share of items it passed. The paired comparison is against the baseline target
(the first one unless chosen): an item *improved* when the baseline failed it and the target passed it,
*regressed* the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ftops.errors import UsageError

PASS_RATE = "pass_rate"
EXAMPLES_SHOWN = 5  # per direction in the paired comparison; --json has every index


@dataclass
class TargetScores:
    label: str
    deployment: str
    model: str
    kind: str  # deployment | fine-tuned | checkpoint
    run_id: str
    items: int = 0
    passed: int = 0
    graders: dict[str, dict[str, float]] = field(default_factory=dict)  # name -> {mean, pass_rate}
    tokens: dict[str, int] = field(default_factory=dict)
    outcomes: dict[int, bool] = field(default_factory=dict)  # datasource item id -> passed every grader
    answers: dict[int, str] = field(default_factory=dict)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.items if self.items else 0.0

    def metric(self, name: str) -> float:
        if name == PASS_RATE:
            return self.pass_rate
        if name in self.graders:
            return self.graders[name]["mean"]
        grader, _, part = name.rpartition(".")
        if grader in self.graders and part in ("mean", "pass_rate"):
            return self.graders[grader][part]
        known = ", ".join([PASS_RATE, *self.graders, *(f"{g}.pass_rate" for g in self.graders)])
        raise UsageError(f"unknown metric {name!r}", hint=f"use one of {known}")

    def view(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "deployment": self.deployment,
            "model": self.model,
            "kind": self.kind,
            "run_id": self.run_id,
            "items": self.items,
            "passed": self.passed,
            "pass_rate": round(self.pass_rate, 6),
            "graders": {k: {m: round(v, 6) for m, v in g.items()} for k, g in self.graders.items()},
            "tokens": dict(self.tokens),
        }


def score(target: TargetScores, output_items: list[dict[str, Any]], usage: list[dict[str, Any]]) -> TargetScores:
    """Fill `target` from a completed run's output items and its per-model usage."""
    totals: dict[str, list[float]] = {}
    for item in output_items:
        index = int(item.get("datasource_item_id") or 0)
        results = item.get("results") or []
        passed = bool(results) and all(bool(r.get("passed")) for r in results)
        target.outcomes[index] = passed
        output = ((item.get("sample") or {}).get("output") or [{}])[-1]
        target.answers[index] = str(output.get("content") or "")
        for result in results:
            name = str(result.get("name") or result.get("type") or "grader")
            totals.setdefault(name, []).append(float(result.get("score") or 0.0))
            totals.setdefault(f"{name}\0pass", []).append(1.0 if result.get("passed") else 0.0)
    target.items = len(output_items)
    target.passed = sum(target.outcomes.values())
    for name, scores in totals.items():
        if name.endswith("\0pass"):
            continue
        passes = totals[f"{name}\0pass"]
        target.graders[name] = {"mean": sum(scores) / len(scores), "pass_rate": sum(passes) / len(passes)}
    for key in ("prompt_tokens", "completion_tokens", "total_tokens", "invocation_count"):
        target.tokens[key] = sum(int(u.get(key) or 0) for u in usage)
    return target


def paired(baseline: TargetScores, target: TargetScores, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Which items the target passes that the baseline fails (improved), and the other way (regressed)."""
    shared = sorted(set(baseline.outcomes) & set(target.outcomes))
    improved = [i for i in shared if target.outcomes[i] and not baseline.outcomes[i]]
    regressed = [i for i in shared if baseline.outcomes[i] and not target.outcomes[i]]

    def example(index: int) -> dict[str, Any]:
        messages = (items[index] if index < len(items) else {}).get("input") or []
        prompt = next((str(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
        return {
            "item": index,
            "prompt": prompt[:200],
            "reference": str((items[index] if index < len(items) else {}).get("reference", ""))[:200],
            "baseline": baseline.answers.get(index, "")[:200],
            "target": target.answers.get(index, "")[:200],
        }

    return {
        "baseline": baseline.label,
        "target": target.label,
        "improved": improved,
        "regressed": regressed,
        "unchanged": len(shared) - len(improved) - len(regressed),
        "examples": {
            "improved": [example(i) for i in improved[:EXAMPLES_SHOWN]],
            "regressed": [example(i) for i in regressed[:EXAMPLES_SHOWN]],
        },
    }


def pick(targets: list[TargetScores], metric: str) -> TargetScores:
    """The best target by `metric` (the first listed wins a tie)."""
    best = targets[0]
    for target in targets[1:]:
        if target.metric(metric) > best.metric(metric):
            best = target
    return best
