"""Who reads an allegation (issue 16, "Disclosure"; docs/adr/0032): a governor named on one reads
its adult-facing parts and never a child's name; the adult it is about never reads it, is never
told of it and is never reminded of it, whatever their role (the trust safeguarding officer, the
headteacher, the DSL), and a report about someone who would handle it goes to someone else."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from allegations import selectors, services
from allegations.models import Allegation, LowLevelConcern
from safeguard.models import Notification
from tests.allegations.conftest import allegation
from tests.support.world import World

ALLEGATION_PAGES = [
    "allegation-detail",
    "allegation-lado",
    "allegation-police",
    "allegation-step",
    "allegation-outcome",
    "allegation-named",
]


@pytest.fixture
def with_pupils(world: World) -> Allegation:
    """An allegation linking the world's pupil and naming pupils in words, a governor named."""
    head = world.users["head"]
    a = allegation(
        head,
        world.school,
        subject_name="Quentin Zebedee",
        pupils=[world.pupil],
        pupils_involved="Bethany Pupilname and her brother",
    )
    services.allegation_name_person(
        actor=head, allegation=a, user=world.users["governor"], capacity="Chair of Governors"
    )
    return a


def test_a_governor_named_on_an_allegation_reads_no_childs_name(
    client, world: World, with_pupils: Allegation
) -> None:
    names = ["Bethany", "Pupilname", world.pupil.legal_first_name, world.pupil.legal_last_name]
    client.force_login(world.users["governor"])
    for name in ALLEGATION_PAGES:
        response = client.get(reverse(name, kwargs={"pk": with_pupils.pk}))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert "Quentin Zebedee" in body, name  # the adult-facing parts are there
        assert [n for n in names if n in body] == [], name
    detail = client.get(reverse("allegation-detail", kwargs={"pk": with_pupils.pk}))
    pupils = detail.content.decode().split('data-testid="allegation-pupils">')[1].split("</dd>")[0]
    assert "Not shown to governors" in pupils
    # The headteacher handling it reads the pupils' names.
    client.force_login(world.users["head"])
    body = client.get(reverse("allegation-detail", kwargs={"pk": with_pupils.pk})).content.decode()
    assert all(n in body for n in names)


def test_the_pupils_involved_are_for_who_sees_pupils(world: World, with_pupils: Allegation) -> None:
    shown = selectors.allegation_pupils_for(actor=world.users["head"], allegation=with_pupils)
    assert shown.visible
    assert shown.words == "Bethany Pupilname and her brother"
    assert [p.pk for p in shown.pupils] == [world.pupil.pk]
    hidden = selectors.allegation_pupils_for(actor=world.users["governor"], allegation=with_pupils)
    assert not hidden.visible
    assert (hidden.words, hidden.pupils) == ("", [])


def _report(client, world: World, role: str, subject: str, **values: str):
    client.force_login(world.users[role])
    return client.post(
        reverse("allegation-report"),
        {
            "subject_name": "Tina Officer",
            "subject_type": "staff",
            "subject_user": str(world.users[subject].pk),
            "level": "allegation",
            "account": "Shouted at a pupil and grabbed his arm.",
            **values,
        },
    )


def test_a_report_about_the_trust_safeguarding_officer_goes_to_the_headteacher_only(
    client, world: World
) -> None:
    client.force_login(world.users["staff"])
    page = client.get(reverse("allegation-report")).content.decode()
    assert f'value="{world.users["tso"].pk}"' in page  # their account can be chosen
    response = _report(client, world, "staff", "tso")
    assert response.status_code == 302
    record = Allegation.objects.get()
    assert record.subject_user == world.users["tso"]
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {world.users["head"].pk}
    sent = client.get(response.url).content.decode()
    route = sent.split('data-testid="report-sent-route">')[1].split("</p>")[0]
    assert "It has gone to the headteacher." in route
    assert "trust safeguarding officer" not in route
    client.force_login(world.users["tso"])
    assert client.get(reverse("allegation-detail", kwargs={"pk": record.pk})).status_code == 404
    assert not Allegation.objects.filter(selectors.allegation_visible_q(world.users["tso"]))


@pytest.mark.parametrize("subject", ["tso", "head", "dsl", "deputy"])
def test_the_adult_it_is_about_is_never_told_and_never_reads_it(
    client, world: World, subject: str
) -> None:
    for level in ("allegation", "low_level"):
        assert _report(client, world, "staff", subject, level=level).status_code == 302
    person = world.users[subject]
    assert not Notification.objects.filter(recipient=person).exists()
    assert Notification.objects.exists()  # someone else was told
    assert not Allegation.objects.filter(selectors.allegation_visible_q(person)).exists()
    assert not LowLevelConcern.objects.filter(selectors.low_level_visible_q(person)).exists()
    record = Allegation.objects.get()
    assert person not in selectors.nameable_people_for(allegation=record)


def test_a_report_about_its_only_handler_with_nobody_else_is_refused(client, world: World) -> None:
    from schools.models import SchoolMembership

    SchoolMembership.objects.filter(user=world.users["head"]).delete()
    response = _report(client, world, "staff", "tso")
    assert response.status_code == 200
    assert "Nobody here can receive this yet" in response.content.decode()
    assert not Allegation.objects.exists()


def test_the_head_records_an_allegation_about_the_trust_safeguarding_officer(
    client, world: World
) -> None:
    from reminders.services import People, lado_overdue

    head, tso = world.users["head"], world.users["tso"]
    client.force_login(head)
    page = client.get(reverse("allegation-new")).content.decode()
    assert f'value="{tso.pk}"' in page.split('name="subject_user"')[1].split("</select>")[0]
    record = allegation(
        head,
        world.school,
        subject_user=tso,
        reported_at=timezone.now() - datetime.timedelta(days=5),
    )
    client.force_login(tso)
    assert client.get(reverse("allegation-detail", kwargs={"pk": record.pk})).status_code == 404
    (due,) = [d for d in lado_overdue(timezone.now(), People()) if str(record.pk) in d.key]
    assert due.recipient_ids == {head.pk}
    low = services.low_level_record(
        actor=head,
        school=world.school,
        subject_name="Tina Officer",
        subject_type="staff",
        subject_user=tso,
        observed="Sent a pupil a private message.",
        observed_at=timezone.now() - datetime.timedelta(days=1),
        reported_by_name="A colleague",
    )
    client.force_login(tso)
    assert client.get(reverse("low-level-concern-detail", kwargs={"pk": low.pk})).status_code == 404


def test_the_subject_cannot_also_be_the_governor_it_is_sent_to(client, world: World) -> None:
    response = _report(
        client,
        world,
        "staff",
        "governor",
        subject_type="headteacher",
        governor=str(world.users["governor"].pk),
    )
    assert response.status_code == 200
    assert "The adult it is about cannot be sent it" in response.content.decode()
    assert not Allegation.objects.exists()
