"""Where uploaded and generated files are kept (ADR 0037): an S3 bucket (AWS or an S3-compatible
store) when `S3_BUCKET` is set, so every web process and worker on every host reads the same
files; otherwise the local disk under MEDIA_ROOT (`make run`, one host)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "safeguard.s3.PrivateS3Storage"
FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
# "none" is for a store that refuses the header and encrypts its disks by itself (ADR 0037).
ENCRYPTIONS = ("AES256", "aws:kms", "none")
# A pre-signed URL is never handed to a person (files are streamed through the app's views); if
# one is ever made, it lasts a minute.
SIGNED_URL_SECONDS = 60
# A file read whole (to check a signature, copy a bundle) spills to a temporary file past 5 MB.
IN_MEMORY_BYTES = 5 * 1024 * 1024


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    encryption: str = "AES256",
    kms_key_id: str = "",
) -> dict[str, Any]:
    """The STORAGES entry of a private, encrypted bucket."""
    if encryption not in ENCRYPTIONS:
        raise ImproperlyConfigured(
            f"S3_SERVER_SIDE_ENCRYPTION must be one of {', '.join(ENCRYPTIONS)}, not "
            f"{encryption!r}."
        )
    if kms_key_id and encryption != "aws:kms":
        raise ImproperlyConfigured(
            "S3_KMS_KEY_ID is used only with S3_SERVER_SIDE_ENCRYPTION=aws:kms."
        )
    written: dict[str, str] = {}
    if encryption != "none":
        written["ServerSideEncryption"] = encryption
    if kms_key_id:
        written["SSEKMSKeyId"] = kms_key_id
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            # An S3-compatible store (MinIO, moto, most providers) is reached by path: a bucket
            # name as a host name needs DNS set up for it.
            "addressing_style": "path" if endpoint_url else None,
            # Private objects: no ACL is ever sent (the bucket owner owns every object), and a
            # name already taken gets a new one rather than replacing another record's file.
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": SIGNED_URL_SECONDS,
            "object_parameters": written,
            "max_memory_size": IN_MEMORY_BYTES,
        },
    }


def default_storage(env: Any) -> tuple[dict[str, Any], str]:
    """The default storage the environment asks for, and its kind: "s3" when S3_BUCKET is set,
    else "filesystem"; FILE_STORAGE names the kind outright (production asks for it to keep
    files on a volume, ADR 0037)."""
    bucket = env("S3_BUCKET", default="")
    kind = env("FILE_STORAGE", default="") or ("s3" if bucket else "filesystem")
    if kind not in ("s3", "filesystem"):
        raise ImproperlyConfigured(f"FILE_STORAGE must be s3 or filesystem, not {kind!r}.")
    if kind == "s3" and not bucket:
        raise ImproperlyConfigured("FILE_STORAGE=s3 needs S3_BUCKET: the bucket's name.")
    if kind == "filesystem" and bucket:
        raise ImproperlyConfigured(
            "S3_BUCKET is set but FILE_STORAGE=filesystem: unset the one you do not mean."
        )
    if kind == "filesystem":
        return {"BACKEND": FILESYSTEM_BACKEND}, kind
    storage = s3_storage(
        bucket=bucket,
        endpoint_url=env("S3_ENDPOINT_URL", default=""),
        region=env("S3_REGION", default=""),
        encryption=env("S3_SERVER_SIDE_ENCRYPTION", default="AES256"),
        kms_key_id=env("S3_KMS_KEY_ID", default=""),
    )
    return storage, kind
