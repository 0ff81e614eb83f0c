"""The private S3 storage of every uploaded and generated file when S3_BUCKET is set (ADR 0037)."""

from __future__ import annotations

from typing import IO, Any

from botocore.config import Config
from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class PrivateS3Storage(S3Storage):
    """S3Storage for records about children: objects are never public (no ACL is sent, whatever
    the options say), each is encrypted as settings' `object_parameters` say, and a file is read
    for a person as a stream, never by handing out its URL."""

    def __init__(self, **options: Any) -> None:
        options["default_acl"] = None
        super().__init__(**options)
        if options.get("client_config") is None:
            # A store that stops answering fails the request in seconds, not minutes; brief
            # faults are retried.
            self.client_config = Config(
                s3={"addressing_style": self.addressing_style},
                signature_version=self.signature_version,
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 4, "mode": "standard"},
            )

    def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
        params: dict[str, Any] = super()._get_write_parameters(name, content)
        params.pop("ACL", None)
        return params

    def open_stream(self, name: str) -> tuple[IO[bytes], int]:
        """The object's body as it arrives from S3 (never whole in memory), and its size."""
        key = self._normalize_name(clean_name(name))
        try:
            got = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        except ClientError as err:
            if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        return got["Body"], int(got["ContentLength"])
