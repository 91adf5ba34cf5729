"""Training-data validation: streaming JSONL checks per method and model, with token estimates."""

from ftops.data.problems import DataProblem, ProblemLog
from ftops.data.validate import FileReport, ValidationReport, raise_for_problems, validate_files

__all__ = ["DataProblem", "FileReport", "ProblemLog", "ValidationReport", "raise_for_problems", "validate_files"]
