"""The project's import graph in figures (issue 15): module cycles, imports of project modules
made inside functions, and private names imported from another app.

    .venv/bin/python scripts/import_graph.py [--list]

Reads the source with `ast` (nothing is imported). Tests, migrations and settings are left out:
the graph is the product's. Counted as "inside a function" is any import statement not at a module's
top level, once per statement and imported module, except in an `AppConfig.ready()` (`apps.py`),
where Django wants them.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_PARTS = {"migrations", "tests", "settings", "node_modules", ".venv", "benchmarks"}


def _apps() -> list[str]:
    return sorted(
        p.name
        for p in ROOT.iterdir()
        if (p / "apps.py").exists() or (p / "__init__.py").exists() and (p / "urls.py").exists()
    )


def _modules(apps: list[str]) -> dict[str, Path]:
    modules = {}
    for app in apps:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if SKIPPED_PARTS & set(parts):
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _target(name: str, modules: dict[str, Path]) -> str | None:
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


class _Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.depth = 0
        self.found: list[tuple[str, list[str], bool, int]] = []  # module, names, nested, line
        self.current_module = ""
        self.is_package = False

    def _nested(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _nested  # noqa: N815

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((alias.name, [], self.depth > 0, node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _resolve(self.current_module, self.is_package, node)
        for alias in node.names:
            # "from package import module" names a module when there is one.
            self.found.append((f"{source}.{alias.name}", [alias.name], self.depth > 0, node.lineno))


@dataclass
class Graph:
    modules: int
    cycles: list[list[str]]
    nested: list[str]
    private: list[str]
    app_cycles: list[list[str]]


def graph() -> Graph:
    """The figures, with the lists behind them."""
    apps = _apps()
    modules = _modules(apps)
    edges: dict[str, set[str]] = defaultdict(set)
    nested: list[str] = []
    private: list[str] = []
    for module, path in modules.items():
        visitor = _Visitor()
        visitor.current_module = module
        visitor.is_package = path.name == "__init__.py"
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        for name, names, inside, line in visitor.found:
            target = _target(name, modules)
            if target is None or target == module:
                continue
            edges[module].add(target)
            where = f"{path.relative_to(ROOT)}:{line} -> {target}"
            if inside and where not in nested:
                nested.append(where)  # once a statement, however many names it imports
            if target.split(".")[0] != module.split(".")[0] and any(
                n.startswith("_") for n in names
            ):
                private.append(f"{where} ({', '.join(names)})")
    nested = [n for n in nested if not n.split(":")[0].endswith("apps.py")]
    cycles = _cycles(modules, edges)
    app_edges = {
        (a.split(".")[0], b.split(".")[0])
        for a, targets in edges.items()
        for b in targets
        if a.split(".")[0] != b.split(".")[0]
    }
    app_cycles = _cycles(
        {a: Path() for a in apps},
        {a: {b for x, b in app_edges if x == a} for a in apps},
    )
    return Graph(len(modules), cycles, nested, private, app_cycles)


def _cycles(nodes: dict[str, Path], edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10_000)

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in nodes:
        if node not in index:
            visit(node)
    return found


def main() -> None:
    figures = graph()
    cycles, nested, private = figures.cycles, figures.nested, figures.private
    app_cycles = figures.app_cycles
    print(f"modules: {figures.modules}")
    print(f"module cycles (groups of modules importing each other): {len(cycles)}")
    print(f"apps in a cycle: {sorted({a for c in app_cycles for a in c})}")
    print(f"imports of project modules inside functions: {len(nested)}")
    print(f"private names imported from another app: {len(private)}")
    if "--list" in sys.argv:
        for title, rows in (("cycles", cycles), ("inside functions", nested), ("private", private)):
            print(f"\n# {title}")
            for row in rows:
                print(f"  {row}")


if __name__ == "__main__":
    main()
