"""The package graph: production packages import only downward along LAYERS, and no modules import in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A package may import packages of lower layers only; packages of one layer ignore each other.
# docs/architecture.md explains the rooms; keep the two in step.
LAYERS: list[set[str]] = [
    {"hotline"},                 # ground floor: settings, database, errors, context, deps, broker, supervisor
    {"ticketing"},               # tickets, org, catalogue, triage, deadlines, knowledge base, 三率
    {"ivr", "acd", "asr"},       # the phone menu (prompts are managed by ticketing roles); the ACD core
    {"telephony"},               # calls, SIP, recordings → tickets; the phone and SMS ports
    {"callbacks", "abuse"},      # return visits (回访); abusive-caller screening
    {"reports"},                 # accountability: bulletins, ledger, disclosure, early warning (reads 回访 results)
    {"agent_console"},           # the web console over every domain
    {"wiring"},                  # composition root: app factory, CLI, Celery app, registry, demo, runner
]
LAYER = {package: n for n, packages in enumerate(LAYERS) for package in packages}
# Modules that run as part of a higher layer than their folder: Alembic loads env.py by file path (from
# hotline.database.upgrade) and nothing imports it, so it may see the whole schema through wiring.registry.
PLACED = {"hotline.migrations.env": "wiring"}


def module_files() -> dict[str, Path]:
    found = {}
    for package in LAYER:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "node_modules" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Production modules `name` imports, anywhere in the file (top level, functions, TYPE_CHECKING)."""
    package_parts = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package_parts[: len(package_parts) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    found = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: imports_of(name, path, set(files)) for name, path in files.items()}


def package_of(module: str) -> str:
    return PLACED.get(module, module.split(".")[0])


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_production_package_has_a_layer():
    roots = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert roots == set(LAYER)


def test_packages_import_only_downward():
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in graph().items()
        for target in targets
        if package_of(module) != package_of(target) and LAYER[package_of(target)] >= LAYER[package_of(module)]
    )
    assert wrong == []


def test_no_import_cycles_between_modules():
    assert cycles(graph()) == []


def test_the_checks_can_fail(tmp_path):
    """The scanner sees relative, nested and TYPE_CHECKING imports; the cycle finder finds a cycle."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import X\n")
    (pkg / "b.py").write_text("def f():\n    from pkg import a\n")
    known = {"pkg", "pkg.a", "pkg.b"}
    assert imports_of("pkg.a", pkg / "a.py", known) == {"pkg.b"}
    assert imports_of("pkg.b", pkg / "b.py", known) == {"pkg", "pkg.a"}
    assert cycles({"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg": set()}) == [["pkg.a", "pkg.b"]]
    assert cycles({"x": {"y"}, "y": set()}) == []


def test_every_module_opens_with_a_docstring():
    missing = sorted(
        str(path.relative_to(ROOT))
        for path in module_files().values()
        if path.read_text(encoding="utf-8").strip()
        and "versions" not in path.parts
        and not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    )
    assert missing == []

