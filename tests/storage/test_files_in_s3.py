"""Files in object storage (ADR 0037), against moto's S3 server over HTTP: what the app stores
lands in the bucket encrypted and private, is served back only through the permission-checked,
access-logged views (streamed, never a redirect), and goes from the bucket when the record that
held it is removed, returned or destroyed."""

from __future__ import annotations

import hashlib
import io
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AccessLog
from concerns.models import Attachment
from safeguard.celery import app
from tests.concerns.conftest import draft, draft_post
from tests.support.s3 import bucket_keys, s3_client
from tests.support.transfers import DESTROY_ON, after, kept, run_at
from tests.support.world import World
from transfers import services
from transfers.models import Export, ExportState, IncomingTransfer, Transfer
from transfers.signing.verify import pdf_signature_check

# The bucket first: the fixtures that store files (`ready`, `records`) then store them in S3.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bucket")]


def _made(kind: str) -> bytes:
    """A small JPEG photo or a one-page PDF."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, kind)
    return out.getvalue()


def _stored_privately_and_encrypted(bucket: str, key: str, encryption: str = "AES256") -> bytes:
    """The object's bytes, after checking it is encrypted at rest, grants nobody but the
    bucket's owner, and is refused to a request without credentials."""
    client = s3_client()
    head = client.head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == encryption
    grants = client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants)  # no AllUsers group
    unsigned = f"{django_settings.TEST_S3_ENDPOINT}/{bucket}/{key}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)  # noqa: S310  (moto on 127.0.0.1)
    assert refused.value.code == 403
    data: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return data


def _downloaded(response: Any) -> bytes:
    """A download's body, after checking it was streamed by the app (not a redirect to S3)."""
    assert response.status_code == 200, response.status_code
    assert "Location" not in response
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    return body


def test_attachments_land_in_the_bucket_encrypted_private_and_are_served_only_by_the_view(
    client: Any, world: World, categories: Any, bucket: str, django_capture_on_commit_callbacks: Any
) -> None:
    staff = world.users["staff"]
    concern = draft(staff, [world.pupil], categories)
    client.force_login(staff)
    url = reverse("concern-draft", kwargs={"pk": concern.pk})
    photo = _made("JPEG")
    for name, data in (("bruise.jpg", photo), ("letter.pdf", _made("PDF"))):
        client.post(
            url,
            {
                **draft_post(concern),
                "action": "add_file",
                "file-file": SimpleUploadedFile(name, data),
            },
        )
    document, image = Attachment.objects.order_by("content_type")
    assert (image.content_type, document.content_type) == ("image/jpeg", "application/pdf")
    assert bucket_keys(bucket) == sorted([image.file.name, document.file.name])

    for attachment in (image, document):
        assert attachment.file.name.startswith(f"schools/{world.school.pk}/concerns/{concern.pk}/")
        stored = _stored_privately_and_encrypted(bucket, attachment.file.name)
        assert hashlib.sha256(stored).hexdigest() == attachment.sha256
        download = reverse("attachment-download", kwargs={"pk": attachment.pk})
        before = AccessLog.objects.filter(what="attachment", user=staff).count()
        assert _downloaded(client.get(download)) == stored
        assert AccessLog.objects.filter(what="attachment", user=staff).count() == before + 1
    # The photo was re-encoded on the way in (its metadata stripped): the bucket holds that.
    assert _stored_privately_and_encrypted(bucket, image.file.name) != photo

    # Another school's DSL: the same 404 as no file, and nothing read is logged for them.
    client.force_login(world.users["other_dsl"])
    for attachment in (image, document):
        download = reverse("attachment-download", kwargs={"pk": attachment.pk})
        assert client.get(download).status_code == 404
    assert not AccessLog.objects.filter(user=world.users["other_dsl"], what="attachment").exists()

    # Taken off the draft: the object goes once the removal commits.
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**draft_post(concern), "action": f"remove_file:{document.pk}"})
    assert bucket_keys(bucket) == [image.file.name]


