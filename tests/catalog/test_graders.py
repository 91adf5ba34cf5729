"""Grader models and similarity metrics exactly as the newest RFT pages list them."""

from __future__ import annotations

import re
from pathlib import Path

from ftops.catalog import load_catalog
from ftops.data.grader import check_grader
from ftops.data.problems import ProblemLog

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "microsoft" / "azure-ai-docs" / "articles"
PREPARATION = (DOCS / "foundry/includes/reinforcement-fine-tuning-preparation.md").read_text(encoding="utf-8")
CONTENT = (DOCS / "foundry/openai/includes/how-to-reinforcement-fine-tuning-content.md").read_text(encoding="utf-8")


def test_metrics_are_the_preparation_pages_table() -> None:
    table = PREPARATION.split("| Metric | Comparison |", 1)[1].split("\n\n", 1)[0]
    metrics: list[str] = []
    for first, last in re.findall(r"^\| `([a-z_0-9]+)`(?: through `([a-z_0-9]+)`)? \|", table, flags=re.M):
        if last:  # `rouge_1` through `rouge_5`
            stem = first.rsplit("_", 1)[0]
            metrics += [f"{stem}_{n}" for n in range(int(first[-1]), int(last[-1]) + 1)]
        else:
            metrics.append(first)
    assert list(load_catalog().similarity_metrics) == metrics
    assert "Use `cosine` for evaluations, not RFT." in PREPARATION


def test_grader_models_are_the_ones_the_page_names() -> None:
    named = re.search(r"documented grading models include `([^`]+)` and `([^`]+)`", CONTENT).groups()
    assert load_catalog().grader_models == named


def test_a_cosine_text_similarity_grader_is_refused() -> None:
    grader = {"type": "text_similarity", "name": "sim", "input": "{{sample.output_text}}",
              "reference": "{{item.answer}}", "evaluation_metric": "cosine"}  # fmt: skip
    log = ProblemLog()
    check_grader(grader, log)
    assert any("evaluation_metric" in p.path for p in log.kept)
    good = ProblemLog()
    check_grader({**grader, "evaluation_metric": "rouge_l"}, good)
    assert not [p for p in good.kept if "evaluation_metric" in p.path]
