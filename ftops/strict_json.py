"""Strict JSON: what every JSON parser (the service's, orjson, Python's) reads the same way, or a refusal.

One reader for the files users hand ftops whole (graders, stack outputs): Python's `json` accepts NaN and
Infinity, keeps the last of duplicate keys silently, turns 1e400 into infinity and recurses without bound.
Each caller words the refusal for its own file and fix; this module only says which rule was broken.
"""

from __future__ import annotations

import json
from typing import Any, Literal

MAX_INT_DIGITS = 19  # 64-bit integers; beyond, JSON parsers disagree (orjson turns them into floats)

Rule = Literal["syntax", "value", "depth", "surrogate"]


class StrictJsonError(ValueError):
    """Why a text is not strict JSON: `rule` is which check failed, `message` one line about where."""

    def __init__(self, rule: Rule, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def loads(text: str, *, max_depth: int, check_strings: bool = True) -> Any:
    """Parse `text`, refusing NaN/Infinity, numbers past a double or 64-bit integers, duplicate keys,
    nesting past `max_depth` and (with `check_strings`) lone surrogates, which cannot be sent as UTF-8."""

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise ValueError(f"an integer of {len(digits):,} digits is past 64 bits")
        return int(digits)

    def real(digits: str) -> float:
        value = float(digits)
        if value in (float("inf"), float("-inf")):
            raise ValueError(f"the number {digits[:40]} is past a double's range")
        return value

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key in found:
                raise ValueError(f"key {key[:60]!r} appears twice in one object")
            found[key] = value
        return found

    try:
        data = json.loads(text, parse_constant=constant, parse_int=integer, parse_float=real, object_pairs_hook=unique)
    except RecursionError:
        raise StrictJsonError("depth", f"nested past {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise StrictJsonError("syntax", f"{exc.msg} at line {exc.lineno}") from None
    except ValueError as exc:  # the hooks' refusals
        raise StrictJsonError("value", str(exc).splitlines()[0][:200]) from None
    _check_tree(data, max_depth, check_strings)
    return data


def _check_tree(value: Any, max_depth: int, check_strings: bool) -> None:
    """Depth and string checks without recursion (a hostile file must not reach Python's recursion limit)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise StrictJsonError("depth", f"nested past {max_depth} levels")
        if isinstance(item, dict):
            for key, inner in item.items():
                if check_strings:
                    _check_text(key)
                stack.append((inner, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
        elif check_strings and isinstance(item, str):
            _check_text(item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise StrictJsonError("surrogate", "holds a lone surrogate escape (\\ud800-\\udfff without its pair)") from None
