"""Allegation services: the LADO deadline, bad input, the append-only history, staff reports."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from allegations import services
from allegations.models import Allegation, AllegationStep, LowLevelConcern, StepKind
from chronology.models import ChronologyEntry
from contacts.models import SchoolKeyContact
from safeguard.models import Notification
from safeguard.workdays import LONDON
from tests.allegations.conftest import allegation, low_level
from tests.support.factories import member
from tests.support.world import World


def _london(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("reported", "due"),
    [
        # Tuesday morning: by the end of Wednesday.
        (_london(2026, 11, 17, 9, 30), datetime.date(2026, 11, 18)),
        # Friday afternoon: across the weekend, by the end of Monday.
        (_london(2026, 11, 13, 16, 0), datetime.date(2026, 11, 16)),
        # Saturday: the next working day after Saturday is Monday.
        (_london(2026, 11, 14, 11, 0), datetime.date(2026, 11, 16)),
        # Friday before the spring bank holiday (Monday 25 May 2026): by the end of Tuesday.
        (_london(2026, 5, 22, 15, 0), datetime.date(2026, 5, 26)),
        # Christmas Eve: Christmas Day and the Boxing Day substitute (Monday 28th) are not
        # working days, nor the weekend between: by the end of Tuesday 29 December.
        (_london(2026, 12, 24, 10, 0), datetime.date(2026, 12, 29)),
    ],
)
def test_lado_is_due_within_one_working_day_across_weekends_and_bank_holidays(
    world: World, reported: datetime.datetime, due: datetime.date
) -> None:
    with time_machine.travel(datetime.datetime(2027, 1, 4, 12, tzinfo=LONDON), tick=False):
        a = allegation(world.users["head"], world.school, reported_at=reported)
    assert timezone.localtime(a.lado_due_at).date() == due
    assert timezone.localtime(a.lado_due_at).time() == datetime.time.max


def test_overdue_only_while_open_and_the_lado_not_told(world: World) -> None:
    head = world.users["head"]
    with time_machine.travel(_london(2026, 11, 13, 16, 0), tick=False):
        a = allegation(head, world.school, reported_at=_london(2026, 11, 13, 15, 0))
        assert not a.lado_overdue()
    with time_machine.travel(_london(2026, 11, 16, 23, 0), tick=False):
        assert not a.lado_overdue()  # Monday evening: still in time
    with time_machine.travel(_london(2026, 11, 17, 0, 1), tick=False):
        assert a.lado_overdue()
        a = services.allegation_lado_contact(
            actor=head, allegation=a, contacted_at=_london(2026, 11, 17, 0, 0), officer="Kim Lado"
        )
        assert not a.lado_overdue()
        step = a.steps.get(kind=StepKind.LADO_CONTACTED)
        assert "after the one-working-day deadline" in step.details


def test_recording_writes_the_first_step_and_never_the_chronology(world: World) -> None:
    a = allegation(world.users["head"], world.school, pupils=[world.pupil], pupils_involved="A.A.")
    assert list(a.steps.values_list("kind", flat=True)) == [StepKind.RECORDED]
    assert list(a.pupils.values_list("pupil_id", flat=True)) == [world.pupil.pk]
    assert not ChronologyEntry.objects.filter(pupil=world.pupil).exists()


def test_only_the_head_and_tso_record(world: World) -> None:
    for role in ["dsl", "deputy", "staff", "admin", "governor", "other_dsl"]:
        with pytest.raises(PermissionDenied):
            allegation(world.users[role], world.school)
    allegation(world.users["tso"], world.school)


def test_the_head_cannot_record_or_handle_an_allegation_about_the_headteacher(
    world: World,
) -> None:
    with pytest.raises(PermissionDenied):
        allegation(world.users["head"], world.school, subject_type="headteacher")
    a = allegation(world.users["tso"], world.school, subject_type="headteacher")
    with pytest.raises(PermissionDenied):
        services.allegation_step_add(
            actor=world.users["head"], allegation=a, occurred_at=timezone.now(), details="x"
        )
    with pytest.raises(ValidationError):  # nobody with the head role can be named on it
        services.allegation_name_person(
            actor=world.users["tso"], allegation=a, user=world.users["head"]
        )


def test_a_pupil_of_another_school_cannot_be_linked(world: World) -> None:
    with pytest.raises(PermissionDenied):
        allegation(world.users["head"], world.school, pupils=[world.other_pupil])


def test_lado_contact_before_the_report_is_refused_with_the_field(world: World) -> None:
    a = allegation(world.users["head"], world.school)
    with pytest.raises(ValidationError) as error:
        services.allegation_lado_contact(
            actor=world.users["head"],
            allegation=a,
            contacted_at=a.reported_at - datetime.timedelta(minutes=1),
            officer="Kim Lado",
        )
    assert "on or after the time it was reported" in error.value.message_dict["contacted_at"][0]
    assert not AllegationStep.objects.filter(kind=StepKind.LADO_CONTACTED).exists()


def test_a_step_before_the_report_is_refused_with_the_field(world: World) -> None:
    a = allegation(world.users["head"], world.school)
    with pytest.raises(ValidationError) as error:
        services.allegation_step_add(
            actor=world.users["head"],
            allegation=a,
            occurred_at=a.reported_at - datetime.timedelta(minutes=1),
            details="Advice from HR",
        )
    assert "on or after the time it was reported" in error.value.message_dict["occurred_at"][0]
    assert not AllegationStep.objects.filter(kind=StepKind.NOTE).exists()
    step = services.allegation_step_add(
        actor=world.users["head"], allegation=a, occurred_at=a.reported_at, details="Advice"
    )
    assert step.kind == StepKind.NOTE


def test_outcome_before_the_report_or_without_notes_is_refused(world: World) -> None:
    head = world.users["head"]
    a = allegation(head, world.school)
    reported_on = timezone.localtime(a.reported_at).date()
    with pytest.raises(ValidationError) as error:
        services.allegation_outcome(
            actor=head,
            allegation=a,
            outcome="unfounded",
            outcome_date=reported_on - datetime.timedelta(days=1),
            notes="No evidence.",
        )
    assert "outcome_date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.allegation_outcome(
            actor=head,
            allegation=a,
            outcome="unfounded",
            outcome_date=reported_on,
            notes="  ",
        )
    assert error.value.message_dict["notes"] == ["Enter notes on the outcome"]
    a.refresh_from_db()
    assert a.is_open


def test_the_outcome_closes_it_for_good(world: World) -> None:
    head = world.users["head"]
    a = allegation(head, world.school)
    a = services.allegation_outcome(
        actor=head,
        allegation=a,
        outcome="unfounded",
        outcome_date=timezone.localdate(),
        notes="The LADO agreed there was no evidence.",
    )
    assert not a.is_open
    assert a.closed_by == head
    with pytest.raises(ValidationError):
        services.allegation_police(actor=head, allegation=a, involved=True)
    # The database refuses too, whatever the code path.
    with pytest.raises(IntegrityError), transaction.atomic():
        Allegation.objects.filter(pk=a.pk).update(outcome="malicious")
    # A later step (a DBS referral, say) can still be recorded.
    services.allegation_step_add(
        actor=head, allegation=a, occurred_at=timezone.now(), details="Staff member told."
    )


def test_history_is_append_only_and_the_original_report_never_changes(world: World) -> None:
    head = world.users["head"]
    a = allegation(head, world.school)
    services.allegation_lado_contact(
        actor=head, allegation=a, contacted_at=timezone.now(), officer="Kim Lado", reference="L1"
    )
    step = a.steps.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        AllegationStep.objects.filter(pk=step.pk).update(details="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        AllegationStep.objects.filter(pk=step.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Allegation.objects.filter(pk=a.pk).update(account="rewritten")


def test_the_first_lado_contact_is_kept_and_a_further_one_is_a_step_only(world: World) -> None:
    """A further contact never overwrites the first, so the one-working-day check still reads
    from the first; and it cannot be dated before the first."""
    head = world.users["head"]
    with time_machine.travel(_london(2026, 11, 17, 12, 0), tick=False):
        a = allegation(head, world.school, reported_at=_london(2026, 11, 17, 9, 0))
    first_at = _london(2026, 11, 18, 15, 0)  # Wednesday: in time (due by the end of the 18th)
    with time_machine.travel(_london(2026, 11, 20, 12, 0), tick=False):
        services.allegation_lado_contact(
            actor=head, allegation=a, contacted_at=first_at, officer="Kim Lado", reference="L1"
        )
        services.allegation_lado_contact(
            actor=head,
            allegation=a,
            contacted_at=_london(2026, 11, 20, 10, 0),  # Friday: after the deadline
            officer="Lee Lado",
            reference="L2",
            advice="Now involve the police.",
        )
        with pytest.raises(ValidationError) as error:
            services.allegation_lado_contact(
                actor=head,
                allegation=a,
                contacted_at=_london(2026, 11, 18, 14, 59),  # before the first contact
                officer="Early Lado",
            )
    assert "on or after the first one" in error.value.message_dict["contacted_at"][0]
    a.refresh_from_db()
    assert (a.lado_contacted_at, a.lado_officer, a.lado_reference, a.lado_advice) == (
        first_at,
        "Kim Lado",
        "L1",
        "",
    )
    assert a.lado_in_time is True
    details = list(a.steps.filter(kind=StepKind.LADO_CONTACTED).values_list("details", flat=True))
    assert len(details) == 2
    assert details[0].startswith("LADO first contacted on 18/11/2026 15:00 (within one working")
    assert "Kim Lado" in details[0]
    assert details[1].startswith("Further LADO contact on 20/11/2026 10:00.")
    assert "Lee Lado" in details[1]
    assert "Reference: L2" in details[1]
    assert "Now involve the police." in details[1]
    assert "deadline" not in details[1]
    # The database refuses to rewrite the first contact, whatever the code path.
    for change in [
        {"lado_contacted_at": _london(2026, 11, 20, 10, 0)},
        {"lado_officer": "Lee Lado"},
        {"lado_reference": "L2"},
        {"lado_advice": "rewritten"},
        {"lado_contacted_at": None},
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Allegation.objects.filter(pk=a.pk).update(**change)


def test_a_late_first_contact_stays_late_after_a_further_contact(world: World) -> None:
    head = world.users["head"]
    with time_machine.travel(_london(2026, 11, 20, 12, 0), tick=False):
        a = allegation(head, world.school, reported_at=_london(2026, 11, 17, 9, 0))
        services.allegation_lado_contact(
            actor=head, allegation=a, contacted_at=_london(2026, 11, 19, 9, 0), officer="Kim"
        )
        services.allegation_lado_contact(
            actor=head, allegation=a, contacted_at=_london(2026, 11, 20, 9, 0), officer="Lee"
        )
    a.refresh_from_db()
    assert a.lado_contacted_at == _london(2026, 11, 19, 9, 0)
    assert a.lado_in_time is False
    first = a.steps.filter(kind=StepKind.LADO_CONTACTED).first()
    assert "(after the one-working-day deadline)" in first.details


@pytest.mark.parametrize(
    ("outcome", "referred"),
    [
        ("substantiated", True),
        ("unsubstantiated", False),
        ("unfounded", False),
        ("false", False),
        ("malicious", False),
    ],
)
def test_references_follow_the_outcome(world: World, outcome: str, referred: bool) -> None:
    """KCSIE Part 4: substantiated allegations are referred to in references; false,
    unfounded, unsubstantiated and malicious ones never are."""
    head = world.users["head"]
    a = services.allegation_outcome(
        actor=head,
        allegation=allegation(head, world.school),
        outcome=outcome,
        outcome_date=timezone.localdate(),
        notes="Concluded.",
    )
    a.refresh_from_db()
    assert a.refer_in_references is referred
    step = a.steps.get(kind=StepKind.OUTCOME)
    assert f"{'To be' if referred else 'Not to be'} referred to in references" in step.details


def test_the_database_keeps_references_tied_to_the_outcome(world: World) -> None:
    a = allegation(world.users["head"], world.school)
    for outcome, referred in [
        ("unfounded", True),
        ("malicious", True),
        ("substantiated", False),
        ("", True),
        ("", False),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Allegation.objects.filter(pk=a.pk).update(outcome=outcome, refer_in_references=referred)
    with transaction.atomic():  # consistent pairs are accepted (on an open record)
        Allegation.objects.filter(pk=a.pk).update(outcome="false", refer_in_references=False)
        Allegation.objects.filter(pk=a.pk).update(outcome="substantiated", refer_in_references=True)


def test_naming_and_unnaming_are_steps_and_notify_without_names(world: World) -> None:
    head, deputy = world.users["head"], world.users["deputy"]
    a = allegation(head, world.school)
    named = services.allegation_name_person(
        actor=head, allegation=a, user=deputy, capacity="Deputy Headteacher"
    )
    note = Notification.objects.get(recipient=deputy)
    assert a.subject_name not in note.title
    assert world.school.name in note.title
    services.allegation_unname_person(actor=head, allegation=a, named=named)
    kinds = list(a.steps.values_list("kind", flat=True))
    assert kinds == [StepKind.RECORDED, StepKind.PERSON_NAMED, StepKind.PERSON_REMOVED]
    with pytest.raises(ValidationError):  # someone from another school
        services.allegation_name_person(actor=head, allegation=a, user=world.users["other_dsl"])


def test_staff_report_goes_to_the_head_and_tso_without_names(world: World) -> None:
    staff = world.users["staff"]
    record = services.concern_about_adult_report(
        actor=staff,
        school=world.school,
        level="allegation",
        subject_name="Morgan Example",
        subject_type="supply",
        account="I saw them slap a pupil on the back of the head.",
    )
    assert isinstance(record, Allegation)
    assert (record.reported_by_name, record.created_by) == (staff.full_name, staff)
    assert record.steps.get().kind == StepKind.REPORTED
    notes = Notification.objects.filter(kind="allegation_reported")
    assert {n.recipient for n in notes} == {world.users["head"], world.users["tso"]}
    for n in notes:
        assert n.urgent
        assert "Morgan" not in n.title
        assert staff.full_name not in n.title
        assert n.link == f"/allegations/{record.pk}/"


def test_staff_report_about_the_head_goes_to_the_tso_and_the_chosen_governor(
    world: World,
) -> None:
    governor = world.users["governor"]
    record = services.concern_about_adult_report(
        actor=world.users["deputy"],
        school=world.school,
        level="allegation",
        subject_name="The Head",
        subject_type="headteacher",
        account="Shouted at and grabbed a pupil.",
        governor=governor,
    )
    recipients = set(Notification.objects.values_list("recipient__email", flat=True))
    assert recipients == {world.users["tso"].email, governor.email}
    # Named as what their account says, not as a chair they may not be.
    assert list(record.named_people.values_list("user", "capacity")) == [
        (governor.pk, "Teacher, chosen by the person who reported it")
    ]


def test_a_governor_account_of_the_named_chair_is_named_as_chair(world: World) -> None:
    governor = world.users["governor"]
    SchoolKeyContact.objects.create(
        school=world.school,
        role="chair_of_governors",
        name=governor.full_name,
        email=governor.email.upper(),
    )
    record = services.concern_about_adult_report(
        actor=world.users["staff"],
        school=world.school,
        level="allegation",
        subject_name="The Head",
        subject_type="headteacher",
        account="Shouted at and grabbed a pupil.",
        governor=governor,
    )
    assert record.named_people.get().capacity == "Chair of Governors"


def test_a_low_level_report_is_kept_apart(world: World) -> None:
    record = services.concern_about_adult_report(
        actor=world.users["staff"],
        school=world.school,
        level="low_level",
        subject_name="Morgan Example",
        subject_type="staff",
        account="Swore in front of pupils.",
    )
    assert isinstance(record, LowLevelConcern)
    assert not Allegation.objects.exists()
    assert record.subject_key == "morgan example"
    assert not Notification.objects.filter(urgent=True).exists()


def test_only_school_staff_report_and_a_governor_only_for_an_allegation_about_the_head(
    world: World,
) -> None:
    values = {"subject_name": "X", "account": "Y"}
    with pytest.raises(PermissionDenied):
        services.concern_about_adult_report(
            actor=world.users["other_dsl"],
            school=world.school,
            level="allegation",
            subject_type="staff",
            **values,
        )
    with pytest.raises(ValidationError) as error:
        services.concern_about_adult_report(
            actor=world.users["staff"],
            school=world.school,
            level="allegation",
            subject_type="staff",
            governor=world.users["governor"],
            **values,
        )
    assert "only when it is about the headteacher" in error.value.message_dict["governor"][0]
    with pytest.raises(ValidationError) as error:  # someone who is not a governor
        services.concern_about_adult_report(
            actor=world.users["staff"],
            school=world.school,
            level="allegation",
            subject_type="headteacher",
            governor=world.users["deputy"],
            **values,
        )
    assert "governor" in error.value.message_dict
    # A low-level concern has no named people: the governor would never see it, so say so.
    with pytest.raises(ValidationError) as error:
        services.concern_about_adult_report(
            actor=world.users["staff"],
            school=world.school,
            level="low_level",
            subject_type="headteacher",
            governor=world.users["governor"],
            **values,
        )
    message = error.value.message_dict["governor"][0]
    assert "trust safeguarding officer only" in message
    assert "tell the Chair of Governors directly" in message
    assert not Allegation.objects.exists()
    assert not LowLevelConcern.objects.exists()
    assert not Notification.objects.exists()


def test_low_level_response_once_and_escalation_links_both_ways(world: World) -> None:
    head = world.users["head"]
    concern = low_level(head, world.school)
    services.low_level_respond(actor=head, concern=concern, response="Spoke to them.")
    with pytest.raises(ValidationError):
        services.low_level_respond(actor=head, concern=concern, response="Again.")
    with pytest.raises(PermissionDenied):
        services.low_level_respond(actor=world.users["dsl"], concern=concern, response="x")
    a = allegation(head, world.school, low_level=concern)
    concern.refresh_from_db()
    assert concern.escalated_to == a
    assert a.source == "low_level"
    assert "Escalated from a low-level concern" in a.steps.get().details
    with pytest.raises(ValidationError):
        allegation(head, world.school, low_level=concern)
    with pytest.raises(IntegrityError), transaction.atomic():
        LowLevelConcern.objects.filter(pk=concern.pk).update(response="rewritten")


def test_low_level_report_must_not_precede_what_happened(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        services.low_level_record(
            actor=world.users["head"],
            school=world.school,
            subject_name="A",
            subject_type="staff",
            observed="B",
            observed_at=timezone.now() - datetime.timedelta(hours=1),
            reported_by_name="C",
            reported_at=timezone.now() - datetime.timedelta(hours=2),
        )
    assert "reported_at" in error.value.message_dict


def test_another_schools_head_cannot_act(world: World) -> None:
    a = allegation(world.users["head"], world.school)
    other_head = member(world.other_school, "head", email="head@beta.example")
    with pytest.raises(PermissionDenied):
        services.allegation_step_add(
            actor=other_head, allegation=a, occurred_at=timezone.now(), details="x"
        )


def test_a_report_nobody_could_read_is_refused_with_what_to_do(world: World) -> None:
    """A trust with no TSO: the reporter is told what to do instead, nothing is filed, and the
    advice is always something the form accepts."""
    from tests.support.factories import SchoolFactory, TrustFactory

    school = SchoolFactory(trust=TrustFactory(slug="lonely-trust"), slug="lonely")
    staff = member(school, "staff", email="staff@lonely.example")
    values = {"subject_name": "X", "account": "Y"}

    def refused(**kwargs: object) -> dict[str, list[str]]:
        with pytest.raises(ValidationError) as error:
            services.concern_about_adult_report(actor=staff, school=school, **values, **kwargs)
        return error.value.message_dict

    # No headteacher account either: not about the head, call the LADO.
    assert "call the LADO" in refused(level="allegation", subject_type="staff")["subject_type"][0]
    # About the head, no governor account: tell the chair the key roles name, or call the LADO.
    message = refused(level="allegation", subject_type="headteacher")["subject_type"][0]
    assert "tell the Chair of Governors directly" in message
    SchoolKeyContact.objects.create(
        school=school,
        role="chair_of_governors",
        name="Margaret Hollis",
        phone="01632 960123",
        email="chair@lonely.example",
    )
    message = refused(level="allegation", subject_type="headteacher")["subject_type"][0]
    assert "Margaret Hollis, 01632 960123, chair@lonely.example" in message
    assert "choose" not in message  # there is nobody to choose
    governor = member(school, "governor", email="governor@lonely.example")
    # An allegation: choose a governor (the form now offers one), or tell the chair directly.
    message = refused(level="allegation", subject_type="headteacher")["governor"][0]
    assert "choose a governor" in message
    assert "Margaret Hollis" in message
    # A low-level concern: nobody could receive it, and no choice would change that, so the
    # advice is to tell the chair directly, never to choose someone.
    errors = refused(level="low_level", subject_type="headteacher")
    assert list(errors) == ["level"]
    assert "tell the Chair of Governors (Margaret Hollis" in errors["level"][0]
    assert "choose" not in errors["level"][0]
    assert (
        "trust safeguarding officer only"
        in refused(level="low_level", subject_type="headteacher", governor=governor)["governor"][0]
    )
    assert not Allegation.objects.exists()
    assert not LowLevelConcern.objects.exists()
    record = services.concern_about_adult_report(
        actor=staff,
        school=school,
        level="allegation",
        subject_type="headteacher",
        governor=governor,
        **values,
    )
    assert Notification.objects.get().recipient == governor
    assert record.named_people.get().user == governor


def test_steps_read_in_the_order_they_happened_whenever_they_were_entered(world: World) -> None:
    """An allegation entered after its LADO call: the report still comes first."""
    head = world.users["head"]
    now = timezone.now()
    a = allegation(head, world.school, reported_at=now - datetime.timedelta(hours=3))
    services.allegation_step_add(
        actor=head,
        allegation=a,
        occurred_at=now - datetime.timedelta(hours=1),
        details="Spoke to HR.",
    )
    services.allegation_lado_contact(
        actor=head, allegation=a, contacted_at=now - datetime.timedelta(hours=2), officer="Kim"
    )
    services.allegation_police(
        actor=head, allegation=a, involved=False, occurred_at=now - datetime.timedelta(minutes=90)
    )
    with pytest.raises(ValidationError):
        services.allegation_police(
            actor=head, allegation=a, involved=False, occurred_at=now - datetime.timedelta(hours=4)
        )
    kinds = [s.kind for s in Allegation.objects.get(pk=a.pk).steps.all()]
    assert kinds == [StepKind.RECORDED, StepKind.LADO_CONTACTED, StepKind.POLICE, StepKind.NOTE]
