"""Hostile stack files: refused in one line by `ftops check` and `ftops plan` alike, never a traceback.

Each hand-written case below failed somewhere before (a traceback, a last-wins duplicate, or a config
Azure or the Pulumi engine would refuse after `pulumi up` had begun); the property test mutates the
example stacks at random and asks that check and plan agree on every one.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "stacks").glob("Pulumi.*.yaml"))
DEV = (REPO / "stacks" / "Pulumi.dev.yaml").read_text()
GUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
CODES = {0, 1, 2}


def no_traceback(code: int, err: str) -> None:
    assert code in CODES, err
    assert "Traceback" not in err, err


def both(cli, path: Path) -> tuple[tuple[int, str], tuple[int, str]]:
    check = cli("check", "--stack", str(path))
    plan = cli("plan", "--stack", str(path))
    return (check[0], check[2]), (plan[0], plan[2])


def billion_laughs(levels: int = 9) -> str:
    """91 aliases (under the alias cap) that expand to 10**9 values: refused by the expanded size."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return "\n      ".join(lines)


def text_case(name: str) -> str:
    access = f"    access:\n      - principal_id: {GUID}\n        roles: [Azure AI Developer]\n"
    cases = {
        "lone surrogate in a tag": DEV.replace("owner: ml-platform", 'owner: "ml\\ud800"'),
        "lone surrogate in a key": DEV.replace("owner: ml-platform", '"\\udfff": x'),
        "nested 500 deep": DEV.replace("owner: ml-platform", "owner: " + "[" * 500 + "]" * 500),
        "100k-digit integer": DEV.replace("capacity: 10", "capacity: " + "9" * 100_000),
        "duplicate key": DEV.replace("owner: ml-platform", "owner: ml-platform\n      owner: someone-else"),
        "duplicate section": DEV.replace("    tags:\n", "    tags: {}\n    tags:\n", 1),
        "51 tags": DEV.replace("owner: ml-platform", "\n".join(f"      t{i}: v" for i in range(49)).lstrip()),
        "tag value of 257": DEV.replace("owner: ml-platform", "owner: " + "v" * 257),
        "tag name of 129": DEV.replace("owner: ml-platform", "o" * 129 + ": x"),
        "tag name with a slash": DEV.replace("owner: ml-platform", '"team/ml": x'),
        "tag names differing in case": DEV.replace("owner: ml-platform", "owner: a\n      Owner: b"),
        "duplicate access grant": DEV + access + access.replace("    access:\n", ""),
        "one role twice in a grant": DEV
        + access.replace("[Azure AI Developer]", "[Azure AI Developer, Azure AI Developer]"),
        "alias flood": DEV.replace("owner: ml-platform", "owner: &a x\n      more: [" + ", ".join(["*a"] * 200) + "]"),
        "billion laughs": DEV.replace("owner: ml-platform", billion_laughs()),
        "binary": "\x00\x01config:\x02",
        "not a mapping": "- a\n- b\n",
    }
    return cases[name]


TEXT_CASES = [
    "lone surrogate in a tag",
    "lone surrogate in a key",
    "nested 500 deep",
    "100k-digit integer",
    "duplicate key",
    "duplicate section",
    "51 tags",
    "tag value of 257",
    "tag name of 129",
    "tag name with a slash",
    "tag names differing in case",
    "duplicate access grant",
    "one role twice in a grant",
    "alias flood",
    "billion laughs",
    "binary",
    "not a mapping",
]


@pytest.mark.parametrize("case", TEXT_CASES)
def test_hostile_stack_file_is_refused_by_check_and_plan_alike(case, cli, tmp_path):
    path = tmp_path / "Pulumi.hostile.yaml"
    path.write_text(text_case(case), encoding="utf-8", errors="surrogatepass")
    (check_code, check_err), (plan_code, plan_err) = both(cli, path)
    no_traceback(check_code, check_err)
    no_traceback(plan_code, plan_err)
    assert check_code == plan_code == 1, (check_err, plan_err)


def test_the_limits_are_not_too_strict(cli, tmp_path):
    """Control: 48 tags (50 with ftops' two), 128-character names and 256-character values pass."""
    tags = "\n".join(f"      {'n' * 120}{i:03d}: {'v' * 256}" for i in range(47))
    path = tmp_path / "Pulumi.edge.yaml"
    path.write_text(DEV.replace("owner: ml-platform", tags.lstrip()))
    (check_code, check_err), (plan_code, plan_err) = both(cli, path)
    assert check_code == 0 and plan_code == 0, (check_err, plan_err)


def managed_compute_stack(vcpus: int) -> dict[str, Any]:
    document = yaml.safe_load((REPO / "stacks" / "Pulumi.managed-compute.yaml").read_text())
    document["config"]["ftops:environment"]["managed_compute"]["training_vcpus"] = vcpus
    return document


def test_vcpus_past_the_quota_apis_int32_are_refused(cli, tmp_path):
    path = tmp_path / "Pulumi.vcpus.yaml"
    path.write_text(yaml.safe_dump(managed_compute_stack(2**31)))
    (check_code, check_err), (plan_code, _) = both(cli, path)
    assert check_code == plan_code == 1 and "int32" in " ".join(check_err.split())


def test_duplicate_marketplace_subscription_is_refused(cli, tmp_path):
    document = yaml.safe_load((REPO / "stacks" / "Pulumi.open-models.yaml").read_text())
    project = document["config"]["ftops:environment"]["hub"]["projects"][0]
    project["marketplace_subscriptions"] = project["marketplace_subscriptions"] * 2
    path = tmp_path / "Pulumi.market.yaml"
    path.write_text(yaml.safe_dump(document))
    (check_code, check_err), (plan_code, _) = both(cli, path)
    assert check_code == plan_code == 1 and "listed twice" in " ".join(check_err.split())


# ---- property: random mutations of the example stacks


def nested(depth: int) -> list:
    inner: list = []
    for _ in range(depth):
        inner = [inner]
    return inner


HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
    st.integers(min_value=1, max_value=60).map(lambda n: {f"k{i}": "v" for i in range(n)}),
    st.integers(min_value=30, max_value=120).map(lambda n: nested(n)),
)


def paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            found += paths(value, (*prefix, i))
    return found


@st.composite
def mutated_stacks(draw: Any) -> str:
    source = draw(st.sampled_from(EXAMPLES))
    document = yaml.safe_load(source.read_text())
    environment = copy.deepcopy(document["config"]["ftops:environment"])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = draw(st.sampled_from(paths(environment)[1:]))
        parent = environment
        for step in where[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "delete":
            del parent[where[-1]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[where[-1]]))
        else:
            parent[where[-1]] = draw(HOSTILE_VALUES)
        if not paths(environment)[1:]:
            break
    document["config"]["ftops:environment"] = environment
    text = yaml.safe_dump(document, allow_unicode=False)  # lone surrogates become \\ud800 escapes
    if draw(st.booleans()):  # and sometimes a textual edit: a line repeated (duplicate keys, sections)
        lines = text.splitlines()
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        lines.insert(i, lines[i])
        text = "\n".join(lines) + "\n"
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated_stacks())
def test_check_and_plan_agree_on_mutated_stacks(text, cli, tmp_path):
    path = tmp_path / "Pulumi.mutated.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    (check_code, check_err), (plan_code, plan_err) = both(cli, path)
    no_traceback(check_code, check_err)
    no_traceback(plan_code, plan_err)
    assert check_code == plan_code, (check_err, plan_err)
