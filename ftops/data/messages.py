"""Checks of chat `messages` arrays, shared by SFT examples, DPO inputs/outputs and RFT prompts."""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from typing import Any

from ftops.data.problems import ProblemLog
from ftops.data.tokens import image_size, image_tokens

# Only the prefix is matched: the base64 payload (up to ~13 MB) is measured and checked in place, never copied.
DATA_URI = re.compile(r"data:image/(?P<format>[a-zA-Z0-9.+-]+);base64,")
BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
IMAGE_HEAD_CHARS = 1 << 16  # base64 characters decoded to find an image's size (JPEG headers can be long)


@dataclass
class Rules:
    """What the service accepts, from the catalog's data_format section and the model."""

    roles: frozenset[str]
    message_keys: frozenset[str]
    example_keys: dict[str, frozenset[str]]  # per method (and "dpo_input"): the keys an example may have
    image_formats: frozenset[str]
    image_url_keys: frozenset[str]
    image_details: frozenset[str]
    max_images: int
    max_image_bytes: int
    vision: bool  # does the model train on images?
    model: str
    keep_texts: bool = False  # only an exact tokenizer needs the texts themselves


@dataclass
class Where:
    """Where an example lives, for problem reports (one per file; `line` moves along)."""

    log: ProblemLog
    file: str
    line: int

    def error(self, code: str, path: str, message: str, fix: str) -> None:
        self.log.error(code, self.file, self.line, path, message, fix)

    def warning(self, code: str, path: str, message: str, fix: str) -> None:
        self.log.warning(code, self.file, self.line, path, message, fix)


@dataclass
class MessageStats:
    """What a messages array holds, for token estimates and method rules."""

    chars: int = 0
    messages: int = 0
    images: int = 0
    image_tokens: int = 0  # by the published vision rule, for images whose size or detail tells it
    images_unsized: int = 0  # images given by URL without detail low: their tokens are not known here
    names: list[str] = field(default_factory=list)  # message `name`s: the framing rule counts them
    roles: list[str] = field(default_factory=list)
    trained_assistant: int = 0  # assistant messages that are learned from (weight not 0)
    texts: list[str] = field(default_factory=list)
    item_fields: frozenset[str] = frozenset()  # RFT: the fields a grader can reference as {{item.X}}

    def add(self, other: MessageStats) -> None:
        """Fold another messages array's stats into these (DPO: input plus both outputs)."""
        self.chars += other.chars
        self.messages += other.messages
        self.images += other.images
        self.image_tokens += other.image_tokens
        self.images_unsized += other.images_unsized
        self.names.extend(other.names)
        self.roles.extend(other.roles)
        self.texts.extend(other.texts)


def check_messages(value: Any, path: str, rules: Rules, at: Where, *, allow_images: bool = True) -> MessageStats:
    """Check a list of chat messages; what it holds comes back as MessageStats."""
    stats = MessageStats()
    if not isinstance(value, list) or not value:
        at.error(
            "messages_missing",
            path,
            "must be a non-empty list of messages",
            'give {"role": ..., "content": ...} objects in order',
        )
        return stats
    roles = stats.roles
    keep = rules.keep_texts
    plain = chars = trained = 0
    for index, message in enumerate(value):
        # Fast path, inlined because it runs for nearly every message of a big file:
        # {"role": system|developer|user|assistant, "content": "non-empty text"} has nothing to report.
        if type(message) is dict and len(message) == 2:
            role = message.get("role")
            content = message.get("content")
            if type(content) is str and role in PLAIN_ROLES and content and not content.isspace():
                plain += 1
                chars += len(content)
                roles.append(role)
                if role == "assistant":
                    trained += 1
                if keep:
                    stats.texts.append(content)
                continue
        check_message(message, f"{path}[{index}]", rules, at, stats, allow_images)
    stats.messages += plain
    stats.chars += chars
    stats.trained_assistant += trained
    return stats


PLAIN_ROLES = frozenset({"system", "developer", "user", "assistant"})


def check_message(message: Any, path: str, rules: Rules, at: Where, stats: MessageStats, allow_images: bool) -> None:
    if not isinstance(message, dict):
        at.error("message_type", path, "a message must be an object", 'use {"role": "user", "content": "..."}')
        return
    stats.messages += 1
    for key in message.keys() - rules.message_keys:
        at.error(
            "unknown_key",
            f"{path}.{key}",
            f"unknown message key '{key}'",
            f"remove it; message keys are {', '.join(sorted(rules.message_keys))}",
        )
    role = message.get("role")
    if role not in rules.roles:
        at.error("role", f"{path}.role", f"role {role!r} is not valid", f"use one of {', '.join(sorted(rules.roles))}")
        return
    stats.roles.append(role)
    if isinstance(message.get("name"), str):
        stats.names.append(message["name"])
    content = message.get("content")
    if role == "assistant":
        _assistant(message, path, at, stats, rules.keep_texts)
    elif "weight" in message:
        at.error("weight_role", f"{path}.weight", "weight is only allowed on assistant messages", "remove it")
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        at.error(
            "tool_call_id",
            f"{path}.tool_call_id",
            "a tool message needs the tool_call_id it answers",
            "copy the id of the assistant's tool call",
        )
    if content is None:
        if role != "assistant" or not (message.get("tool_calls") or message.get("function_call")):
            at.error(
                "content_missing",
                f"{path}.content",
                "content is missing or null",
                "give the message's text (only an assistant message with tool_calls may omit it)",
            )
        return
    if isinstance(content, str):
        stats.chars += len(content)
        if rules.keep_texts:
            stats.texts.append(content)
        if not content.strip() and role != "assistant":
            at.warning("content_empty", f"{path}.content", "content is empty", "remove the message or give it text")
        return
    if isinstance(content, list):
        _parts(content, f"{path}.content", role, rules, at, stats, allow_images)
        return
    at.error(
        "content_type",
        f"{path}.content",
        "content must be a string or a list of content parts",
        'use "text", or [{"type": "text", "text": ...}]',
    )


