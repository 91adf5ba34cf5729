"""Stack files read strictly, and the limits Azure and the Pulumi engine put on a config.

`yaml.safe_load` never runs code, but it still accepts what later breaks `ftops plan` or `pulumi up`:
a key given twice (the last one silently wins), a 100,000-digit integer (Python refuses to convert it,
a traceback), nesting deep enough to exhaust the recursion limit, aliases that multiply a document, and
lone surrogates (valid in a YAML escape, not encodable as UTF-8, so the engine's gRPC call fails).
`load_yaml` refuses each with one line; `check_tree` does the string and depth checks on any config
(a stack file or `pulumi config`), so `ftops check` and `ftops plan` refuse the same inputs.

`azure_limits` holds the limits of Azure Resource Manager that the schema cannot express alone, each
from Microsoft's docs or specs (cited beside it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ftops.errors import Problem

if TYPE_CHECKING:
    from ftops.stack.schema import Environment

STACK_FILE_MAX_BYTES = 4 * 1024 * 1024  # a stack file is a few KB
MAX_DEPTH = 32  # the schema nests 6 levels
MAX_ALIASES = 100  # anchors are fine; a "billion laughs" document is not
MAX_INT_DIGITS = 19  # 64-bit
MAX_EXPANDED_NODES = 100_000  # values once aliases are expanded (every later walk sees the expanded tree)

# Azure Resource Manager tag limits (learn.microsoft.com, azure-resource-manager/management/tag-resources,
# "Limitations"): at most 50 name/value pairs per resource; names up to 512 characters (128 for storage
# accounts, which ftops' hub creates, so 128 here) and values up to 256; names without < > % & \ ? /.
MAX_TAGS = 50
MAX_TAG_NAME = 128
MAX_TAG_VALUE = 256
TAG_NAME_FORBIDDEN = re.compile(r"[<>%&\\?/]")
FTOPS_TAGS = ("managed-by", "ftops-environment")  # infra/components/environment.py adds these to every resource
# Microsoft.Quota LimitObject.value is an int32 (ftops/emulator/spec_files/arm-quota-2025-07-15-quota.json).
MAX_QUOTA_VALUE = 2**31 - 1


class StrictYamlError(ValueError):
    """A YAML document ftops refuses; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def load_yaml(text: str) -> Any:
    """`yaml.safe_load` refusing duplicate keys, huge integers, deep nesting and alias floods."""
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0
        aliases = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > MAX_ALIASES:
                    raise StrictYamlError(f"more than {MAX_ALIASES} aliases (*name)", _line(self.peek_event()))
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise StrictYamlError(f"nested more than {MAX_DEPTH} levels deep", _line(self.peek_event()))
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def compose_document(self) -> Any:
            node = super().compose_document()
            if self.aliases and _expanded_size(node, {}) > MAX_EXPANDED_NODES:
                raise StrictYamlError(f"aliases expand the document past {MAX_EXPANDED_NODES:,} values", _line(node))
            return node

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    if key in seen:
                        raise StrictYamlError(
                            f"the key {str(key)[:60]!r} appears twice in one mapping (the last would silently win)",
                            _line(key_node),
                        )
                    seen[key] = True
                except TypeError:  # an unhashable key: yaml's own error says so
                    break
            return super().construct_mapping(node, deep=deep)

    def construct_int(loader: Any, node: Any) -> int:
        digits = str(node.value).replace("_", "")
        if len(digits.lstrip("+-")) > MAX_INT_DIGITS and not digits.lstrip("+-").startswith("0x"):
            raise StrictYamlError(f"an integer of {len(digits):,} digits (past 64 bits)", _line(node))
        return int(yaml.SafeLoader.construct_yaml_int(loader, node))

    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    try:
        return yaml.load(text, Loader=Loader)  # a SafeLoader subclass: builds no Python objects
    except RecursionError:
        raise StrictYamlError(f"nested more than {MAX_DEPTH} levels deep") from None


