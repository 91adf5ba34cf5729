"""Training-data validation: streaming JSONL checks per method and model, with exact token counts offline."""

from ftops.data.grader import read_grader
from ftops.data.problems import DataProblem, ProblemLog
from ftops.data.validate import FileReport, ValidationReport, raise_for_problems, validate_files

__all__ = [
    "DataProblem",
    "FileReport",
    "ProblemLog",
    "ValidationReport",
    "raise_for_problems",
    "read_grader",
    "validate_files",
]
