"""Retention pages: the school's list, one file's detail with its history, and legal holds."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLog
from tests.support.factories import PupilFactory
from tests.support.records.retention import retention_record
from tests.support.world import World
from transfers.models import Retention, RetentionBasis

pytestmark = pytest.mark.django_db


def test_the_dsl_sees_the_schools_files_and_sets_then_lifts_a_legal_hold(
    client,
    world: World,
) -> None:
    retention = retention_record(world.school)
    retention_record(world.other_school)  # not listed
    client.force_login(world.users["dsl"])
    page = client.get(reverse("retention-list")).content.decode()
    assert "Kept Leaver" in page
    assert page.count("retention-detail") == 0  # links are URLs, not names
    assert page.count(f"/transfers/retention/{retention.pk}/") == 1
    assert "1 January 2050" in page

    url = reverse("retention-detail", kwargs={"pk": retention.pk})
    blank = client.post(url, {"action": "set", "reason": "   "})
    assert blank.status_code == 200
    body = blank.content.decode()
    assert "Enter the reason" in body or "Enter why the file must be kept" in body
    assert "govuk-error-summary" in body
    assert 'aria-describedby="id_reason-hint id_reason-error"' in body
    assert 'id="id_reason-hint"' in body
    response = client.post(url, {"action": "set", "reason": "Family court proceedings"})
    # A second click of "Set the hold" (or a colleague's page from before) lifts nothing.
    again = client.post(url, {"action": "set", "reason": "Family court proceedings"})
    assert again.status_code == 302
    retention.refresh_from_db()
    assert retention.legal_hold
    assert response.status_code == 302
    retention.refresh_from_db()
    assert retention.legal_hold
    detail = client.get(url).content.decode()
    assert "Legal hold" in detail
    assert "Family court proceedings" in detail
    assert "Lift the hold" in detail
    assert client.post(url, {"action": "lift", "reason": "Concluded"}).status_code == 302
    retention.refresh_from_db()
    assert not retention.legal_hold
    history = client.get(url).content.decode()
    assert "Legal hold set" in history
    assert "Legal hold lifted" in history
    assert AccessLog.objects.filter(what="retention", pupil=retention.pupil).exists()


@pytest.mark.parametrize("role", ["staff", "head", "admin", "governor"])
def test_other_roles_may_not_see_retention(client, world: World, role: str) -> None:
    retention = retention_record(world.school)
    client.force_login(world.users[role])
    assert client.get(reverse("retention-list")).status_code == 403
    detail = reverse("retention-detail", kwargs={"pk": retention.pk})
    assert client.post(detail, {"action": "set", "reason": "x"}).status_code == 404
    retention.refresh_from_db()
    assert not retention.legal_hold


def test_another_schools_file_is_not_found(client, world: World) -> None:
    theirs = retention_record(world.other_school)
    client.force_login(world.users["dsl"])
    url = reverse("retention-detail", kwargs={"pk": theirs.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "set", "reason": "Court"}).status_code == 404


def test_the_list_query_count_does_not_grow(client, world: World) -> None:
    client.force_login(world.users["dsl"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("retention-list")).status_code == 200
        return len(queries)

    retention_record(world.school)
    count()  # the first request of a session does a little more
    few = count()
    for n in range(10):
        Retention.objects.create(
            school=world.school,
            pupil=PupilFactory(school=world.school),
            basis=RetentionBasis.LAST_SCHOOL,
            destroy_on=datetime.date(2050, 1, 2 + n),
        )
    assert count() == few


def test_the_pupils_page_says_the_file_is_read_only_then_destroyed(
    client,
    world: World,
) -> None:
    retention = Retention.objects.create(
        school=world.school,
        pupil=world.pupil,
        basis=RetentionBasis.LAST_SCHOOL,
        destroy_on=datetime.date(2027, 1, 4),
    )
    client.force_login(world.users["dsl"])
    url = reverse("pupil-safeguarding", kwargs={"pk": world.pupil.pk})
    page = client.get(url).content.decode()
    assert "kept read-only under the retention policy" in page
    assert "It will be destroyed on 4 January 2027." in page
    assert "Transfer the CP file" not in page
    assert reverse("retention-detail", kwargs={"pk": retention.pk}) in page
