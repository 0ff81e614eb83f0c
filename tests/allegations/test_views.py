"""Allegation pages: hidden from everyone but the handlers, no trace on pupil pages, bad input
explained next to the field with nothing typed lost, the staff report and its confirmation."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from allegations import selectors, services
from allegations.models import Allegation, AllegationStep, LowLevelConcern, StepKind
from audit.models import AccessLog
from chronology.models import ChronologyEntry
from contacts.models import SchoolKeyContact
from tests.allegations.conftest import allegation, low_level
from tests.support.world import World

RECORD_ROUTES = [
    "allegation-detail",
    "allegation-lado",
    "allegation-police",
    "allegation-step",
    "allegation-outcome",
    "allegation-named",
]
PAGE_ROUTES = [
    "allegation-list",
    "allegation-new",
    "low-level-concern-list",
    "low-level-concern-new",
]
NOT_HANDLERS = ["dsl", "deputy", "staff", "admin", "governor"]
PUPIL_PAGES = ["pupil-detail", "pupil-safeguarding", "pupil-chronology", "pupil-chronology-print"]


@pytest.fixture
def linked(world: World) -> Allegation:
    """An allegation involving the world's pupil, with the LADO told and a step recorded."""
    head = world.users["head"]
    a = allegation(
        head,
        world.school,
        subject_name="Quentin Zebedee",
        pupils=[world.pupil],
        pupils_involved="Aaliyah",
    )
    services.allegation_lado_contact(
        actor=head, allegation=a, contacted_at=timezone.now(), officer="Kim Lado", reference="LX9"
    )
    return a


@pytest.mark.parametrize("role", NOT_HANDLERS)
def test_dsl_deputy_staff_get_404_on_every_allegation_route(
    client,
    world: World,
    linked: Allegation,
    role: str,
) -> None:
    concern = low_level(world.users["head"], world.school)
    client.force_login(world.users[role])
    for name in RECORD_ROUTES:
        url = reverse(name, kwargs={"pk": linked.pk})
        assert client.get(url).status_code == 404, name
        if name != "allegation-detail":  # the detail page answers GET only
            assert client.post(url, {"details": "x", "remove": "x"}).status_code == 404, name
    url = reverse("low-level-concern-detail", kwargs={"pk": concern.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"response": "x"}).status_code == 404
    for name in PAGE_ROUTES:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("allegation-new") + f"?low_level={concern.pk}").status_code == 403
    assert linked.steps.count() == 2  # nothing was added by any of those posts
    concern.refresh_from_db()
    assert concern.response == ""


# What each role gets on the pupil's pages: a trace can only be looked for where the page opens.
PUPIL_PAGE_STATUS = {
    "dsl": dict.fromkeys(PUPIL_PAGES, 200),
    "deputy": dict.fromkeys(PUPIL_PAGES, 200),
    "staff": {**dict.fromkeys(PUPIL_PAGES, 404), "pupil-detail": 200},
}


@pytest.mark.parametrize("role", list(PUPIL_PAGE_STATUS))
def test_no_trace_on_the_pupil_pages(
    client,
    world: World,
    linked: Allegation,
    role: str,
) -> None:
    """Nothing of the allegation shows on the pages of the pupil it involves."""
    client.force_login(world.users[role])
    assert not ChronologyEntry.objects.filter(pupil=world.pupil).exists()
    opened = 0
    for name in PUPIL_PAGES:
        response = client.get(reverse(name, kwargs={"pk": world.pupil.pk}))
        assert response.status_code == PUPIL_PAGE_STATUS[role][name], name
        if response.status_code != 200:
            continue
        opened += 1
        body = response.content.decode()
        assert world.pupil.legal_last_name in body  # the pupil's own page, not an error page
        for trace in ["Quentin", "Zebedee", "LX9", "Kim Lado", "llegation", str(linked.pk)]:
            assert trace not in body, (name, trace)
    assert opened >= 1
    home = client.get(reverse("home")).content.decode()
    assert reverse("allegation-list") not in home


