"""moto's S3 server (scripts/test-services.sh starts it): a client on it, and a bucket of one's
own that starts each test empty (ADR 0037)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError
from django.conf import settings

REGION = "eu-west-2"


def s3_client() -> Any:
    """A boto3 client on moto's server, with moto's test credentials."""
    return boto3.client(
        "s3",
        endpoint_url=settings.TEST_S3_ENDPOINT,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def bucket_ready(name: str) -> None:
    """The bucket, made if it is not there, emptied if it is (every version of every object)."""
    client = s3_client()
    try:
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    except ClientError as err:
        if err.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    pages = client.get_paginator("list_object_versions").paginate(Bucket=name)
    for page in pages:
        gone = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if gone:
            client.delete_objects(Bucket=name, Delete={"Objects": gone})


def bucket_keys(name: str) -> list[str]:
    """Every key in the bucket, sorted."""
    pages = s3_client().get_paginator("list_objects_v2").paginate(Bucket=name)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))
