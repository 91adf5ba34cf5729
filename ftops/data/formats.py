"""Per-method example rules: SFT chat transcripts, DPO preference pairs, RFT prompts for a grader."""

from __future__ import annotations

from typing import Any

from ftops.data.messages import MessageStats, Rules, Where, check_messages

DPO_OUTPUT_ROLES = frozenset({"assistant", "tool"})


ExampleStats = MessageStats  # what a checked example holds (RFT adds item_fields)


def _unknown_keys(example: dict, allowed: frozenset[str], path: str, at: Where) -> None:
    if example.keys() <= allowed:
        return
    for key in sorted(example.keys() - allowed):
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
    """A chat transcript: messages (with optional tools), learned from its assistant turns."""
    _unknown_keys(example, rules.example_keys["sft"], "", at)
    if "tools" in example:
        _tools(example, at)
    found = check_messages(example.get("messages"), "messages", rules, at)
    stats = found
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


def _dpo_output(value: Any, path: str, rules: Rules, at: Where) -> MessageStats:
    """A DPO completion: assistant (and tool) messages, at least one from the assistant."""
    found = check_messages(value, path, rules, at, allow_images=False)
    others = sorted(set(found.roles) - DPO_OUTPUT_ROLES)
    if others:
        at.error(
            "dpo_output",
            path,
            f"an output may only hold assistant and tool messages, not {', '.join(others)}",
            "move those messages into input.messages",
        )
    elif found.roles and "assistant" not in found.roles:
        at.error(
            "dpo_output",
            path,
            "an output needs at least one assistant message",
            '[{"role": "assistant", "content": "..."}]',
        )
    return found


def check_dpo(example: dict, rules: Rules, at: Where) -> ExampleStats:
    """A preference pair: input.messages, then a preferred and a non-preferred output."""
    stats = ExampleStats()
    _unknown_keys(example, rules.example_keys["dpo"], "", at)
    source = example.get("input")
    if not isinstance(source, dict):
        at.error(
            "dpo_input",
            "input",
            "input must be an object with messages",
            '{"input": {"messages": [{"role": "user", "content": "..."}]}, ...}',
        )
    else:
        _unknown_keys(source, rules.example_keys["dpo_input"], "input", at)
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
    preferred = _dpo_output(example.get("preferred_output"), "preferred_output", rules, at)
    rejected = _dpo_output(example.get("non_preferred_output"), "non_preferred_output", rules, at)
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
    """A prompt ending with the user's turn; every other top-level key is an item field for the grader."""
    found = check_messages(example.get("messages"), "messages", rules, at)
    stats = found
    if found.roles and found.roles[-1] != "user":
        at.error(
            "rft_last_message",
            "messages",
            f"the last message is from {found.roles[-1]}, not the user",
            "RFT examples are prompts: end with the user message the model answers",
        )
    if "system" in found.roles:
        at.warning(
            "rft_system_message",
            f"messages[{found.roles.index('system')}]",
            f"a system message in RFT data: {RFT_SYSTEM_SOURCE}",
            "put the instructions in the user message (or a developer message) and launch again",
        )
    stats.item_fields = frozenset(k for k in example if k != "messages")
    return stats


# The newest carried revision of the RFT how-to (10/2026) is silent on system messages; its 2025 revision
# said they are not supported. ftops warns rather than refuses, naming the source.
RFT_SYSTEM_SOURCE = (
    "Microsoft's reinforcement fine-tuning how-to (its 2025 revision) says system messages are not supported "
    "in RFT data; the 10/2026 revision is silent"
)


CHECKS = {"sft": check_sft, "dpo": check_dpo, "rft": check_rft}