def test_the_head_sees_the_list_detail_and_the_read_is_logged_without_a_pupil(
    client,
    world: World,
    linked: Allegation,
) -> None:
    client.force_login(world.users["head"])
    listing = client.get(reverse("allegation-list")).content.decode()
    assert "Quentin Zebedee" in listing
    assert "LADO contacted" in listing
    assert 'href="/allegations/"' in client.get(reverse("home")).content.decode()
    page = client.get(reverse("allegation-detail", kwargs={"pk": linked.pk})).content.decode()
    assert "Aaliyah Alphason" in page
    assert "03330 139 797" not in page  # the LADO number is shown only until the LADO is told
    assert page.count('data-testid="allegation-step"') == 2
    row = AccessLog.objects.get(what="allegation")
    assert (row.pupil_id, row.record_id) == (None, str(linked.pk))
    client.force_login(world.users["dsl"])
    log = client.get(reverse("pupil-access-log", kwargs={"pk": world.pupil.pk})).content.decode()
    assert "llegation" not in log


def test_overdue_is_flagged_in_the_list_and_detail(client, world: World) -> None:
    a = allegation(
        world.users["head"],
        world.school,
        reported_at=timezone.now() - datetime.timedelta(days=10),
    )
    client.force_login(world.users["tso"])
    assert 'data-testid="lado-overdue"' in client.get(reverse("allegation-list")).content.decode()
    page = client.get(reverse("allegation-detail", kwargs={"pk": a.pk})).content.decode()
    assert 'data-testid="lado-overdue"' in page
    assert "03330 139 797" in page  # Essex LADO (003 section 11)


def test_recording_an_allegation_through_the_form(client, world: World) -> None:
    client.force_login(world.users["head"])
    response = client.post(
        reverse("allegation-new"),
        {
            "subject_name": "Pat Supply",
            "subject_role": "Supply teacher",
            "subject_type": "supply",
            "reported_by_name": "Jo Parent",
            "reported_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
            "account": "They said the supply teacher locked them in the store room.",
            "pupils": [str(world.pupil.pk)],
            "named_user": str(world.users["deputy"].pk),
            "named_capacity": "Deputy Headteacher",
        },
    )
    a = Allegation.objects.get()
    assert response.status_code == 302
    assert response.url == f"/allegations/{a.pk}/"
    assert a.named_people.get().user == world.users["deputy"]
    client.force_login(world.users["deputy"])
    assert client.get(response.url).status_code == 200
    nav = client.get(reverse("home")).content.decode()
    assert 'href="/allegations/"' in nav  # named people get the link too
    assert client.get(reverse("allegation-list")).status_code == 200


