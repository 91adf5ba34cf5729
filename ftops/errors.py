"""Typed errors. Every failure the CLI reports is one of these, with a hint and an exit code.

Exit codes (documented in the README):
  1  user error: bad config, dataset, model name, unavailable combination
  2  usage error: wrong flags or arguments
  3  Azure refused: quota, availability, authorization, a job the service failed
  4  Azure or network failure after retries
  5  already running: the same launch or upload is held by another process (ftops.jobs.lock)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by a path (config path, or file:line)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class FtopsError(Exception):
    """Base of every error ftops reports to a user."""

    exit_code = 1
    kind = "error"

    def __init__(self, message: str, *, hint: str | None = None, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.problems = list(problems or [])

    def with_problems(self, problems: list[Problem]) -> FtopsError:
        """The same error, listing these problems (for errors built in one expression)."""
        self.problems = list(problems)
        return self

    def to_dict(self) -> dict:
        data: dict = {"error": self.kind, "message": self.message, "exit_code": self.exit_code}
        if self.hint:
            data["hint"] = self.hint
        if self.problems:
            data["problems"] = [{"path": p.path, "message": p.message} for p in self.problems]
        return data


class UserError(FtopsError):
    """The input is wrong: config, dataset, model name, an impossible combination."""

    kind = "user_error"


def content_changed(name: str, sha256: str) -> UserError:
    """A dataset whose bytes differ from the ones validation checked (edited or replaced mid-launch)."""
    return UserError(
        f"{name} changed after it was validated: its bytes no longer match the checked sha256 {sha256[:16]}",
        hint="leave the file unchanged while ftops launches it, then rerun the same command",
    )


class ConfigError(UserError):
    """A stack's environment config does not validate; `problems` has one entry per issue."""

    kind = "config_error"


class UnknownModelError(UserError):
    kind = "unknown_model"

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = (
            f"did you mean {' or '.join(suggestions)}?"
            if suggestions
            else "run `ftops models` to list the models ftops knows"
        )
        super().__init__(f"unknown model '{name}'", hint=hint)
        self.name = name
        self.suggestions = suggestions


class NotAvailableError(UserError):
    """A model cannot be fine-tuned with the asked method, modality or region."""

    kind = "not_available"


class DataError(UserError):
    """A training or validation file has problems that would make the fine-tune fail."""

    kind = "data_error"


class OutputsError(UserError):
    """Stack outputs are missing, unreadable or do not match the contract."""

    kind = "outputs_error"


class UsageError(FtopsError):
    exit_code = 2
    kind = "usage_error"


class AzureRefusedError(FtopsError):
    """Azure answered and said no: quota, availability, authorization, a failed job."""

    exit_code = 3
    kind = "azure_refused"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code
        self.request_id = request_id

    def to_dict(self) -> dict:
        data = super().to_dict()
        data.update(
            {k: v for k, v in (("status", self.status), ("code", self.code), ("request_id", self.request_id)) if v}
        )
        return data


class AzureFailureError(AzureRefusedError):
    """Azure or the network failed and retries did not help."""

    exit_code = 4
    kind = "azure_failure"
