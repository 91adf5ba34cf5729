"""Problems found in a dataset, and a collector that caps repeats so a broken file stays readable."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
MAX_PER_CODE = 10  # after this many of one kind, count the rest instead of listing them


@dataclass(frozen=True)
class DataProblem:
    """One thing wrong with a dataset: where (file, line, JSON path), what, and how to fix it."""

    severity: Severity
    code: str
    file: str
    line: int | None
    path: str
    message: str
    fix: str

    @property
    def where(self) -> str:
        place = self.file + (f":{self.line}" if self.line else "")
        return f"{place} {self.path}" if self.path else place

    def to_dict(self) -> dict:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "message": self.message,
            "fix": self.fix,
        }


class ProblemLog:
    """Keeps the first MAX_PER_CODE problems of each code and counts every one."""

    def __init__(self, limit: int = MAX_PER_CODE) -> None:
        self.limit = limit
        self.kept: list[DataProblem] = []
        self.counts: Counter[str] = Counter()
        self.severities: dict[str, Severity] = {}

    def add(self, problem: DataProblem) -> None:
        self.counts[problem.code] += 1
        self.severities[problem.code] = problem.severity
        if self.counts[problem.code] <= self.limit:
            self.kept.append(problem)

    def error(self, code: str, file: str, line: int | None, path: str, message: str, fix: str) -> None:
        self.add(DataProblem("error", code, file, line, path, message, fix))

    def warning(self, code: str, file: str, line: int | None, path: str, message: str, fix: str) -> None:
        self.add(DataProblem("warning", code, file, line, path, message, fix))

    @property
    def error_count(self) -> int:
        return sum(n for code, n in self.counts.items() if self.severities[code] == "error")

    @property
    def warning_count(self) -> int:
        return sum(n for code, n in self.counts.items() if self.severities[code] == "warning")

    def omitted(self) -> dict[str, int]:
        """Per code, how many problems were counted but not listed."""
        return {code: n - self.limit for code, n in self.counts.items() if n > self.limit}
