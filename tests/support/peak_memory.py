"""Peak memory of opening one upload, measured for real: in a fresh Python process, as the peak
resident set size during the work less the resident set size before it (ADR 0031).

The peak is the kernel's high-water mark of this process's memory (VmHWM in /proc/self/status),
reset to the current size just before the work (writing 5 to /proc/self/clear_refs). Not
getrusage's ru_maxrss: a child process inherits its parent's size at fork into that figure, and a
test process that has just built a 600 MB bomb would hide the child's own peak under it.

Run as `python -m tests.support.peak_memory bundle|image|csv|ctf PATH`; it prints one JSON line. Tests
call `peak_growth`, which runs it with the test database's settings.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def peak_growth(kind: str, path: Path) -> dict[str, Any]:
    """Open the file at `path` as a bundle, an image upload or a roll import (CSV or CTF) in a
    child process; its outcome
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


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _reset_peak() -> int:
    """The resident size now, with the high-water mark reset to it."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


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
    from roll.imports.csv_reader import FileRefusedError, read_csv
    from roll.imports.ctf_reader import read_ctf
    from transfers.export.bundle import BundleRefused, bundle_open

    upload = Path(path).read_bytes() if kind != "bundle" else b""  # 10 MB at most
    gc.collect()
    before = _reset_peak()
    outcome = "accepted"
    try:
        if kind == "bundle":
            with open(path, "rb") as received:  # as a large upload arrives: a file on disk
                bundle_open(received)
        elif kind == "image":
            clean_upload(SimpleUploadedFile(Path(path).name, upload))
        else:
            (read_csv if kind == "csv" else read_ctf)(upload)
    except BundleRefused as refused:
        outcome = f"refused: {refused.reason}"
    except FileRefusedError as refused:
        outcome = f"refused: {refused}"
    except ValidationError as error:
        outcome = f"refused: {' '.join(error.messages)}"
    after = _status_kb("VmHWM")
    growth = {"before_mb": before / 1024, "growth_mb": (after - before) / 1024}
    print(json.dumps({**growth, "outcome": outcome}))


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
