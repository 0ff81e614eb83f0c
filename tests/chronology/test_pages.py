"""The child's record pages: logged reads, constant query counts, the Appendix 2 print view."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AccessLog
from chronology import services
from chronology.models import ChronologyEntry, EntryKind
from concerns import services as concern_services
from tests.concerns.conftest import draft
from tests.support.factories import PupilFactory
from tests.support.world import World


def _entries(world: World, n: int) -> None:
    for i in range(n):
        services.chronology_add_entry(
            actor=world.users["dsl"],
            pupil=world.pupil,
            kind=EntryKind.NOTE,
            occurred_at=timezone.now() - datetime.timedelta(hours=i + 1),
            details=f"Note number {i}",
        )


@pytest.mark.parametrize(
    "name", ["pupil-safeguarding", "pupil-chronology", "pupil-chronology-print"]
)
def test_every_read_is_logged_and_a_refused_one_is_not(client, world: World, name: str) -> None:
    url = reverse(name, kwargs={"pk": world.pupil.pk})
    client.force_login(world.users["head"])
    assert client.get(url).status_code == 200
    row = AccessLog.objects.get()
    assert (row.user, row.pupil, row.school) == (world.users["head"], world.pupil, world.school)
    assert row.ip_address == "127.0.0.1"
    for refused in ["staff", "governor", "other_dsl"]:
        client.force_login(world.users[refused])
        assert client.get(url).status_code == 404
    assert AccessLog.objects.count() == 1


def test_concern_and_dsl_record_views_are_logged_for_each_pupil(
    client, world: World, categories
) -> None:
    staff = world.users["staff"]
    concern = concern_services.concern_submit(
        actor=staff, concern=draft(staff, [world.pupil], categories)
    )
    client.force_login(world.users["dsl"])
    client.get(reverse("concern-detail", kwargs={"pk": concern.pk}))
    client.get(reverse("dsl-record", kwargs={"pk": concern.pk}))
    assert list(
        AccessLog.objects.order_by("created_at").values_list("what", "pupil_id", "record_id")
    ) == [
        ("concern", world.pupil.pk, str(concern.pk)),
        ("dsl_record", world.pupil.pk, str(concern.pk)),
    ]


def test_only_the_dsl_and_deputies_read_the_access_log_and_it_has_no_narrative(
    client, world: World
) -> None:
    _entries(world, 1)
    client.force_login(world.users["head"])
    client.get(reverse("pupil-chronology", kwargs={"pk": world.pupil.pk}))
    assert client.get(reverse("pupil-access-log", kwargs={"pk": world.pupil.pk})).status_code == 404
    client.force_login(world.users["dsl"])
    page = client.get(reverse("pupil-access-log", kwargs={"pk": world.pupil.pk})).content.decode()
    assert escape(world.users["head"].full_name) in page
    assert "Note number 0" not in page


def test_chronology_query_count_does_not_grow_with_entries(
    client, world: World, django_assert_max_num_queries
) -> None:
    _entries(world, 3)
    client.force_login(world.users["dsl"])
    url = reverse("pupil-chronology", kwargs={"pk": world.pupil.pk})
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    _entries(world, 60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "63 entries" in page


def test_chronology_filters_and_search(client, world: World) -> None:
    _entries(world, 2)
    services.chronology_add_entry(
        actor=world.users["dsl"],
        pupil=world.pupil,
        kind=EntryKind.HOME_VISIT,
        occurred_at=timezone.now() - datetime.timedelta(days=1),
        details="Visited the flat with the social worker",
        significant=True,
    )
    client.force_login(world.users["deputy"])
    url = reverse("pupil-chronology", kwargs={"pk": world.pupil.pk})
    assert "1 entry" in client.get(url, {"significant": "on"}).content.decode()
    assert "1 entry" in client.get(url, {"kind": "home_visit"}).content.decode()
    searched = client.post(url, {"q": "flat"}, follow=True)
    assert "1 entry" in searched.content.decode()
    ((searched_url, _status),) = searched.redirect_chain
    assert "flat" not in searched_url  # the words are a token in the URL (issue 16)
    oldest = client.get(url, {"order": "oldest"}).content.decode()
    assert oldest.index("Visited the flat") < oldest.index("Note number 0")


def test_restricted_concerns_stay_out_of_other_readers_chronology(
    client, world: World, categories
) -> None:
    staff = world.users["staff"]
    concern = concern_services.concern_submit(
        actor=staff, concern=draft(staff, [world.pupil], categories)
    )
    concern_services.concern_restrict(actor=world.users["dsl"], concern=concern, named=[])
    url = reverse("pupil-chronology", kwargs={"pk": world.pupil.pk})
    client.force_login(world.users["deputy"])
    assert concern.reference not in client.get(url).content.decode()
    client.force_login(world.users["dsl"])
    assert concern.reference in client.get(url).content.decode()


def test_print_view_is_appendix_2(client, world: World) -> None:
    _entries(world, 2)
    entry = ChronologyEntry.objects.order_by("sequence").first()
    services.chronology_correct(actor=world.users["dsl"], entry=entry, details="The note was wrong")
    client.force_login(world.users["dsl"])
    page = client.get(
        reverse("pupil-chronology-print", kwargs={"pk": world.pupil.pk})
    ).content.decode()
    for heading in [
        "Case Record/Chronology",
        "CONFIDENTIAL",
        "Name",
        "DOB",
        "Form",
        "Sheet Number",
        "Information/Details of concerns or contact",
        "Print Name and Signature",
    ]:
        assert heading in page
    assert page.count('data-testid="print-entry"') == 3
    assert "Corrects the entry of" in page
    assert "Designated Safeguarding Lead" in page  # the printed role


def test_statuses_show_as_badges_to_cp_readers_only_and_enter_the_chronology(
    client, world: World
) -> None:
    status = services.status_add(
        actor=world.users["dsl"],
        pupil=world.pupil,
        kind="cp_plan",
        start_date=datetime.date(2026, 10, 1),
        review_date=datetime.date(2026, 12, 1),
        lead_professional="Jo Smith, social worker",
    )
    url = reverse("pupil-detail", kwargs={"pk": world.pupil.pk})
    client.force_login(world.users["head"])
    assert 'data-testid="status-badge">Child Protection plan<' in client.get(url).content.decode()
    client.force_login(world.users["staff"])
    assert "Child Protection plan" not in client.get(url).content.decode()
    services.status_end(
        actor=world.users["dsl"],
        status=status,
        end_date=datetime.date(2026, 11, 20),
        reason="Stepped down to CIN",
    )
    kinds = list(
        ChronologyEntry.objects.filter(pupil=world.pupil)
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds == [EntryKind.STATUS_STARTED, EntryKind.STATUS_ENDED]
    client.force_login(world.users["head"])
    assert "status-badge" not in client.get(url).content.decode()


def test_a_status_cannot_end_before_it_started(client, world: World) -> None:
    status = services.status_add(
        actor=world.users["dsl"],
        pupil=world.pupil,
        kind="early_help",
        start_date=datetime.date(2026, 10, 1),
    )
    client.force_login(world.users["dsl"])
    page = client.post(
        reverse("status-end", kwargs={"pk": status.pk}), {"end_date": "01/09/2026", "reason": "x"}
    ).content.decode()
    assert "The end date must be on or after the start date" in page


def test_risk_assessment_covers_its_pupils_and_each_review_is_recorded(
    client, world: World, categories
) -> None:
    from chronology.models import RiskAssessment

    staff = world.users["staff"]
    other = PupilFactory(school=world.school)
    concern = concern_services.concern_submit(
        actor=staff, concern=draft(staff, [world.pupil, other], categories)
    )
    client.force_login(world.users["dsl"])
    response = client.post(
        reverse("risk-assessment-add", kwargs={"pk": concern.pk}),
        {
            "pupils": [str(world.pupil.pk), str(other.pk)],
            "title": "Harmful sexual behaviour: classroom and break times",
            "risks": "Contact in class and at breaks",
            "measures": "Separate seating; supervised breaks",
            "pupil_contributed": "on",
            "review_date": (timezone.localdate() + datetime.timedelta(days=7)).strftime("%d/%m/%Y"),
        },
    )
    assessment = RiskAssessment.objects.get()
    assert response["Location"] == reverse("risk-assessment-detail", kwargs={"pk": assessment.pk})
    assert {c.pupil_id for c in assessment.covered.all()} == {world.pupil.pk, other.pk}
    url = reverse("risk-assessment-detail", kwargs={"pk": assessment.pk})
    page = client.post(
        url,
        {
            "reviewed_on": timezone.localdate().strftime("%d/%m/%Y"),
            "notes": "Working",
            "outcome": "continue",
        },
    ).content.decode()
    assert "Enter the next review date" in page
    client.post(
        url,
        {
            "reviewed_on": timezone.localdate().strftime("%d/%m/%Y"),
            "notes": "No contact since",
            "outcome": "close",
        },
    )
    assessment.refresh_from_db()
    assert assessment.closed_at is not None
    kinds = set(ChronologyEntry.objects.filter(pupil=other).values_list("kind", flat=True))
    assert {EntryKind.RISK_ASSESSMENT, EntryKind.RISK_REVIEW} <= kinds


def test_a_restricted_concerns_risk_assessment_and_entries_stay_hidden(
    client, world: World, categories
) -> None:
    staff = world.users["staff"]
    concern = concern_services.concern_submit(
        actor=staff, concern=draft(staff, [world.pupil], categories)
    )
    concern_services.concern_restrict(
        actor=world.users["dsl"], concern=concern, named=[world.users["head"]]
    )
    assessment = services.risk_assessment_create(
        actor=world.users["dsl"],
        school=world.school,
        concern=concern,
        pupils=[world.pupil],
        title="Hidden plan",
        risks="r",
        measures="m",
        review_date=timezone.localdate(),
    )
    entry = ChronologyEntry.objects.get(source_id=str(concern.pk))
    client.force_login(world.users["deputy"])  # reads CP records, not named on this concern
    assert (
        client.get(reverse("risk-assessment-detail", kwargs={"pk": assessment.pk})).status_code
        == 404
    )
    assert (
        client.post(
            reverse("risk-assessment-detail", kwargs={"pk": assessment.pk}), {"outcome": "close"}
        ).status_code
        == 404
    )
    assert client.get(reverse("chronology-correct", kwargs={"pk": entry.pk})).status_code == 404
    assert (
        "Hidden plan"
        not in client.get(
            reverse("pupil-safeguarding", kwargs={"pk": world.pupil.pk})
        ).content.decode()
    )
    client.force_login(world.users["head"])  # named
    assert (
        client.get(reverse("risk-assessment-detail", kwargs={"pk": assessment.pk})).status_code
        == 200
    )


def test_pages_showing_an_entry_or_status_are_logged(client, world: World) -> None:
    _entries(world, 1)
    entry = ChronologyEntry.objects.get()
    status = services.status_add(
        actor=world.users["dsl"],
        pupil=world.pupil,
        kind="young_carer",
        start_date=timezone.localdate(),
    )
    client.force_login(world.users["dsl"])
    client.get(reverse("chronology-correct", kwargs={"pk": entry.pk}))
    client.get(reverse("status-end", kwargs={"pk": status.pk}))
    assert set(AccessLog.objects.values_list("what", flat=True)) == {"chronology_entry", "status"}


def test_a_status_cannot_start_in_the_future(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.status_add(
            actor=world.users["dsl"],
            pupil=world.pupil,
            kind="cp_plan",
            start_date=timezone.localdate() + datetime.timedelta(days=30),
        )


def test_access_log_query_count_does_not_grow_with_rows(client, world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users["dsl"])
    url = reverse("pupil-access-log", kwargs={"pk": world.pupil.pk})
    chronology = reverse("pupil-chronology", kwargs={"pk": world.pupil.pk})
    client.get(chronology)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(30):
        client.get(chronology)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert 0 < len(many.captured_queries) == len(few.captured_queries) <= 20
    assert page.count('<tr class="govuk-table__row"><td') >= 31
