"""Per-method example rules: SFT chat transcripts, DPO preference pairs, RFT prompts for a grader."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ftops.data.messages import MessageStats, Rules, Where, check_messages

SFT_KEYS = frozenset({"messages", "tools", "functions", "parallel_tool_calls"})
DPO_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})
DPO_INPUT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls"})


@dataclass
class ExampleStats:
    chars: int = 0
    messages: int = 0
    images: int = 0
    texts: list[str] = field(default_factory=list)
    item_fields: frozenset[str] = frozenset()  # RFT: the fields a grader can reference as {{item.X}}

    def add(self, stats: MessageStats) -> None:
        self.chars += stats.chars
        self.messages += stats.messages
        self.images += stats.images
        self.texts.extend(stats.texts)


def _unknown_keys(example: dict, allowed: frozenset[str], path: str, at: Where) -> None:
    for key in example.keys() - allowed:
        prefix = f"{path}." if path else ""
        at.error(
            "unknown_key",
            f"{prefix}{key}",
            f"unknown key '{key}'",
            f"remove it; valid keys here: {', '.join(sorted(allowed))}",
        )


def _tools(example: dict, at: Where, path: str = "") -> None:
    tools = example.get("tools")
    if tools is None:
        return
    prefix = f"{path}." if path else ""
    if not isinstance(tools, list) or not all(
        isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("function"), dict) for t in tools
    ):
        at.error(
            "tools",
            f"{prefix}tools",
            "tools must be a list of {type: function, function: {name, ...}}",
            "fix the tool definitions",
        )


def check_sft(example: dict, rules: Rules, at: Where) -> ExampleStats:
    stats = ExampleStats()
    _unknown_keys(example, SFT_KEYS, "", at)
    _tools(example, at)
    found = check_messages(example.get("messages"), "messages", rules, at)
    stats.add(found)
    if found.messages and "assistant" not in found.roles:
        at.error(
            "no_assistant",
            "messages",
            "no assistant message: nothing to learn from",
            "add the answer the model should give as an assistant message",
        )
    elif found.messages and found.trained_assistant == 0:
        at.error(
            "all_weight_zero",
            "messages",
            "every assistant message has weight 0: nothing to learn from",
            "set weight 1 (or leave it out) on at least one assistant message",
        )
    return stats


def _single_assistant(value: Any, path: str, rules: Rules, at: Where) -> MessageStats:
    found = check_messages(value, path, rules, at, allow_images=False)
    if found.messages and (found.messages != 1 or found.roles != ["assistant"]):
        at.error(
            "dpo_output", path, "must hold exactly one assistant message", '[{"role": "assistant", "content": "..."}]'
        )
    return found


def check_dpo(example: dict, rules: Rules, at: Where) -> ExampleStats:
    stats = ExampleStats()
    _unknown_keys(example, DPO_KEYS, "", at)
    source = example.get("input")
    if not isinstance(source, dict):
        at.error(
            "dpo_input",
            "input",
            "input must be an object with messages",
            '{"input": {"messages": [{"role": "user", "content": "..."}]}, ...}',
        )
    else:
        _unknown_keys(source, DPO_INPUT_KEYS, "input", at)
        _tools(source, at, "input")
        prompt = check_messages(source.get("messages"), "input.messages", rules, at)
        stats.add(prompt)
        if prompt.roles and prompt.roles[-1] == "assistant":
            at.error(
                "dpo_prompt_end",
                "input.messages",
                "the prompt ends with an assistant message",
                "end the input with the user turn the two outputs answer",
            )
    preferred = _single_assistant(example.get("preferred_output"), "preferred_output", rules, at)
    rejected = _single_assistant(example.get("non_preferred_output"), "non_preferred_output", rules, at)
    stats.add(preferred)
    stats.add(rejected)
    if preferred.messages and example.get("preferred_output") == example.get("non_preferred_output"):
        at.error(
            "dpo_same",
            "non_preferred_output",
            "the preferred and non-preferred outputs are identical",
            "a preference pair needs two different answers",
        )
    return stats


def check_rft(example: dict, rules: Rules, at: Where) -> ExampleStats:
    stats = ExampleStats()
    found = check_messages(example.get("messages"), "messages", rules, at)
    stats.add(found)
    if found.roles and found.roles[-1] != "user":
        at.error(
            "rft_last_message",
            "messages",
            f"the last message is from {found.roles[-1]}, not the user",
            "RFT examples are prompts: end with the user message the model answers",
        )
    stats.item_fields = frozenset(k for k in example if k != "messages")
    return stats


CHECKS = {"sft": check_sft, "dpo": check_dpo, "rft": check_rft}
