"""Fixes from the transfer code review: a forged signature shown as trusted, an import attaching a
genuine file to the wrong pupil, a returned file kept by the receiver, a failed duplicate export
run undoing a finished one, the transfer reminders' days and people, and a received file whose
PDF is gone."""

# ruff: noqa: F811 (fixtures imported from flow_fixtures are arguments of the tests)

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from schools.models import SchoolClosure
from tests.support.factories import PupilFactory
from tests.support.world import World
from tests.transfers.flow_fixtures import (  # the fixtures, by name
    ready,  # noqa: F401
    ready_elsewhere,  # noqa: F401
)
from tests.transfers.helpers import pkcs12_file, transfer_row
from transfers import services
from transfers.models import (
    ExportState,
    IncomingState,
    IncomingTransfer,
    Retention,
    RetentionBasis,
    RetentionState,
    SigningKey,
    SigningKeyOrigin,
    Transfer,
)
from transfers.signing import keys as signing
from transfers.signing import verify

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture(scope="module")
def small_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>CONFIDENTIAL: a child-protection file.</p>").write_pdf()


# --- 1. A forged signature ----------------------------------------------------------------------


def test_a_certificate_naming_another_school_is_refused_at_upload(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        signing.signing_key_upload(
            actor=world.users["other_dsl"],
            school=world.other_school,  # Beta School uploads a certificate of "Alpha School"
            pkcs12=pkcs12_file(),
            password="correct horse",
        )
    (message,) = refused.value.message_dict["pkcs12"]
    assert "Alpha School" in message
    assert "Beta School" in message
    assert not SigningKey.objects.filter(school=world.other_school).exists()


def test_the_upload_page_says_why_beside_the_field(client: Any, world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.users["other_dsl"])
    response = client.post(
        reverse("signing-key-upload"),
        {
            "pkcs12": SimpleUploadedFile("cert.p12", pkcs12_file()),
            "password": "correct horse",
        },
    )
    body = _text(response)
    assert 'id="id_pkcs12-error" class="govuk-error-message"' in body
    assert "not to Beta School" in body


def _forged_key(world: World) -> SigningKey:
    """A key Beta School registered (before the upload check) naming Alpha School in it."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert, _ = pkcs12.load_key_and_certificates(pkcs12_file(), b"correct horse")
    assert key is not None
    assert cert is not None
    return signing._signing_key_store(
        actor=None,
        school=world.other_school,
        origin=SigningKeyOrigin.UPLOADED,
        cert=cert,
        private_key_der=signing._pkcs8(key),
    )


def test_the_school_shown_is_the_school_that_registered_the_key(
    world: World, small_pdf: bytes
) -> None:
    forged = _forged_key(world)
    assert forged.organisation == "Alpha School"
    check = verify.pdf_signature_check(
        signing.pdf_sign(school=world.other_school, pdf=small_pdf, reason="CP file")
    )
    assert check.valid
    assert check.trusted
    assert check.school_name == "Beta School"
    assert check.fingerprint == forged.fingerprint_sha256
    assert "Alpha School" not in check.summary.replace("Jo Bloggs, DSL", "")


def test_a_retired_key_is_trusted_only_for_what_it_signed_before_it_was_retired(
    world: World, small_pdf: bytes
) -> None:
    old = signing.signing_key_generate(actor=None, school=world.school, issuer="self")
    signed = signing.pdf_sign(school=world.school, pdf=small_pdf, reason="CP file")
    signing.signing_key_generate(actor=None, school=world.school, issuer="self")  # retires it
    old.refresh_from_db()
    assert not old.active
    assert old.retired_at is not None
    assert verify.pdf_signature_check(signed).trusted  # signed before it was retired
    # The same key used after it was retired: the claimed signing time is after retirement.
    SigningKey.objects.filter(pk=old.pk).update(
        retired_at=timezone.now() - datetime.timedelta(hours=1)
    )
    check = verify.pdf_signature_check(signed)
    assert check.valid
    assert not check.trusted
    assert "retired" in check.problem


# --- 2. An import attaching a genuine file to the wrong pupil -----------------------------------


def _zip_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_genuine_pdf_repackaged_about_another_pupil_is_refused(
    world: World, ready_elsewhere: Transfer
) -> None:
    from transfers.export.bundle import bundle_build, bundle_package

    genuine_pdf = _zip_files(ready_elsewhere.export.bundle.read())["cp-file.pdf"]
    world.other_pupil.upn = "A123456789012"
    world.other_pupil.save()
    about_q = bundle_build(actor=world.users["other_dsl"], pupil=world.other_pupil)
    repackaged = bundle_package(school=world.other_school, bundle=about_q, pdf=genuine_pdf)
    with pytest.raises(ValidationError) as refused:
        services.incoming_import(
            actor=world.users["other_dsl"], school=world.other_school, data=repackaged
        )
    (message,) = refused.value.message_dict["bundle"]
    assert "and its PDF with another" in message
    assert not IncomingTransfer.objects.exists()


def test_an_imports_warnings_and_trust_are_kept_and_shown(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    from transfers.export.bundle import bundle_package

    files = _zip_files(ready_elsewhere.export.bundle.read())
    document = json.loads(files["bundle.json"])
    document["sending_school"]["name"] = "Elsewhere Academy"
    repackaged = bundle_package(school=world.school, bundle=document, pdf=files["cp-file.pdf"])
    incoming = services.incoming_import(
        actor=world.users["other_dsl"], school=world.other_school, data=repackaged
    )
    incoming.refresh_from_db()
    assert incoming.signatures_trusted is True
    assert any("Elsewhere Academy" in w for w in incoming.check_warnings), incoming.check_warnings
    client.force_login(world.users["other_dsl"])
    body = _text(client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk})))
    assert 'data-testid="import-warnings"' in body
    assert "but its signature names Alpha School" in body


def test_the_import_page_says_what_was_checked_not_every_check(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.users["other_dsl"])
    upload = SimpleUploadedFile("bundle.zip", ready_elsewhere.export.bundle.read())
    response = client.post(reverse("transfer-import"), {"bundle": upload}, follow=True)
    body = _text(response)
    assert "passed every check" not in body
    assert "signatures and hashes" in body


def test_a_upn_match_needs_the_same_date_of_birth(world: World, ready: Transfer) -> None:
    world.pupil.upn = "A123456789012"
    world.pupil.save()
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    assert incoming.upn == "A123456789012"
    namesake = PupilFactory(
        school=world.other_school,
        upn="A123456789012",
        date_of_birth=world.pupil.date_of_birth - datetime.timedelta(days=400),
    )
    match = services.incoming_match(incoming=incoming)
    assert match.pupil is None
    assert match.upn_conflict == namesake
    with pytest.raises(ValidationError) as refused:
        services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
    assert "date of birth" in refused.value.messages[0]
    # The same date of birth: matched by UPN.
    namesake.date_of_birth = world.pupil.date_of_birth
    namesake.save()
    match = services.incoming_match(incoming=incoming)
    assert (match.pupil, match.by) == (namesake, "UPN and date of birth")


# --- 3. A returned file ------------------------------------------------------------------------


def test_a_returned_file_is_removed_from_the_receiving_school(
    client: Any, world: World, ready: Transfer, django_capture_on_commit_callbacks: Any
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    storage, pdf_name = incoming.pdf.storage, incoming.pdf.name
    assert storage.exists(pdf_name)
    with django_capture_on_commit_callbacks(execute=True):  # deleted once the return commits
        services.incoming_reject(
            actor=world.users["other_dsl"], incoming=incoming, reason="Not joining us"
        )
    incoming.refresh_from_db()
    assert not storage.exists(pdf_name)
    assert not incoming.pdf
    assert not incoming.bundle
    assert incoming.pdf_sha256 == ready.export.pdf_sha256  # the hashes are kept
    client.force_login(world.users["other_dsl"])
    for kind in ("pdf", "bundle"):
        url = reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": kind})
        assert client.get(url).status_code == 404
    response = client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk}))
    assert response.status_code == 200
    body = _text(response)
    assert "files removed" in body
    assert reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "pdf"}) not in body


# --- 4. A failed duplicate export run ------------------------------------------------------------


def test_a_failed_duplicate_run_leaves_a_finished_export_done(ready_elsewhere: Transfer) -> None:
    from transfers.export import pdf as pdf_module

    export = ready_elsewhere.export
    assert export is not None
    services.Export.objects.filter(pk=export.pk).update(state=ExportState.QUEUED)
    real = pdf_module.cp_file_pdf
    calls = {"n": 0}

    def render(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:  # while this run renders, the task's other delivery finishes
            assert services.export_run(export_id=export.pk).state == ExportState.DONE
            raise RuntimeError("the worker ran out of memory")
        return real(**kwargs)

    with mock.patch.object(pdf_module, "cp_file_pdf", side_effect=render):
        result = services.export_run(export_id=export.pk)
    assert calls["n"] == 2
    assert result.state == ExportState.DONE
    assert result.pdf


# --- 5. The transfer deadline and its reminders ------------------------------------------------


def test_a_one_day_closure_after_leaving_is_not_an_end_of_term(world: World) -> None:
    SchoolClosure.objects.create(
        school=world.school,
        name="INSET day",
        first_day=datetime.date(2026, 11, 30),
        last_day=datetime.date(2026, 11, 30),
    )
    deadline = services.transfer_deadline(
        school=world.school, leaving_date=datetime.date(2026, 11, 27)
    )
    assert not deadline.end_of_term
    assert deadline.due == datetime.date(2026, 12, 7)  # Tue 1 to Mon 7 December


def test_a_half_term_after_leaving_is_an_end_of_term(world: World) -> None:
    SchoolClosure.objects.create(
        school=world.school,
        name="Spring half term",
        first_day=datetime.date(2027, 2, 15),
        last_day=datetime.date(2027, 2, 19),
    )
    deadline = services.transfer_deadline(
        school=world.school, leaving_date=datetime.date(2027, 2, 12)
    )
    assert deadline.end_of_term


def _transfer_due(world: World, deadline: datetime.date) -> Transfer:
    from transfers.models import TransferState

    return transfer_row(world, state=TransferState.READY, deadline=deadline)


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _told(key_start: str) -> list[str]:
    from reminders.models import Reminder

    return sorted(
        Reminder.objects.filter(key__startswith=key_start).values_list(
            "recipient__email", flat=True
        )
    )


def test_a_monday_deadline_is_reminded_on_the_friday_before(world: World) -> None:
    from reminders.services import reviews_run

    _transfer_due(world, datetime.date(2026, 11, 30))  # a Monday
    reviews_run(now=_at(datetime.date(2026, 11, 26)))  # Thursday: not yet
    assert _told("transfer-due:") == []
    reviews_run(now=_at(datetime.date(2026, 11, 27)))  # Friday, the school day before
    assert _told("transfer-due:") == ["deputy@alpha.example", "dsl@alpha.example"]
    reviews_run(now=_at(datetime.date(2026, 11, 29)))  # Sunday: nobody told again
    assert len(_told("transfer-due:")) == 2


def test_a_deadline_after_an_inset_day_is_reminded_before_it(world: World) -> None:
    from reminders.services import reviews_run

    SchoolClosure.objects.create(
        school=world.school,
        name="INSET day",
        first_day=datetime.date(2026, 11, 30),
        last_day=datetime.date(2026, 11, 30),
    )
    _transfer_due(world, datetime.date(2026, 12, 1))  # Tuesday, after the INSET Monday
    reviews_run(now=_at(datetime.date(2026, 11, 27)))
    assert "dsl@alpha.example" in _told("transfer-due:")


def test_a_school_without_a_dsl_tells_its_deputies(world: World) -> None:
    from reminders.services import reviews_run
    from schools.models import SchoolMembership
    from transfers.models import TransferState

    SchoolMembership.objects.filter(school=world.school, role="dsl").delete()
    _transfer_due(world, datetime.date(2026, 11, 25))
    reviews_run(now=_at(datetime.date(2026, 11, 24)))
    assert _told("transfer-due:") == ["deputy@alpha.example"]
    reviews_run(now=_at(datetime.date(2026, 11, 26)))
    assert _told("transfer-overdue:") == ["deputy@alpha.example"]
    Transfer.objects.update(state=TransferState.SENT, sent_at=_at(datetime.date(2026, 11, 20)))
    reviews_run(now=_at(datetime.date(2026, 11, 30)))
    assert _told("transfer-receipt:") == ["deputy@alpha.example"]


# --- 6. A received file whose PDF is gone --------------------------------------------------------


def test_a_received_file_destroyed_by_retention_says_so(
    client: Any, world: World, ready: Transfer
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    incoming = services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
    retention = Retention.objects.create(
        school=world.other_school, pupil=incoming.pupil, basis=RetentionBasis.LAST_SCHOOL,  # type: ignore[misc]
        destroy_on=datetime.date(2026, 11, 1),
    )  # fmt: skip
    destroyed_at = datetime.datetime(2026, 11, 20, 3, 0, tzinfo=datetime.UTC)
    Retention.objects.filter(pk=retention.pk).update(state=RetentionState.DESTROYING)
    incoming.pdf.delete(save=False)
    incoming.bundle.delete(save=False)
    IncomingTransfer.objects.filter(pk=incoming.pk).update(pdf="", bundle="")
    Retention.objects.filter(pk=retention.pk).update(
        state=RetentionState.DESTROYED, destroyed_at=destroyed_at
    )
    client.force_login(world.users["other_dsl"])
    response = client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk}))
    assert response.status_code == 200
    body = _text(response)
    assert "destroyed on 20 November 2026" in body
    assert reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "pdf"}) not in body
    url = reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "pdf"})
    assert client.get(url).status_code == 404


def test_a_returned_files_page_never_fails(client: Any, world: World, ready: Transfer) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    services.incoming_reject(actor=world.users["other_dsl"], incoming=incoming, reason="Wrong")
    client.force_login(world.users["other_dsl"])
    response = client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk}))
    assert response.status_code == 200
    assert "Returned" in _text(response)
    assert IncomingTransfer.objects.get(pk=incoming.pk).state == IncomingState.REJECTED
