"""What the environment makes of file storage (ADR 0037): production keeps files in S3 unless told
plainly to keep them on the host's disk; the bucket's objects are private and encrypted."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _production(**environment: str) -> subprocess.CompletedProcess[str]:
    """The production settings loaded in a process of their own, with `environment` added."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        DJANGO_SETTINGS_MODULE="safeguard.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        DATABASE_URL="postgres://check@127.0.0.1:1/check",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        EMAIL_URL="smtp://check@127.0.0.1:1",
        SIGNING_KEY_ENCRYPTION_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        SITE_URL="https://safeguard.example",
        ALLOWED_HOSTS="safeguard.example",
        CACHE_URL="redis://127.0.0.1:1/1",
        **environment,
    )
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.FILE_STORAGE, settings.STORAGES['default'])"
    )
    return subprocess.run(  # noqa: S603  (this interpreter, a fixed program)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        ({}, "S3_BUCKET must be set in production"),
        ({"S3_BUCKET": "b", "FILE_STORAGE": "filesystem"}, "unset the one you do not mean"),
        ({"FILE_STORAGE": "s3"}, "FILE_STORAGE=s3 needs S3_BUCKET"),
        ({"S3_BUCKET": "b", "S3_SERVER_SIDE_ENCRYPTION": "rot13"}, "must be one of AES256"),
        ({"S3_BUCKET": "b", "S3_KMS_KEY_ID": "k"}, "only with S3_SERVER_SIDE_ENCRYPTION=aws:kms"),
    ],
)
def test_production_refuses_a_file_storage_it_cannot_trust(
    environment: dict[str, str], refusal: str
) -> None:
    loaded = _production(**environment)
    assert loaded.returncode != 0
    assert refusal in loaded.stderr


def test_production_keeps_files_in_a_private_encrypted_bucket_or_on_a_disk_it_is_told_to() -> None:
    s3 = _production(
        S3_BUCKET="trust-files", S3_REGION="eu-west-2", S3_SERVER_SIDE_ENCRYPTION="aws:kms",
        S3_KMS_KEY_ID="alias/safeguard",
    )  # fmt: skip
    assert s3.returncode == 0, s3.stderr
    assert s3.stdout.startswith("s3 {'BACKEND': 'safeguard.s3.PrivateS3Storage'")
    for said in (
        "'bucket_name': 'trust-files'",
        "'region_name': 'eu-west-2'",
        "'default_acl': None",
        "'file_overwrite': False",
        "'querystring_expire': 60",
        "'object_parameters': {'ServerSideEncryption': 'aws:kms', 'SSEKMSKeyId': 'alias/safeguard'}",
    ):
        assert said in s3.stdout
    disk = _production(FILE_STORAGE="filesystem")
    assert disk.returncode == 0, disk.stderr
    assert "filesystem {'BACKEND': 'django.core.files.storage.FileSystemStorage'}" in disk.stdout