def test_a_file_gone_from_the_bucket_is_a_404_not_an_error(
    client: Any, world: World, categories: Any, bucket: str
) -> None:
    staff = world.users["staff"]
    concern = draft(staff, [world.pupil], categories)
    client.force_login(staff)
    client.post(
        reverse("concern-draft", kwargs={"pk": concern.pk}),
        {
            **draft_post(concern),
            "action": "add_file",
            "file-file": SimpleUploadedFile("a.jpg", _made("JPEG")),
        },
    )
    attachment = Attachment.objects.get()
    s3_client().delete_object(Bucket=bucket, Key=attachment.file.name)
    response = client.get(reverse("attachment-download", kwargs={"pk": attachment.pk}))
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_queue")
def test_an_export_rendered_by_a_real_worker_is_stored_in_the_bucket_and_downloaded(
    client: Any, world: World, bucket: str
) -> None:
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        transfer = services.transfer_start(  # commits: the task is queued
            actor=world.users["dsl"],
            pupil=world.pupil,
            leaving_date=world.pupil.joined_on,
            destination_school=world.other_school,
        )
        deadline = time.monotonic() + 90
        while (export := Export.objects.get(pk=transfer.export_id)).state not in (
            ExportState.DONE,
            ExportState.FAILED,
        ):
            assert time.monotonic() < deadline, "the worker did not prepare the file in 90 s"
            time.sleep(0.1)
    assert export.state == ExportState.DONE, export.error
    folder = f"schools/{world.school.pk}/transfers/exports/{export.pk}/"
    assert bucket_keys(bucket) == [folder + "cp-file-bundle.zip", folder + "cp-file.pdf"]
    pdf = _stored_privately_and_encrypted(bucket, export.pdf.name)
    bundle = _stored_privately_and_encrypted(bucket, export.bundle.name)
    assert hashlib.sha256(pdf).hexdigest() == export.pdf_sha256
    assert pdf_signature_check(pdf).valid

    client.force_login(world.users["dsl"])
    for kind, stored in (("pdf", pdf), ("bundle", bundle)):
        url = reverse("transfer-file", kwargs={"pk": transfer.pk, "kind": kind})
        assert _downloaded(client.get(url)) == stored
        assert AccessLog.objects.filter(what=f"transfer_{kind}", record_id=str(export.pk)).exists()
    client.force_login(world.users["other_dsl"])  # the receiving school reads its own copy only
    url = reverse("transfer-file", kwargs={"pk": transfer.pk, "kind": "pdf"})
    assert client.get(url).status_code == 404

    # Sent in the service: the new school's own copy, under its own folder in the bucket.
    transfer.refresh_from_db()
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=transfer)
    for kind, sent in (("pdf", pdf), ("bundle", bundle)):
        key = getattr(incoming, kind).name
        assert key.startswith(f"schools/{world.other_school.pk}/transfers/incoming/{incoming.pk}/")
        assert _stored_privately_and_encrypted(bucket, key) == sent
        url = reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": kind})
        assert _downloaded(client.get(url)) == sent
        assert AccessLog.objects.filter(what=f"incoming_{kind}", user=world.users["other_dsl"])
    client.force_login(world.users["dsl"])  # the sender does not read the receiver's copy
    url = reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "pdf"})
    assert client.get(url).status_code == 404


def test_an_imported_bundle_is_stored_checked_and_read_back(
    client: Any, world: World, bucket: str, ready_elsewhere: Transfer
) -> None:
    data = ready_elsewhere.export.bundle.read()
    client.force_login(world.users["other_dsl"])
    upload = SimpleUploadedFile("bundle.zip", data, content_type="application/zip")
    response = client.post(reverse("transfer-import"), {"bundle": upload})
    incoming = IncomingTransfer.objects.get()
    assert response.url == reverse("incoming-detail", kwargs={"pk": incoming.pk})
    folder = f"schools/{world.other_school.pk}/transfers/incoming/{incoming.pk}/"
    assert _stored_privately_and_encrypted(bucket, folder + "cp-file-bundle.zip") == data
    pdf = _stored_privately_and_encrypted(bucket, folder + "cp-file.pdf")
    assert hashlib.sha256(pdf).hexdigest() == incoming.pdf_sha256
    # The detail page checks the signature of the PDF it reads back from the bucket.
    page = client.get(response.url).content.decode()
    assert "Signature valid: the file is unchanged" in page
    assert 'data-testid="files-gone"' not in page
    url = reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "bundle"})
    assert _downloaded(client.get(url)) == data


