"""Renders the config reference (docs/config.md) from the Environment schema, so it cannot drift.

Run `python -m ftops.stack.reference > docs/config.md` after changing ftops/stack/schema.py;
a test fails while the committed file differs from what this prints.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from ftops.stack.roles import ROLES
from ftops.stack.schema import Environment


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " \\| ".join(names) + (" (optional)" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return "mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "section"
    return getattr(annotation, "__name__", str(annotation))


def _sections(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _sections(arg)
    return found


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        if field.is_required():
            default = "**required**"
        elif field.default_factory is not None:
            default = "see below" if _sections(field.annotation) else "empty"
        elif field.default is PydanticUndefined or field.default is None:
            default = "-"
        else:
            default = f"`{field.default}`"
        description = field.description or ""
        for meta in field.metadata:
            description = description or getattr(meta, "description", "") or ""
        if not description:
            for arg in typing.get_args(field.annotation):
                for meta in getattr(arg, "__metadata__", ()):
                    description = description or getattr(meta, "description", "") or ""
        rows.append(f"| `{path}` | {_type_name(field.annotation)} | {default} | {description} |")
        for section in _sections(field.annotation):
            is_list = typing.get_origin(field.annotation) is list or "list of" in _type_name(field.annotation)
            rows += _rows(section, f"{path}[]." if is_list else f"{path}.")
    return rows


def render() -> str:
    lines = [
        "# Stack config reference",
        "",
        "Each stack file `stacks/Pulumi.<stack>.yaml` holds the environment under `config:` as `ftops:environment`.",
        "This page is generated from `ftops/stack/schema.py` (`python -m ftops.stack.reference > docs/config.md`).",
        "",
        "| key | type | default | description |",
        "| --- | --- | --- | --- |",
        *_rows(Environment, ""),
        "",
        "## Roles for `access[].roles`",
        "",
        "| role | assigned on | purpose |",
        "| --- | --- | --- |",
        *(f"| {r.name} | {r.scope.replace('_', ' ')} | {r.purpose} |" for r in ROLES.values()),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