def _expanded_size(node: Any, sizes: dict[int, int]) -> int:
    """How many nodes the document holds with every alias expanded (memoised: linear in the real nodes)."""
    if id(node) in sizes:
        return sizes[id(node)]
    size = 1
    if isinstance(node.value, list):  # sequence: nodes; mapping: (key, value) pairs
        for item in node.value:
            pair = item if isinstance(item, tuple) else (item,)
            size += sum(_expanded_size(part, sizes) for part in pair)
            if size > MAX_EXPANDED_NODES:
                break
    sizes[id(node)] = size
    return size


def _line(node_or_event: Any) -> int | None:
    mark = getattr(node_or_event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def check_tree(data: Any) -> list[Problem]:
    """Strings Azure and the engine can carry (UTF-8, so no lone surrogates) and bounded depth, without recursion."""
    problems: list[Problem] = []
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack and len(problems) < 20:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(Problem(path, f"nested more than {MAX_DEPTH} levels deep"))
            continue
        if isinstance(item, dict):
            for key, value in item.items():
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and not _encodable(key):
                    problems.append(Problem(_printable(where), "the key holds a lone surrogate (\\ud800-\\udfff)"))
                stack.append((value, _printable(where), depth + 1))
        elif isinstance(item, list):
            stack.extend((value, f"{path}[{i}]", depth + 1) for i, value in enumerate(item))
        elif isinstance(item, str) and not _encodable(item):
            problems.append(
                Problem(path, "holds a lone surrogate (\\ud800-\\udfff): write the character itself, or both halves")
            )
    return problems


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def azure_limits(env: Environment) -> Iterator[Problem]:
    """What Azure Resource Manager or the Pulumi engine would refuse after `pulumi up` had begun."""
    merged = {name.lower() for name in env.tags} | set(FTOPS_TAGS)
    if len(merged) > MAX_TAGS:
        yield Problem(
            "tags",
            f"{len(merged)} tags with ftops' own {len(FTOPS_TAGS)} ({', '.join(FTOPS_TAGS)}); Azure allows "
            f"{MAX_TAGS} per resource: put related values in one tag (a JSON string)",
        )
    seen: dict[str, str] = {}
    for name, value in env.tags.items():
        path = f"tags.{_printable(name)[:40]}"
        if not name:
            yield Problem("tags", "a tag name is empty")
        if len(name) > MAX_TAG_NAME:
            yield Problem(path, f"tag name of {len(name)} characters; Azure allows {MAX_TAG_NAME} on storage accounts")
        if TAG_NAME_FORBIDDEN.search(name):
            yield Problem(path, "tag names cannot hold < > % & \\ ? /")
        if len(value) > MAX_TAG_VALUE:
            yield Problem(path, f"tag value of {len(value)} characters; Azure allows {MAX_TAG_VALUE}")
        if (folded := name.lower()) in seen:
            yield Problem(path, f"tag names are case-insensitive in Azure: '{seen[folded]}' and this one are the same")
        seen.setdefault(folded, name)
    # Two grants of one role to one principal at the same scopes are one role assignment name (Bicep's
    # guid(scope, principal, role)): Pulumi refuses the duplicate resource name.
    granted: dict[tuple[str, str], str] = {}
    for i, grant in enumerate(env.access):
        for j, role in enumerate(grant.roles):
            key = (grant.principal_id.lower(), role)
            path = f"access[{i}].roles[{j}]"
            if key in granted:
                yield Problem(path, f"'{role}' for {grant.principal_id} is granted twice (also at {granted[key]})")
            else:
                granted[key] = path
    if env.hub:
        for i, project in enumerate(env.hub.projects):
            listed: dict[str, int] = {}
            for j, name in enumerate(project.marketplace_subscriptions):
                if name.lower() in listed:
                    yield Problem(
                        f"hub.projects[{i}].marketplace_subscriptions[{j}]",
                        f"'{name}' is listed twice (also at [{listed[name.lower()]}]); one subscription per model",
                    )
                listed.setdefault(name.lower(), j)
    compute = env.managed_compute
    if compute is not None and compute.training_vcpus + compute.inference_vcpus > MAX_QUOTA_VALUE:
        yield Problem(
            "managed_compute.training_vcpus",
            f"{compute.training_vcpus + compute.inference_vcpus:,} vCPUs in all; a quota limit is at most "
            f"{MAX_QUOTA_VALUE:,} (Microsoft.Quota's int32)",
        )
