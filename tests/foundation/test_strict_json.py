"""Graders and stack outputs go through one strict JSON reader: the same inputs are refused by both."""

from __future__ import annotations

import pytest

from ftops.data.grader import parse_grader
from ftops.errors import UserError
from ftops.stack.outputs import OutputsError, decode_outputs
from ftops.strict_json import StrictJsonError, loads

HOSTILE = {
    "NaN": ('{"a": NaN}', "value"),
    "Infinity": ('{"a": -Infinity}', "value"),
    "a number past a double": ('{"a": 1e400}', "value"),
    "an integer past 64 bits": ('{"a": 12345678901234567890}', "value"),
    "a duplicate key": ('{"a": 1, "a": 2}', "value"),
    "a lone surrogate": ('{"a": "\\ud800"}', "surrogate"),
    "nesting past the limit": ('{"a": ' * 40 + "1" + "}" * 40, "depth"),
    "a syntax error": ('{"a": 1,}', "syntax"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_each_rule_is_refused_by_the_reader_and_by_both_callers(name):
    text, rule = HOSTILE[name]
    with pytest.raises(StrictJsonError) as caught:
        loads(text, max_depth=32)
    assert caught.value.rule == rule
    with pytest.raises(UserError) as grader:
        parse_grader(text.encode(), "g.json")
    assert grader.value.message.startswith("grader file g.json ")
    with pytest.raises(OutputsError) as outputs:
        decode_outputs(text.encode(), "o.json")
    assert outputs.value.message.startswith("o.json ")


def test_strict_json_still_reads_ordinary_documents():
    document = '{"a": [1, 2.5, -3, "\\u00e9\\ud83d\\ude00", true, null], "b": {"c": 9223372036854775807}}'
    assert loads(document, max_depth=32) == {"a": [1, 2.5, -3, "é😀", True, None], "b": {"c": 9223372036854775807}}
    assert loads('{"a": {"b": 1}}', max_depth=3) == {"a": {"b": 1}}
    with pytest.raises(StrictJsonError, match="past 2 levels"):
        loads('{"a": {"b": 1}}', max_depth=2)
