"""The tests' own layout (docs/architecture.md: "shared test helpers in `tests/support/`").

A module under `tests/` imports helpers from `tests/support/` and fixtures from a `conftest.py`,
never from another test module or a helper kept beside the tests: what two modules share lives
in one place, and no test module is another's library (renaming or deleting a test must not
break a test elsewhere)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository; the tests are ROOT/tests


def _module_file(root: Path, dotted: str) -> Path | None:
    """The file under root/tests that `import <dotted>` loads, if any."""
    if dotted != "tests" and not dotted.startswith("tests."):
        return None
    base = root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(root: Path, path: Path) -> list[tuple[int, Path]]:
    """(line, file) of every module under root/tests that `path` imports, at any depth (imports
    inside functions too), relative imports resolved."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package[: len(package) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            names.append((node.lineno, base))
            # `from tests.safeguard import test_tenancy_matrix`: a module, not a name in one.
            names.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    found = []
    for line, dotted in names:
        target = _module_file(root, dotted)
        if target is not None:
            found.append((line, target))
    return found


def _allowed(root: Path, target: Path) -> bool:
    if target.relative_to(root / "tests").parts[0] == "support" or target.name == "conftest.py":
        return True
    if target.name == "__init__.py":  # a package on the way to a module, if it holds nothing
        body = ast.parse(target.read_text()).body
        return all(isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) for s in body)
    return False


def offenders(root: Path = ROOT) -> list[str]:
    """`path:line imports module` for every import, by a module under root/tests, of a module
    under root/tests that is neither in tests/support/ nor a conftest."""
    found = set()
    for path in sorted((root / "tests").rglob("*.py")):
        for line, target in _imports(root, path):
            if target != path and not _allowed(root, target):
                found.add(
                    f"{path.relative_to(root).as_posix()}:{line} imports "
                    f"{target.relative_to(root).as_posix()}"
                )
    return sorted(found, key=lambda s: (s.split(":")[0], int(s.split(":")[1].split()[0])))


def test_no_test_module_imports_another() -> None:
    found = offenders()
    assert not found, (
        "test modules import other test modules or helpers kept beside the tests; move what they "
        "share into tests/support/ (or a conftest fixture):\n" + "\n".join(found)
    )


def test_the_check_names_each_kind_of_offender(tmp_path: Path) -> None:
    """Not vacuous: a test module, a helper beside the tests, a relative import and an import
    inside a function are each named; tests/support/, conftest and empty packages are not."""
    files = {
        "tests/__init__.py": "",
        "tests/conftest.py": "",
        "tests/support/__init__.py": '"""Helpers."""\n',
        "tests/support/world.py": "from tests.a.conftest import draft\n",
        "tests/a/__init__.py": "",
        "tests/a/conftest.py": "",
        "tests/a/helpers.py": "",
        "tests/a/test_one.py": "",
        "tests/b/__init__.py": "",
        "tests/b/test_two.py": (
            "import os\n"
            "from tests.support.world import World\n"
            "from tests.conftest import world\n"
            "from tests.a.conftest import draft\n"
            "from tests.a import test_one as one\n"
            "def f():\n"
            "    from tests.a.helpers import make\n"
            "from ..a.test_one import _private\n"
            "from tests import support\n"
        ),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert offenders(tmp_path) == [
        "tests/b/test_two.py:5 imports tests/a/test_one.py",
        "tests/b/test_two.py:7 imports tests/a/helpers.py",
        "tests/b/test_two.py:8 imports tests/a/test_one.py",
    ]
