"""The fast path: typed decoding (msgspec) of the common SFT example, checked in the decoder itself.

Most lines of a big SFT file are `{"messages": [{"role": ..., "content": "text"}, ...]}` with plain roles.
msgspec decodes such a line straight into the structs below and refuses anything else (an unknown key, a
role outside the union, content that is not a string, a weight other than 0 or 1) in C. A refused line is not
an error: it goes to the full checks (formats.py), which say exactly what is wrong, or find nothing. So the
fast path only has to decide "nothing to report" and count; every verdict still comes from one rule set.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import msgspec

FAST_ROLES = frozenset({"system", "developer", "user", "assistant"})


class System(msgspec.Struct, tag_field="role", tag="system", forbid_unknown_fields=True, gc=False):
    content: str


class Developer(msgspec.Struct, tag_field="role", tag="developer", forbid_unknown_fields=True, gc=False):
    content: str


class User(msgspec.Struct, tag_field="role", tag="user", forbid_unknown_fields=True, gc=False):
    content: str


class Assistant(msgspec.Struct, tag_field="role", tag="assistant", forbid_unknown_fields=True, gc=False):
    content: str
    weight: Literal[0, 1] = 1


class Chat(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    messages: list[System | Developer | User | Assistant]


ROLE_OF = {System: "system", Developer: "developer", User: "user", Assistant: "assistant"}


@cache
def chat_decoder() -> msgspec.json.Decoder[Chat]:
    return msgspec.json.Decoder(Chat)


FastError = msgspec.DecodeError  # ValidationError (a type or shape mismatch) is a subclass
