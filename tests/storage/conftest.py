"""The S3 tests keep their files in moto's S3 server over HTTP (scripts/test-services.sh starts
it), in this test worker's own bucket, emptied first."""

from __future__ import annotations

from typing import Any

import pytest

from tests.concerns.conftest import categories  # noqa: F401  (the trust's category list)
from tests.support.s3 import bucket_ready
from tests.support.transfer_fixtures import ready, ready_elsewhere  # noqa: F401


@pytest.fixture
def bucket(settings: Any) -> str:
    """The production S3 storage as the default storage, on this worker's empty bucket."""
    from safeguard.settings.test import moto_s3_storage

    name = settings.TEST_S3_BUCKET
    bucket_ready(name)
    settings.STORAGES = {**settings.STORAGES, "default": moto_s3_storage(name)}
    return name