def test_a_returned_file_is_removed_from_the_bucket(
    world: World, bucket: str, ready: Transfer, django_capture_on_commit_callbacks: Any
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    received = [incoming.pdf.name, incoming.bundle.name]
    assert set(received) < set(bucket_keys(bucket))
    with django_capture_on_commit_callbacks(execute=True):
        services.incoming_reject(
            actor=world.users["other_dsl"], incoming=incoming, reason="Not joining us"
        )
    ready.export.refresh_from_db()
    left = set(bucket_keys(bucket))
    assert not set(received) & left
    assert {ready.export.pdf.name, ready.export.bundle.name} <= left  # the sender's stay


def test_destruction_removes_the_objects_from_the_bucket(
    world: World, bucket: str, ready: Transfer
) -> None:
    """The nightly retention job at the file's date: the child's attachments and exports go from
    the bucket; another school's file stays."""
    ready.export.refresh_from_db()
    attachments = [a.file.name for a in Attachment.objects.filter(school=world.school)]
    assert attachments
    mine = {*attachments, ready.export.pdf.name, ready.export.bundle.name}
    elsewhere = default_storage.save(
        f"schools/{world.other_school.pk}/concerns/x/file", ContentFile(b"not this child's")
    )
    assert mine | {elsewhere} == set(bucket_keys(bucket))
    kept(world)
    assert run_at(after(DESTROY_ON)).destroyed == 1
    files, log = [], []
    for key in bucket_keys(bucket):
        (log if key.startswith("destruction-log/") else files).append(key)
    assert files == [elsewhere]
    # With no bucket of its own, the destruction log (ids and hashes only) is kept beside them.
    assert len(log) == 1


def test_names_are_never_overwritten_and_kms_encryption_names_its_key(
    world: World, bucket: str, settings: Any
) -> None:
    """file_overwrite=False: a second file under a taken name gets a name of its own. With
    S3_SERVER_SIDE_ENCRYPTION=aws:kms and S3_KMS_KEY_ID every object is encrypted with that key."""
    name = f"schools/{world.school.pk}/concerns/x/file"
    first = default_storage.save(name, ContentFile(b"first"))
    second = default_storage.save(name, ContentFile(b"second"))
    assert first == name
    assert second != name
    assert default_storage.open(first).read() == b"first"

    import boto3

    from safeguard.settings.test import moto_s3_storage

    kms = boto3.client(
        "kms",
        endpoint_url=settings.TEST_S3_ENDPOINT,
        region_name="eu-west-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    key_id = kms.create_key(Description="safeguard test files")["KeyMetadata"]["Arn"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": moto_s3_storage(bucket, encryption="aws:kms", kms_key_id=key_id),
    }
    saved = default_storage.save(f"schools/{world.school.pk}/concerns/y/file", ContentFile(b"k"))
    head = s3_client().head_object(Bucket=bucket, Key=saved)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key_id
    assert default_storage.open(saved).read() == b"k"


def test_a_send_that_fails_after_copying_leaves_no_copy_in_the_bucket(
    world: World, bucket: str, ready: Transfer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receiving school's copies are written before the sending commits; a fault after them
    deletes them again, so no object is left that no record points at (retention would never
    find it)."""
    before = set(bucket_keys(bucket))

    def chronology_down(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the chronology could not be written")

    monkeypatch.setattr(services, "_append_sent", chronology_down)
    with pytest.raises(RuntimeError):
        services.transfer_send(actor=world.users["dsl"], transfer=ready)
    assert set(bucket_keys(bucket)) == before
