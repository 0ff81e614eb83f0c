"""Starting Django under production settings in a fresh process (tests/safeguard/test_settings.py,
tests/transfers/test_key_rotation.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Everything a live service needs, set (each test takes one away or spoils it).
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "safeguard.settings.production",
    "SECRET_KEY": "x" * 64,
    "ALLOWED_HOSTS": "safeguard.example",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:1/db",
    "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    "EMAIL_URL": "smtp+tls://u:p@127.0.0.1:1",
    "SIGNING_KEY_ENCRYPTION_KEY": "c2lnbmluZy1rZXktZW5jcnlwdGlvbi1rZXktMzJieXQ=",
    "SITE_URL": "https://safeguard.example",
    "CACHE_URL": "redis://127.0.0.1:1/1",
    "S3_BUCKET": "safeguard-files",
}


def django_setup_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`django.setup()` in a fresh Python with `env` (and none of PRODUCTION_ENV's names inherited)."""
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
