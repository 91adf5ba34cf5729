"""Names and ids that go into request URLs: checked against Azure's rules, then percent-encoded.

A name from the command line, an outputs file or a server reply is never pasted into a path as it is: `..`
would climb to the parent resource (httpx normalises the path, so `deployments/..` is the *account*), and
`/`, `?`, `#` or `%` would change what the request addresses. Every path segment a client builds goes
through `segment(value, rule)`; a full ARM resource id (a workspace id from stack outputs) through `arm_id`.
The transport refuses any path that still holds a dot segment, so nothing slips past a client that forgot.

Each rule's pattern is the path parameter's `pattern` in the spec named in its `source` where the spec gives
one; where it gives none, the rule allows ARM's resource-name characters and refuses the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from ftops.errors import UserError

if TYPE_CHECKING:
    from pydantic import AfterValidator


class InvalidNameError(UserError):
    """A name or id that cannot be a segment of an Azure request URL."""

    kind = "invalid_name"


@dataclass(frozen=True)
class NameRule:
    what: str
    pattern: str
    min_length: int
    max_length: int
    source: str

    def problem(self, value: str) -> str | None:
        """Why `value` breaks this rule, or None."""
        if value in (".", ".."):
            return "is a dot segment"
        if not self.min_length <= len(value) <= self.max_length:
            return f"must be {self.min_length}-{self.max_length} characters long, not {len(value)}"
        if not re.fullmatch(self.pattern, value):
            bad = sorted({c for c in value if not re.fullmatch(r"[A-Za-z0-9_.()\-]", c)})
            shown = ", ".join(repr(c) for c in bad[:5]) or "its first or last character"
            return f"has characters Azure does not allow here ({shown})"
        return None


COGNITIVE_SPEC = "Microsoft.CognitiveServices 2026-09-01"
ML_SPEC = "Microsoft.MachineLearningServices 2025-12-01"

SUBSCRIPTION_ID = NameRule(
    "subscription id",
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    36,
    36,
    "a subscription id is a GUID",
)
RESOURCE_GROUP = NameRule(
    "resource group name",
    r"[-\w._()]*[-\w_()]",
    1,
    90,
    "common-types v3 ResourceGroupNameParameter (^[-\\w\\._\\(\\)]+$, 1-90, not ending in '.')",
)
LOCATION = NameRule("Azure region", r"[a-z0-9]+", 1, 64, "ARM location names are lower-case letters and digits")
ACCOUNT = NameRule("AI Services account name", r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", 2, 64, f"{COGNITIVE_SPEC} accountName")
PROJECT = NameRule("project name", r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", 2, 64, f"{COGNITIVE_SPEC} projectName")
DEPLOYMENT = NameRule(
    "deployment name",
    r"[a-zA-Z0-9][a-zA-Z0-9_.-]*",
    1,
    64,
    f"{COGNITIVE_SPEC} deploymentName has no pattern: ARM resource-name characters",
)
WORKSPACE = NameRule("workspace name", r"[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}", 3, 33, f"{ML_SPEC} workspaceName")
ML_RESOURCE = NameRule(
    "AzureML resource name",
    r"[a-zA-Z0-9][a-zA-Z0-9_.-]*",
    1,
    255,
    f"{ML_SPEC} job, data, endpoint and subscription names: ARM resource-name characters",
)
QUOTA_RESOURCE = NameRule(
    "quota resource name", r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", 1, 128, "Microsoft.Quota 2025-07-15 resourceName"
)
STORAGE_ACCOUNT = NameRule(
    "storage account name", r"[a-z0-9]+", 3, 24, "storage account names: 3-24 lower-case letters and digits"
)
BLOB_CONTAINER = NameRule(
    "blob container name", r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*", 3, 63, "Blob service container naming rules"
)
SERVICE_ID = NameRule(
    "service id",
    r"[A-Za-z0-9][A-Za-z0-9_.:\-]*",
    1,
    256,
    "Azure OpenAI file, job and checkpoint ids (file-…, ftjob-…, ftchkpt-…)",
)


def validator(rule: NameRule) -> AfterValidator:
    """A pydantic validator enforcing `rule` on a model field (stack outputs are checked as they are read)."""
    from pydantic import AfterValidator

    def validate(value: str) -> str:
        why = rule.problem(value)
        if why:
            raise ValueError(f"{rule.what} {value[:80]!r} {why}")
        return value

    return AfterValidator(validate)


def check(value: object, rule: NameRule) -> str:
    """`value` as a str that satisfies `rule`, or InvalidNameError naming the rule and the fix."""
    text = value if isinstance(value, str) else str(value)
    why = rule.problem(text)
    if why:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise InvalidNameError(
            f"{rule.what} {shown!r} {why}",
            hint=f"use the name Azure shows for it ({rule.source}); letters, digits, '-', '_' and '.'",
        )
    return text


def segment(value: object, rule: NameRule) -> str:
    """One URL path segment: checked, then percent-encoded (nothing is left that could add a segment)."""
    return quote(check(value, rule), safe="")


_ARM_ID_SEGMENT = NameRule("resource id segment", r"[A-Za-z0-9_()\-][A-Za-z0-9_.()\-]*", 1, 260, "ARM resource ids")


def arm_id(value: object, *, what: str = "resource id") -> str:
    """A full ARM resource id (`/subscriptions/…/providers/…/name`), each segment checked."""
    text = value if isinstance(value, str) else str(value)
    parts = text.split("/")
    if not text.startswith("/subscriptions/") or len(parts) < 3 or len(parts) % 2 == 0:
        raise InvalidNameError(
            f"{what} {text[:80]!r} is not an ARM resource id",
            hint="it starts /subscriptions/<id>/resourceGroups/<group>/providers/…; copy it from the stack outputs",
        )
    for part in parts[1:]:
        try:
            check(part, _ARM_ID_SEGMENT)
        except InvalidNameError as exc:
            raise InvalidNameError(f"{what} {text[:80]!r}: {exc.message}", hint=exc.hint) from None
    check(parts[2], SUBSCRIPTION_ID)
    return "/".join(quote(p, safe="") for p in parts)


def unsafe_path_reason(path: str) -> str | None:
    """Why a request path must not be sent (a dot segment, an empty segment, a control character), or None."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F or c.isspace() for c in path):
        return "it holds a control or space character"
    segments = path.split("/")[1:]
    for index, part in enumerate(segments):
        if part.lower() in (".", "..", "%2e", "%2e%2e", ".%2e", "%2e."):
            return "it holds a dot segment"
        if part == "" and index != len(segments) - 1:
            return "it holds an empty segment"
    return None
