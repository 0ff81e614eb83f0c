"""Production settings refuse to start unless everything a live service needs is set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.production_settings import PRODUCTION_ENV, ROOT, django_setup_with


def test_production_starts_with_everything_set() -> None:
    result = django_setup_with(PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be set"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set"),
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "Production runs on PostgreSQL"),
        ({"CELERY_BROKER_URL": ""}, "CELERY_BROKER_URL must be set"),
        ({"EMAIL_URL": ""}, "EMAIL_URL must be set"),
        ({"EMAIL_URL": "consolemail://"}, "EMAIL_URL must name a real mail server"),
        ({"SIGNING_KEY_ENCRYPTION_KEY": ""}, "SIGNING_KEY_ENCRYPTION_KEY must be set"),
        ({"SIGNING_KEY_ENCRYPTION_KEY": "dG9vIHNob3J0"}, "SIGNING_KEY_ENCRYPTION_KEY must be set"),
        ({"SITE_URL": ""}, "SITE_URL must be set"),
        ({"SITE_URL": "http://safeguard.example"}, "SITE_URL must be set"),
        ({"SITE_URL": "https://safeguard.example/safeguard/"}, "SITE_URL must be set"),
        ({"SITE_URL": "safeguard.example"}, "SITE_URL must be set"),
        ({"SITE_URL": "https://safeguard.example/?next=/"}, "SITE_URL must be only"),
        ({"CACHE_URL": ""}, "CACHE_URL must be set"),
        ({"CACHE_URL": "locmem://"}, "CACHE_URL must be set"),
        ({"CACHE_URL": "redis://127.0.0.1:1"}, "CACHE_URL must name another Redis database"),
        ({"S3_BUCKET": ""}, "S3_BUCKET must be set in production"),
    ],
)
def test_production_refuses_to_start(change: dict[str, str], message: str) -> None:
    env = {k: v for k, v in {**PRODUCTION_ENV, **change}.items() if v}
    result = django_setup_with(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_site_url_is_kept_without_its_slash_and_names_the_allowed_host() -> None:
    """Emails join SITE_URL and a path: one slash between them, whichever way it was written."""
    env = {**PRODUCTION_ENV, "SITE_URL": "https://safeguard.example/"}
    del env["ALLOWED_HOSTS"]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SITE_URL, s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS)",
        ],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == (
        "https://safeguard.example ['safeguard.example'] ['https://safeguard.example']"
    )


@pytest.mark.parametrize("command", ["seed_demo", "seed_oversight_benchmark"])
def test_production_refuses_the_demo_seeders_unless_turned_on(command: str) -> None:
    """A real trust's database never gets the demo's people and their published password. The
    refusal comes before the database is touched (PRODUCTION_ENV's database does not exist): turned on,
    the same command gets as far as the database."""
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DEMO_SEEDING"}

    def run(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (this interpreter and the project's manage.py)
            [sys.executable, "manage.py", command, "--skip-checks"],
            cwd=ROOT,
            env={**clean, **PRODUCTION_ENV, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    refused = run({})
    assert refused.returncode == 1
    assert "does not allow demo data (DEMO_SEEDING is off" in refused.stderr
    allowed = run({"DEMO_SEEDING": "true"})
    assert allowed.returncode != 0  # no database at PRODUCTION_ENV's address
    assert "DEMO_SEEDING" not in allowed.stderr