def _assistant(message: dict, path: str, at: Where, stats: MessageStats, keep_texts: bool) -> None:
    weight = message.get("weight", 1)
    if weight not in (0, 1) or isinstance(weight, bool):
        at.error(
            "weight",
            f"{path}.weight",
            f"weight must be 0 or 1, not {weight!r}",
            "use 0 to skip learning from this turn, 1 (the default) to learn from it",
        )
    elif weight == 1:
        stats.trained_assistant += 1
    calls = message.get("tool_calls")
    if calls is None:
        return
    if not isinstance(calls, list) or not calls:
        at.error("tool_calls", f"{path}.tool_calls", "tool_calls must be a non-empty list", "or leave it out")
        return
    for index, call in enumerate(calls):
        where = f"{path}.tool_calls[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(call, dict) or not isinstance(call.get("id"), str) or not isinstance(function, dict):
            at.error(
                "tool_call",
                where,
                "a tool call needs an id, type 'function' and a function object",
                '{"id": "call_1", "type": "function", "function": {"name": ..., "arguments": "{...}"}}',
            )
            continue
        if not isinstance(function.get("name"), str) or not isinstance(function.get("arguments"), str):
            at.error(
                "tool_call",
                f"{where}.function",
                "function needs a name and arguments as a JSON string",
                'e.g. "arguments": "{\\"city\\": \\"Oslo\\"}"',
            )
        else:
            stats.chars += len(function["arguments"]) + len(function["name"])
            if keep_texts:
                stats.texts.extend((function["name"], function["arguments"]))


def _parts(parts: list, path: str, role: str, rules: Rules, at: Where, stats: MessageStats, allow_images: bool) -> None:
    if not parts:
        at.error("content_empty", path, "content parts list is empty", "give at least one text part")
    for index, part in enumerate(parts):
        where = f"{path}[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            stats.chars += len(part["text"])
            if rules.keep_texts:
                stats.texts.append(part["text"])
        elif kind == "image_url":
            stats.images += 1
            tokens = _image(part, where, role, rules, at, allow_images)
            if tokens is None:
                stats.images_unsized += 1
            else:
                stats.image_tokens += tokens
        else:
            at.error(
                "content_part",
                where,
                "a content part must be {type: text, text} or {type: image_url, image_url}",
                "fix the part's type and fields",
            )
    if stats.images > rules.max_images:
        at.error(
            "too_many_images",
            path,
            f"{stats.images} images in one example; at most {rules.max_images}",
            "split the example",
        )


def _image(part: dict, path: str, role: str, rules: Rules, at: Where, allow_images: bool) -> int | None:
    """Check one image part; its tokens by the published rule (None when not known from the data)."""
    if not rules.vision:
        at.error(
            "image_not_supported",
            path,
            f"{rules.model} does not train on images",
            "remove the images, or fine-tune a vision model (`ftops models --vision`)",
        )
        return None
    if not allow_images or role != "user":
        at.error(
            "image_role",
            path,
            f"images are only allowed in user messages, not {role}",
            "move the image to a user message",
        )
        return None
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(image, dict) or not isinstance(url, str):
        at.error("image_url", f"{path}.image_url", "image_url must be an object with a url", '{"url": "https://..."}')
        return None
    for key in sorted(image.keys() - rules.image_url_keys):
        at.error(
            "unknown_key",
            f"{path}.image_url.{key}",
            f"unknown image_url key '{key}'",
            f"image_url keys are {', '.join(sorted(rules.image_url_keys))}",
        )
    if "detail" in image and image["detail"] not in rules.image_details:
        at.error(
            "image_detail",
            f"{path}.image_url.detail",
            f"detail {image['detail']!r} is not valid",
            f"use one of {', '.join(sorted(rules.image_details))} (low costs fewer tokens)",
        )
    detail = image.get("detail")
    if url.startswith("https://"):
        return image_tokens(detail, None)
    found = DATA_URI.match(url)
    if not found:
        at.error(
            "image_url",
            f"{path}.image_url.url",
            "an image must be an https URL or a base64 data URI",
            "use https://... or data:image/png;base64,...",
        )
        return None
    image_format = found["format"].lower().replace("jpg", "jpeg")
    if image_format not in rules.image_formats:
        at.error(
            "image_format",
            f"{path}.image_url.url",
            f"image format {found['format']!r} is not accepted",
            f"convert it to one of {', '.join(sorted(rules.image_formats))}",
        )
    encoded = len(url) - found.end()
    size = encoded * 3 // 4
    if size > rules.max_image_bytes:
        at.error(
            "image_size",
            f"{path}.image_url.url",
            f"image is {size:,} bytes; at most {rules.max_image_bytes:,}",
            "downscale or recompress it",
        )
        return None
    if encoded == 0 or encoded % 4 or not BASE64.fullmatch(url, found.end()):
        at.error("image_data", f"{path}.image_url.url", "the data URI is not valid base64", "re-encode the image")
        return None
    if detail == "low":
        return image_tokens(detail, None)
    head = binascii.a2b_base64(url[found.end() : found.end() + IMAGE_HEAD_CHARS])  # the header, not the image
    return image_tokens(detail, image_size(head))
