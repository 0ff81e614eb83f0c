"""Peak memory of opening one upload, measured for real: in a fresh Python process, as the peak
resident set size (getrusage) after the work less the peak before it (ADR 0031).

Run as `python -m tests.support.peak_memory bundle|image PATH`; it prints one JSON line. Tests
call `peak_growth`, which runs it with the test database's settings.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def peak_growth(kind: str, path: Path) -> dict[str, Any]:
    """Open the file at `path` as a bundle or an image upload in a child process; its outcome
    and how far, in MB, the peak resident memory grew while doing so."""
    from django.db import connection

    settings = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "safeguard.settings.test"}
    if connection.vendor == "postgresql":  # the test database: its tables, none of its rows
        env["DATABASE_URL"] = (
            f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
            f"{settings['PORT']}/{settings['NAME']}"
        )
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "tests.support.peak_memory", kind, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, done.stderr[-3000:]
    assert lines, done.stdout[-3000:]
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux


def _main(kind: str, path: str) -> None:
    import django

    django.setup()
    # Everything the checks load on first use is loaded first, so the measure is of the file.
    import jsonschema  # noqa: F401
    import pikepdf  # noqa: F401
    import pyhanko.sign.validation  # noqa: F401
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from concerns.uploads import clean_upload
    from transfers.export.bundle import BundleRefused, bundle_open

    image = Path(path).read_bytes() if kind == "image" else b""  # an upload of 10 MB at most
    before = _peak_kb()
    outcome = "accepted"
    try:
        if kind == "bundle":
            with open(path, "rb") as upload:  # as a large upload arrives: a file on disk
                bundle_open(upload)
        else:
            clean_upload(SimpleUploadedFile(Path(path).name, image))
    except BundleRefused as refused:
        outcome = f"refused: {refused.reason}"
    except ValidationError as error:
        outcome = f"refused: {' '.join(error.messages)}"
    after = _peak_kb()
    growth = {"before_mb": before / 1024, "growth_mb": (after - before) / 1024}
    print(json.dumps({**growth, "outcome": outcome}))


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
