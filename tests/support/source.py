"""The product's own modules, parsed, for tests that read the code rather than run it: a role
key or a notification kind written as a string where its enum belongs."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def product_packages() -> list[str]:
    """Every installed app that lives in this repository (a new app is read without a list to
    keep up to date)."""
    return [app for app in settings.INSTALLED_APPS if (ROOT / app / "__init__.py").is_file()]


def product_modules(*, skip: tuple[str, ...] = ()) -> Iterator[tuple[str, ast.Module]]:
    """Each product module but migrations and the files in `skip` (paths from the repository
    root): its path and its syntax tree."""
    for package in product_packages():
        for path in sorted((ROOT / package).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            if "migrations" in path.parts or name in skip:
                continue
            yield name, ast.parse(path.read_text(encoding="utf-8"))


def callee(call: ast.Call) -> str:
    """The name a call is made by: `notify` of `notify(...)`, `of` of `people.of(...)`."""
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")


@dataclass(frozen=True)
class StringsFor:
    """Finds one of an enum's values written as a string where a `word` (role, kind) is given:
    a keyword (`role="dsl"`, `kind__in=[...]`, `membership__role="head"`), a comparison with a
    name of that word (`n.kind == "reminder"`), an assignment to one (`roles = [..., "deputy"]`,
    `LEAVER_KIND = "pupil_left"`, `link, kind = "/", "qa_review"`) and a positional argument
    of the calls `positional` accepts by name."""

    word: str
    values: frozenset[str]
    positional: Callable[[str], bool]

    def literal(self, node: ast.AST | None) -> bool:
        if isinstance(node, ast.Constant):
            return node.value in self.values
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return any(self.literal(e) for e in node.elts)
        return False

    def names(self, node: ast.AST) -> bool:
        """`role`, `roles`, `x.role`, `new_roles`; `kind`, `n.kind`, `LEAVER_KIND`."""
        name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
        return name.lower().endswith((self.word, f"{self.word}s"))

    def lines(self, tree: ast.AST) -> Iterator[int]:
        for node in ast.walk(tree):
            yield from self._lines(node)

    def _lines(self, node: ast.AST) -> Iterable[int]:
        if isinstance(node, ast.keyword) and node.arg and self.literal(node.value):
            field = node.arg.removesuffix("__in")
            if field in (self.word, f"{self.word}s") or field.endswith(f"__{self.word}"):
                return [node.value.lineno]
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(self.literal(s) for s in sides) and any(self.names(s) for s in sides):
                return [node.lineno]
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            return [line for t in targets for line in self._assigned(t, node.value)]
        elif isinstance(node, ast.Call) and self.positional(callee(node)):
            # A string or a list of them (not a set: `frozenset({"admin", ...})` is app labels).
            given = [a for a in node.args if isinstance(a, ast.Constant | ast.List)]
            return [a.lineno for a in given if self.literal(a)]
        return []

    def _assigned(self, target: ast.AST, value: ast.AST) -> Iterator[int]:
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            for t, v in zip(target.elts, value.elts, strict=False):
                yield from self._assigned(t, v)
        elif self.names(target) and self.literal(value):
            yield value.lineno
