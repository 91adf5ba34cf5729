"""How an eval result reads on a terminal: the table of targets and the lines under it."""

from __future__ import annotations

from typing import Any


def summary(result: dict[str, Any], pick: bool) -> tuple[str, list[str], list[list[str]], list[str]]:
    """(title, columns, rows, lines): per-target scores, then comparisons, the pick and the gate."""
    graders = list(result["targets"][0]["graders"]) if result["targets"] else []
    columns = ["target", "deployment", "pass rate", *(f"{g} (mean / pass)" for g in graders), "tokens in/out"]
    rows = []
    for t in result["targets"]:
        cells = [t["label"], t["deployment"], f"{t['pass_rate']:.1%} ({t['passed']}/{t['items']})"]
        cells += [f"{t['graders'][g]['mean']:.3f} / {t['graders'][g]['pass_rate']:.0%}" for g in graders]
        cells.append(f"{t['tokens'].get('prompt_tokens', 0):,} / {t['tokens'].get('completion_tokens', 0):,}")
        rows.append(cells)
    lines = []
    for c in result["comparisons"]:
        lines.append(
            f"{c['target']} vs {c['baseline']}: {len(c['improved'])} improved, {len(c['regressed'])} regressed, "
            f"{c['unchanged']} unchanged"
        )
        for direction in ("improved", "regressed"):
            for example in c["examples"][direction]:
                said = f"{example['prompt'][:60]!r} -> {example['target'][:60]!r}"
                lines.append(f"  {direction} #{example['item']}: {said}")
    if pick:
        chosen = result["pick"]
        lines.append(f"pick: {chosen['label']} ({result['metric']} {chosen['value']:.4f})")
        lines.append(f"  {chosen['deploy']}")
    if gate := result.get("gate"):
        verdict = "passed" if gate["passed"] else "FAILED"
        lines.append(
            f"gate {verdict}: {gate['candidate']} beats {result['baseline']} by {gate['margin']:+.4f} "
            f"(needs {gate['fail_under']})"
        )
    title = f"eval {result['eval_id']} on {result['account']}: {result['items']} examples"
    return title, columns, rows, lines
