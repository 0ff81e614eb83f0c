"""The image (Dockerfile, .dockerignore; docs/adr/0041): pinned slim bases, a numeric non-root
user, and only the product inside: no tests, benchmarks, docs builds, .git, .venv, node_modules
or var. There is no container engine on the test machines, so the files themselves are read."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORED = [
    line.strip().rstrip("/")
    for line in (ROOT / ".dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
NEVER_IN_THE_IMAGE = ["tests", "benchmarks", ".git", ".venv", "node_modules", "var", "docs/adr"]


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _matches(parts: list[str], pattern: str) -> bool:
    """Docker's rule: `*` and `?` stay inside one path segment; `**/` matches any depth."""
    if pattern.startswith("**/"):
        rest = pattern[3:].split("/")
        return any(_matches(parts[i:], "/".join(rest)) for i in range(len(parts)))
    segments = pattern.split("/")
    return len(segments) == len(parts) and all(
        fnmatch.fnmatchcase(part, segment) for part, segment in zip(parts, segments, strict=True)
    )


def _ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` out of the build context: a pattern matches the path
    or one of its parent directories (no `!` exceptions are used)."""
    assert not any(p.startswith("!") for p in IGNORED), "exceptions are not read here"
    parts = path.split("/")
    return any(_matches(parts[: i + 1], pattern) for pattern in IGNORED for i in range(len(parts)))


def test_every_base_is_slim_and_pinned_to_an_exact_release() -> None:
    bases = [args.split()[0] for word, args in _instructions() if word == "FROM"]
    assert len(bases) == 2
    for base in bases:
        image, _, tag = base.partition(":")
        assert "@sha256:" in base or re.fullmatch(
            r"\d+\.\d+\.\d+-(slim-bookworm|bookworm-slim)", tag
        ), f"{base}: pin an exact version of a slim Debian 12 image"
        assert image in {"python", "node"}
    runtime = bases[-1]
    assert runtime.startswith("python:3.11."), "the runtime is the Python the suite runs on"


def test_the_image_runs_as_a_numeric_non_root_user() -> None:
    users = [args for word, args in _instructions() if word == "USER"]
    assert users, "no USER: the image would run as root"
    user, _, group = users[-1].partition(":")
    assert user.isdigit(), f"USER {users[-1]}: numeric, so runAsNonRoot can check it"
    assert int(user) >= 1000, f"USER {users[-1]}: not root nor a system account"
    assert not group or group.isdigit()
    assert not group or int(group) != 0
    # And the last stage ends as that user: nothing after it switches back.
    last_stage = DOCKERFILE.rsplit("\nFROM ", 1)[1]
    assert re.findall(r"(?m)^USER (.+)$", last_stage)[-1] == users[-1]


def test_only_the_products_files_are_copied_in() -> None:
    copies = [args for word, args in _instructions() if word in {"COPY", "ADD"}]
    assert not [w for w, _ in _instructions() if w == "ADD"], "use COPY"
    sources = []
    for args in copies:
        parts = [p for p in args.split() if not p.startswith("--")]
        if "--from=" in args:
            continue
        sources += parts[:-1]
    assert "." not in sources, "COPY . copies everything"
    assert "./" not in sources, "COPY ./ copies everything"
    for source in sources:
        for never in NEVER_IN_THE_IMAGE:
            assert source != never, source
            assert not source.startswith(never + "/"), source
    # Every application package is copied (a new app left out would fail at start-up).
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    apps = pyproject["tool"]["importlinter"]["root_packages"]
    assert set(apps) <= {s.rstrip("/") for s in sources}, set(apps) - set(sources)
    assert {"manage.py", "gunicorn.conf.py", "templates"} <= set(sources)


def test_dockerignore_keeps_out_what_the_image_must_never_hold() -> None:
    for path in NEVER_IN_THE_IMAGE + [
        "tests/transfers/test_signing.py",
        "benchmarks/test_page_ratios.py",
        ".git/HEAD",
        "node_modules/sass/package.json",
        "var/safeguard.sqlite3",
        ".env",
        "concerns/__pycache__/models.cpython-311.pyc",
    ]:
        assert _ignored(path), f".dockerignore lets {path} into the build context"
    for needed in [
        "safeguard/settings/production.py",
        "requirements.txt",
        "package.json",
        "package-lock.json",
        "assets/scss/app.scss",
        "docs/bundle/cp-file-bundle.schema.json",
        "manage.py",
    ]:
        assert not _ignored(needed), f".dockerignore keeps out {needed}, which the build needs"
        assert (ROOT / needed).exists()


def test_the_image_writes_nothing_at_run_time_outside_tmp_and_data() -> None:
    """The code stays root's (read-only to the app's user); only /data is given to it."""
    chowns = re.findall(r"chown\s+(?:-R\s+)?\S+\s+(\S+)", DOCKERFILE)
    assert set(chowns) <= {"/data"}, chowns
