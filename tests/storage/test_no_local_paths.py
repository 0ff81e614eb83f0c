"""No product code reaches a stored file by a local path (ADR 0037): in S3 there is none, so a
`.path` or MEDIA_ROOT would work on a developer's disk and fail on every production host."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = (
    "safeguard audit schools chronology concerns contacts referrals allegations transfers "
    "oversight reminders roll home demo api"
).split()
LOCAL_PATH = re.compile(r"\.(?:file|pdf|bundle)\.path\b|storage\.path\(|MEDIA_ROOT|\bMEDIA_URL\b")


def test_no_product_code_reads_a_stored_file_by_its_local_path() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for app in PRODUCT
        for path in sorted((ROOT / app).rglob("*.py"))
        if "settings" not in path.parts and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if LOCAL_PATH.search(line)
    ]
    assert not found, "\n".join(found)
