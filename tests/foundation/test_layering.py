"""The package graph keeps the shape docs/architecture.md draws: an AST walk of every import in the product.

- the core (everything in ftops but ftops/cli) never imports `ftops.cli`; only the entry point does
- `ftops.azure` never imports `ftops.catalog`, `ftops.jobs` or `ftops.stack` (it speaks HTTP, not ftops)
- the Pulumi program `ftops_infra` never imports `ftops.cli` or `ftops.jobs`
- command modules never import each other, and each stays a thin parse -> core call -> render (<= 120 lines)
- no import cycles between modules at run time (imports under `if TYPE_CHECKING:` are for the checker only)
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COMMAND_LINES = 120
ENTRY_POINTS = {"ftops.__main__"}  # `python -m ftops` starts the CLI
# Known breaks owned elsewhere, each to be removed by its owner (new ones fail the test at once).
PENDING: set[str] = set()  # known breaks owned elsewhere, each with its reason; empty: every rule holds


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[0] == "infra":
        parts[0] = "ftops_infra"
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_files() -> Iterator[Path]:
    for root in ("ftops", "infra"):
        for path in sorted((REPO / root).rglob("*.py")):
            if "spec_files" not in path.parts:
                yield path


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, module: str, *, runtime_only: bool = False) -> set[str]:
    """Every module `source` imports (top level and inside functions), resolved to absolute names."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if runtime_only and isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = module.split(".")[: -child.level] if child.level else []
                    base = ".".join([*package, base] if base else package)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in child.names)
            visit(child)

    visit(ast.parse(source))
    return found


def graph(*, runtime_only: bool = False) -> dict[str, set[str]]:
    return {
        module_name(path): imports_of(path.read_text(encoding="utf-8"), module_name(path), runtime_only=runtime_only)
        for path in product_files()
    }


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# (importer package, forbidden package, why)
RULES = [
    ("ftops", "ftops.cli", "the core never imports the CLI"),
    ("ftops.azure", "ftops.catalog", "the Azure layer knows HTTP and Azure, not ftops' catalog"),
    ("ftops.azure", "ftops.jobs", "the Azure layer never imports the job flows"),
    ("ftops.azure", "ftops.stack", "the Azure layer never imports the stack model"),
    ("ftops_infra", "ftops.cli", "the Pulumi program never imports the CLI"),
    ("ftops_infra", "ftops.jobs", "the Pulumi program never imports the job flows"),
]


def violations(imports: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in imports.items():
        for importer, forbidden, why in RULES:
            if not within(module, importer) or module in ENTRY_POINTS:
                continue
            if importer == "ftops" and within(module, "ftops.cli"):
                continue  # the CLI may import itself
            hits = {t for t in targets if within(t, forbidden)}
            for target in sorted(t for t in hits if t.rsplit(".", 1)[0] not in hits):  # `from a import b`: once
                found.append(f"{module} imports {target}: {why}")
    return found


def test_the_package_graph_keeps_its_layers() -> None:
    assert set(violations(graph())) - PENDING == set()


def test_a_broken_import_is_caught() -> None:
    """The check is real: a core module that imports the CLI, or azure importing the stack, is reported."""
    broken = {
        "ftops.jobs.launch": imports_of("from ftops.cli.render import note\n", "ftops.jobs.launch"),
        "ftops.azure.arm": imports_of("def f():\n    from ftops.stack import outputs\n", "ftops.azure.arm"),
        "ftops_infra.components.hub": imports_of(
            "from ftops.jobs.ledger import Ledger\n", "ftops_infra.components.hub"
        ),
    }
    found = violations(broken)
    assert len(found) == 3, found
    assert "ftops.jobs.launch imports ftops.cli.render: the core never imports the CLI" in found


def command_modules() -> list[str]:
    from ftops.cli.lazy import COMMANDS

    return sorted({module for module, *_ in COMMANDS.values()})


@pytest.mark.parametrize("module", command_modules())
def test_command_modules_are_thin_and_never_import_each_other(module: str) -> None:
    path = REPO / Path(*module.split(".")).with_suffix(".py")
    others = set(command_modules()) - {module}
    sideways = sorted(t for t in imports_of(path.read_text(), module) if any(within(t, o) for o in others))
    assert sideways == [], f"{module} imports other command modules; shared options belong in ftops.cli.options"
    lines = len(path.read_text().splitlines())
    assert lines <= COMMAND_LINES, f"{module} has {lines} lines: move logic into the core package it belongs to"


def find_cycles(edges: dict[str, set[str]]) -> list[str]:
    """Every cycle a depth-first walk meets, as 'a -> b -> a'."""
    cycles: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                walk(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            walk(start, [start])
    return cycles


def test_no_import_cycles_at_run_time() -> None:
    imports = graph(runtime_only=True)
    edges = {m: {t for t in targets if t in imports and t != m} for m, targets in imports.items()}
    assert find_cycles(edges) == []


def test_a_cycle_is_caught() -> None:
    """schema -> rules -> schema at run time is reported; rules importing schema for type checking only is not."""
    rules = imports_of("from ftops.stack.schema import Environment\n", "ftops.stack.rules", runtime_only=True)
    typed = imports_of(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ftops.stack.schema import Environment\n",
        "ftops.stack.rules",
        runtime_only=True,
    )
    assert "ftops.stack.schema" in rules and "ftops.stack.schema" not in typed
    schema = {"ftops.stack.rules"}  # schema.parse_environment imports rules inside a function
    assert find_cycles({"ftops.stack.schema": schema, "ftops.stack.rules": rules & {"ftops.stack.schema"}}) == [
        "ftops.stack.rules -> ftops.stack.schema -> ftops.stack.rules"
    ]
    assert find_cycles({"ftops.stack.schema": schema, "ftops.stack.rules": typed & {"ftops.stack.schema"}}) == []