def test_naming_someone_the_service_refuses_is_told_beside_the_question(
    client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deputy left the school after the form was opened: the service's refusal about the
    person named ("user") shows beside the question that named them, and nothing is saved."""
    monkeypatch.setattr(selectors, "nameable_people_for", lambda *, allegation: [])
    client.force_login(world.users["head"])
    response = client.post(
        reverse("allegation-new"),
        {
            "subject_name": "Pat Supply",
            "subject_type": "supply",
            "reported_by_name": "Jo Parent",
            "reported_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
            "account": "Typed account",
            "named_user": str(world.users["deputy"].pk),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_named_user-error"' in page
    assert "Choose someone who works in the school or the trust" in page
    assert "Typed account" in page
    assert not Allegation.objects.exists()


def test_bad_dates_and_missing_notes_are_explained_and_nothing_typed_is_lost(
    client,
    world: World,
) -> None:
    a = allegation(world.users["head"], world.school)
    before = (a.reported_at - datetime.timedelta(days=2)).astimezone(
        timezone.get_current_timezone()
    )
    client.force_login(world.users["head"])
    response = client.post(
        reverse("allegation-lado", kwargs={"pk": a.pk}),
        {
            "contacted_at": before.strftime("%d/%m/%Y %H:%M"),
            "officer": "Kim Lado",
            "advice": "Advice typed carefully",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_contacted_at-error"' in page
    assert "on or after the time it was reported" in page
    assert "Advice typed carefully" in page
    assert 'value="Kim Lado"' in page
    response = client.post(
        reverse("allegation-outcome", kwargs={"pk": a.pk}),
        {
            "outcome": "unfounded",
            "outcome_date": before.strftime("%d/%m/%Y"),
            "notes": "",
        },
    )
    page = response.content.decode()
    assert 'id="id_notes-error"' in page
    assert "Enter notes on the outcome" in page
    assert before.strftime("%d/%m/%Y") in page
    response = client.post(
        reverse("allegation-outcome", kwargs={"pk": a.pk}),
        {
            "outcome": "unfounded",
            "outcome_date": before.strftime("%d/%m/%Y"),
            "notes": "The LADO found no evidence.",
        },
    )
    page = response.content.decode()
    assert 'id="id_outcome_date-error"' in page
    assert "must be on or after the day it was reported" in page
    assert "The LADO found no evidence." in page
    a.refresh_from_db()
    assert a.is_open
    assert a.lado_contacted_at is None
    assert not AllegationStep.objects.exclude(kind=StepKind.RECORDED).exists()


def test_a_step_dated_before_the_report_is_refused_beside_the_date(client, world: World) -> None:
    a = allegation(world.users["head"], world.school)
    before = timezone.localtime(a.reported_at - datetime.timedelta(days=1))
    client.force_login(world.users["head"])
    url = reverse("allegation-step", kwargs={"pk": a.pk})
    response = client.post(
        url,
        {"occurred_at": before.strftime("%d/%m/%Y %H:%M"), "details": "Strategy meeting held"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_occurred_at-error"' in page
    reported = timezone.localtime(a.reported_at).strftime("%d/%m/%Y %H:%M")
    assert f"The step must be on or after the time it was reported ({reported})" in page
    assert "Strategy meeting held" in page
    assert not AllegationStep.objects.filter(kind=StepKind.NOTE).exists()
    after = timezone.localtime(a.reported_at + datetime.timedelta(minutes=5))
    response = client.post(
        url, {"occurred_at": after.strftime("%d/%m/%Y %H:%M"), "details": "Strategy meeting"}
    )
    assert response.status_code == 302
    assert AllegationStep.objects.filter(kind=StepKind.NOTE).count() == 1


def test_a_missing_lado_time_names_the_lado_in_capitals(client, world: World) -> None:
    a = allegation(world.users["head"], world.school)
    client.force_login(world.users["head"])
    response = client.post(
        reverse("allegation-lado", kwargs={"pk": a.pk}), {"contacted_at": "", "officer": "Kim"}
    )
    page = response.content.decode()
    assert "Enter the date and time the LADO was contacted" in page
    assert "the lado" not in page


def test_a_pupil_of_another_school_put_into_the_page_is_refused_in_plain_words(
    client,
    world: World,
) -> None:
    client.force_login(world.users["head"])
    response = client.post(
        reverse("allegation-new"),
        {
            "subject_name": "Robin Example",
            "subject_type": "staff",
            "reported_by_name": "A parent",
            "reported_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
            "account": "Pushed a pupil.",
            "pupils": [str(world.pupil.pk), str(world.other_pupil.pk)],
            "subject_user": str(world.users["other_dsl"].pk),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_pupils-error"' in page
    assert "Choose pupils from this school" in page
    assert "Choose someone from the list" in page
    assert "not one of the available choices" not in page
    assert str(world.other_pupil.pk) not in page
    assert not Allegation.objects.exists()


def test_staff_report_then_only_a_confirmation(client, world: World) -> None:
    staff = world.users["staff"]
    client.force_login(staff)
    assert 'href="/concerns-about-adults/new/"' in client.get(reverse("home")).content.decode()
    response = client.post(
        reverse("allegation-report"),
        {
            "subject_name": "Morgan Example",
            "subject_type": "staff",
            "level": "allegation",
            "account": "I saw them drag a pupil by the arm.",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("allegation-report-sent")
    sent = client.get(response.url).content.decode()
    assert "headteacher" in sent
    assert "Morgan" not in sent
    assert "drag" not in sent
    a = Allegation.objects.get()
    assert client.get(reverse("allegation-detail", kwargs={"pk": a.pk})).status_code == 404
    assert client.get(reverse("allegation-list")).status_code == 403


def test_report_form_errors_keep_the_account(client, world: World) -> None:
    client.force_login(world.users["staff"])
    response = client.post(
        reverse("allegation-report"),
        {"subject_type": "staff", "account": "Something I must not lose"},
    )
    page = response.content.decode()
    assert "Enter the name of the adult" in page
    assert "Choose how serious it is" in page
    assert "Something I must not lose" in page
    assert not Allegation.objects.exists()
    assert not LowLevelConcern.objects.exists()


def test_low_level_pages_pattern_and_escalation(client, world: World) -> None:
    head = world.users["head"]
    first = low_level(head, world.school)
    low_level(head, world.school)
    client.force_login(head)
    listing = client.get(reverse("low-level-concern-list")).content.decode()
    assert 'data-testid="low-level-pattern"' in listing
    assert "Pattern" in listing
    page = client.get(reverse("low-level-concern-detail", kwargs={"pk": first.pk})).content.decode()
    assert 'data-testid="low-level-same-adult"' in page
    assert "Escalate to an allegation" in page
    form = client.get(reverse("allegation-new") + f"?low_level={first.pk}").content.decode()
    assert "Gave a pupil a lift home" in form
    response = client.post(
        reverse("allegation-new"),
        {
            "low_level": str(first.pk),
            "subject_name": first.subject_name,
            "subject_type": "staff",
            "reported_by_name": "Sam Colleague",
            "reported_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
            "account": first.observed,
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.escalated_to is not None
    response = client.post(
        reverse("low-level-concern-detail", kwargs={"pk": first.pk}), {"response": ""}
    )
    assert "Enter the response" in response.content.decode()


def test_list_query_count_does_not_grow(
    client,
    world: World,
    django_assert_max_num_queries,
) -> None:
    head = world.users["head"]
    allegation(head, world.school)
    client.force_login(head)
    client.get(reverse("allegation-list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("allegation-list"))
    for n in range(10):
        allegation(head, world.school, subject_name=f"Person {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("allegation-list"))
    assert response.content.decode().count('data-testid="open-allegation"') == 11


def test_the_head_is_told_who_records_one_about_the_headteacher(client, world: World) -> None:
    client.force_login(world.users["head"])
    response = client.post(
        reverse("allegation-new"),
        {
            "subject_name": "Me",
            "subject_type": "headteacher",
            "reported_by_name": "Jo Parent",
            "reported_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
            "account": "Typed account",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_subject_type-error"' in page
    assert "goes to the Chair of Governors" in page
    assert "Typed account" in page
    assert not Allegation.objects.exists()


def test_pages_render_for_the_tso(client, world: World, linked: Allegation) -> None:
    concern = low_level(world.users["head"], world.school)
    client.force_login(world.users["tso"])
    for name in [*RECORD_ROUTES]:
        assert client.get(reverse(name, kwargs={"pk": linked.pk})).status_code == 200, name
    for name in PAGE_ROUTES:
        assert client.get(reverse(name)).status_code == 200, name
    url = reverse("low-level-concern-detail", kwargs={"pk": concern.pk})
    assert client.get(url).status_code == 200


def test_a_further_lado_contact_keeps_the_first_and_says_so(client, world: World) -> None:
    head = world.users["head"]
    a = allegation(head, world.school, reported_at=timezone.now() - datetime.timedelta(hours=3))
    first_at = timezone.localtime() - datetime.timedelta(hours=2)
    services.allegation_lado_contact(
        actor=head, allegation=a, contacted_at=first_at, officer="Kim Lado", advice="First advice"
    )
    client.force_login(head)
    url = reverse("allegation-lado", kwargs={"pk": a.pk})
    form = client.get(url).content.decode()
    assert "Record a further LADO contact" in form
    assert 'data-testid="lado-further"' in form
    too_early = (first_at - datetime.timedelta(minutes=30)).strftime("%d/%m/%Y %H:%M")
    response = client.post(url, {"contacted_at": too_early, "officer": "Lee Lado"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_contacted_at-error"' in page
    assert "on or after the first one" in page
    later = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    response = client.post(
        url, {"contacted_at": later, "officer": "Lee Lado", "advice": "Second advice"}
    )
    assert response.status_code == 302
    page = client.get(reverse("allegation-detail", kwargs={"pk": a.pk})).content.decode()
    first = page.split('data-testid="lado-first-contact">')[1].split("</dd>")[0]
    assert "Kim Lado" in first
    assert "Within one working day" in first
    assert "Lee Lado" not in first
    assert "First advice" in page
    assert "Further LADO contact on" in page  # the second is a step
    assert "Second advice" in page


@pytest.mark.parametrize(
    ("outcome", "shown"),
    [
        ("substantiated", "Yes: it was substantiated"),
        ("malicious", "No: an allegation found malicious is never referred to in references"),
    ],
)
def test_the_outcome_decides_references_and_the_page_says_why(
    client,
    world: World,
    outcome: str,
    shown: str,
) -> None:
    a = allegation(world.users["head"], world.school)
    client.force_login(world.users["head"])
    url = reverse("allegation-outcome", kwargs={"pk": a.pk})
    form = client.get(url).content.decode()
    assert 'data-testid="references-rule"' in form
    assert 'name="refer_in_references"' not in form  # nobody chooses it
    response = client.post(
        url,
        {
            "outcome": outcome,
            "outcome_date": timezone.localdate().strftime("%d/%m/%Y"),
            "notes": "Concluded with the LADO.",
            "refer_in_references": "yes" if outcome != "substantiated" else "no",  # ignored
        },
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.refer_in_references is (outcome == "substantiated")
    page = client.get(reverse("allegation-detail", kwargs={"pk": a.pk})).content.decode()
    assert shown in page.split('data-testid="refer-in-references">')[1].split("</dd>")[0]


@pytest.fixture
def chair(world: World) -> SchoolKeyContact:
    """The chair of governors the key roles page names: no account here."""
    return SchoolKeyContact.objects.create(
        school=world.school,
        role="chair_of_governors",
        name="Margaret Hollis",
        phone="01632 960123",
        email="chair@alpha-governors.example",
    )


def _reveal(page: str) -> str:
    return page.split('data-testid="headteacher-route">')[1].split("</fieldset>")[0]


def test_report_about_the_head_shows_the_named_chair_only_when_it_is_about_the_head(
    client,
    world: World,
    chair: SchoolKeyContact,
) -> None:
    governor = world.users["governor"]
    client.force_login(world.users["staff"])
    page = client.get(reverse("allegation-report")).content.decode()
    # The headteacher radio, and only that one, reveals where it goes instead.
    assert page.count("data-aria-controls=") == 1
    assert 'value="headteacher" data-aria-controls="headteacher-route"' in page
    assert "govuk-radios__conditional--hidden" in page
    reveal = _reveal(page)
    assert "Margaret Hollis" in reveal
    assert 'href="tel:01632960123"' in reveal
    assert 'href="mailto:chair@alpha-governors.example"' in reveal
    assert "tell them directly" in reveal
    # The in-product choice is a governor with an account, named as what they are.
    assert 'name="governor"' in reveal
    assert "Also send it in Safeguard to a governor" in reveal
    assert f"{escape(governor.full_name)}, Teacher</option>" in reveal
    assert page.count('name="governor"') == 1
    assert "Chair of Governors (only if" not in page


def test_the_confirmation_says_where_a_report_about_the_head_went(
    client,
    world: World,
    chair: SchoolKeyContact,
) -> None:
    governor = world.users["governor"]
    client.force_login(world.users["staff"])
    values = {"subject_name": "Hannah Head", "level": "allegation", "account": "Hit a pupil."}
    response = client.post(
        reverse("allegation-report"),
        {**values, "subject_type": "headteacher", "governor": str(governor.pk)},
    )
    assert response.status_code == 302
    sent = client.get(response.url).content.decode()
    route = sent.split('data-testid="report-sent-route">')[1].split("</p>")[0]
    assert (
        f"It has gone to the trust safeguarding officer for Alpha School and to "
        f"{escape(governor.full_name)}, never to the headteacher." in route
    )
    assert "if you chose them" not in sent
    assert "Margaret Hollis" in sent
    assert 'href="tel:01632960123"' in sent
    assert "Hannah" not in sent
    assert Allegation.objects.get().named_people.get().user == governor


def test_a_governor_left_chosen_after_switching_away_from_the_head_is_ignored(
    client,
    world: World,
    chair: SchoolKeyContact,
) -> None:
    client.force_login(world.users["staff"])
    response = client.post(
        reverse("allegation-report"),
        {
            "subject_name": "Sam Staff",
            "subject_type": "staff",
            "level": "allegation",
            "account": "Hit a pupil.",
            "governor": str(world.users["governor"].pk),  # still selected in the hidden reveal
        },
    )
    assert response.status_code == 302
    sent = client.get(response.url).content.decode()
    assert "It has gone to the headteacher and the trust safeguarding officer." in sent
    assert "Margaret Hollis" not in sent
    assert not Allegation.objects.get().named_people.exists()


def test_a_low_level_report_about_the_head_with_a_governor_is_explained(
    client,
    world: World,
    chair: SchoolKeyContact,
) -> None:
    client.force_login(world.users["staff"])
    response = client.post(
        reverse("allegation-report"),
        {
            "subject_name": "Hannah Head",
            "subject_type": "headteacher",
            "level": "low_level",
            "account": "Swore at a colleague in front of pupils.",
            "governor": str(world.users["governor"].pk),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    reveal = _reveal(page)
    assert 'id="id_governor-error"' in reveal  # next to the field, inside the open reveal
    assert "trust safeguarding officer only" in reveal
    assert "govuk-radios__conditional--hidden" not in page  # chosen: shown without waiting for JS
    assert "Swore at a colleague" in page
    assert not LowLevelConcern.objects.exists()


def test_the_record_of_an_allegation_about_the_head_names_the_chair_with_contact_details(
    client,
    world: World,
    chair: SchoolKeyContact,
) -> None:
    about_head = allegation(world.users["tso"], world.school, subject_type="headteacher")
    client.force_login(world.users["tso"])
    page = client.get(reverse("allegation-detail", kwargs={"pk": about_head.pk})).content.decode()
    route = page.split('data-testid="record-head-route"')[1].split("</dd>")[0]
    assert "<strong>Margaret Hollis</strong>, Chair of Governors" in route
    assert 'href="tel:01632960123"' in route
    assert 'href="mailto:chair@alpha-governors.example"' in route
    about_staff = allegation(world.users["tso"], world.school)
    page = client.get(reverse("allegation-detail", kwargs={"pk": about_staff.pk})).content.decode()
    assert "record-head-route" not in page
    assert "Margaret Hollis" not in page


def test_name_someone_shows_the_chair_of_governors_and_marks_their_account(
    client,
    world: World,
    chair: SchoolKeyContact,
) -> None:
    a = allegation(world.users["tso"], world.school, subject_type="headteacher")
    client.force_login(world.users["tso"])
    page = client.get(reverse("allegation-named", kwargs={"pk": a.pk})).content.decode()
    route = page.split('data-testid="named-head-route"')[1].split("</div>")[0]
    assert "Margaret Hollis" in route
    assert "tell them directly" in route
    assert "(Chair of Governors)</option>" not in page  # no account is the chair's
    chair.email = world.users["governor"].email
    chair.save()
    page = client.get(reverse("allegation-named", kwargs={"pk": a.pk})).content.decode()
    governor = world.users["governor"]
    assert f"{escape(governor.full_name)}, Teacher (Chair of Governors)</option>" in page
    form = client.get(reverse("allegation-new")).content.decode()
    assert "Margaret Hollis" in _reveal(form)
    assert f"{escape(governor.full_name)}, Teacher (Chair of Governors)</option>" in form


def test_pages_say_confidential_once_and_wrap_their_tables(
    client,
    world: World,
    linked: Allegation,
) -> None:
    head = world.users["head"]
    low_level(head, world.school)
    client.force_login(head)
    for url in [
        reverse("allegation-list"),
        reverse("allegation-detail", kwargs={"pk": linked.pk}),
        reverse("low-level-concern-list"),
        reverse("allegation-new"),
    ]:
        page = client.get(url).content.decode()
        notice = page.split('data-testid="allegation-confidential">')[1].split("</div>")[0]
        assert notice.lower().count("confidential") == 1, url
        # Every table scrolls inside its own wrapper on a phone, never the page.
        wrapped = re.findall(r'<div class="app-table-wrap"[^>]*>\s*<table', page)
        assert page.count("<table") == len(wrapped), url


def test_pupils_are_ticked_not_ctrl_clicked(client, world: World) -> None:
    client.force_login(world.users["head"])
    page = client.get(reverse("allegation-new")).content.decode()
    chooser = page.split('data-testid="allegation-pupils">')[1].split("</fieldset>")[0]
    assert "<select" not in chooser
    assert f'type="checkbox" value="{world.pupil.pk}"' in chooser
    assert 'id="pupil-filter"' in chooser  # the search box that narrows the list (with JS)
    assert "js/pupil-filter.js" in page
    assert world.other_pupil.legal_last_name not in page
    # A ticked pupil stays ticked when the form comes back with an error.
    response = client.post(
        reverse("allegation-new"), {"pupils": [str(world.pupil.pk)], "account": "Kept"}
    )
    chooser = response.content.decode().split('data-testid="allegation-pupils">')[1]
    assert f'type="checkbox" value="{world.pupil.pk}" checked' in chooser
