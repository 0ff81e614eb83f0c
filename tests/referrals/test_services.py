"""Referrals: deadlines, signing, each step in the chronology, bad input, the database guards."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InternalError, connection, transaction

from chronology.ledger.services import verify_chain
from chronology.models import ChronologyEntry, EntryKind
from contacts.models import Agency
from referrals import services
from referrals.content import SIGNED_FIELDS, UPDATE_SIGNED_FIELDS
from referrals.models import Referral, ReferralStatus, ReferralUpdate
from referrals.selectors import referral_counts, referral_list_for, referrals_visible_to
from safeguard.signing import content_hash
from safeguard.workdays import LONDON
from tests.referrals.conftest import FRIDAY_4PM, agency_for, make_referral
from tests.support.world import World

pytestmark = pytest.mark.django_db
MONDAY_END = datetime.datetime(2026, 11, 16, 23, 59, 59, 999999, tzinfo=LONDON)


def test_phone_referral_has_a_same_day_follow_up_and_a_one_working_day_response(
    world: World,
) -> None:
    referral = make_referral(world.users["dsl"], world.pupil)
    assert referral.follow_up_due_at == datetime.datetime(
        2026, 11, 13, 23, 59, 59, 999999, tzinfo=LONDON
    )
    assert referral.response_due_at == MONDAY_END  # Friday 4pm: due by the end of Monday
    assert referral.follow_up_outstanding
    assert referral.status == ReferralStatus.OPEN
    values = {f: getattr(referral, f) for f in SIGNED_FIELDS}
    assert referral.content_hash == content_hash(values)
    entry = ChronologyEntry.objects.get(source_id=str(referral.pk))
    assert entry.kind == EntryKind.REFERRAL_MADE
    assert entry.source_hash == referral.content_hash
    assert entry.pupil_id == world.pupil.pk
    assert "Written follow-up due the same day" in entry.details
    assert "Children and Families Hub" in entry.details


def test_an_email_referral_needs_no_written_follow_up(world: World) -> None:
    referral = make_referral(world.users["dsl"], world.pupil, method="email")
    assert referral.follow_up_due_at is None
    assert not referral.follow_up_outstanding


def test_each_step_is_signed_and_chronicled_and_the_chain_verifies(world: World) -> None:
    dsl = world.users["dsl"]
    referral = make_referral(dsl, world.pupil)
    services.referral_record_follow_up(
        actor=dsl,
        referral=referral,
        occurred_at=FRIDAY_4PM + datetime.timedelta(minutes=40),
        sent_to="C-SPOC@southend.gov.uk",
    )
    services.referral_record_response(
        actor=dsl,
        referral=referral,
        kind="acknowledged",
        occurred_at=FRIDAY_4PM + datetime.timedelta(hours=1),
        source="Hub duty desk",
        agency_reference="CFH-12345",
    )
    services.referral_record_response(
        actor=dsl,
        referral=referral,
        kind="outcome",
        occurred_at=FRIDAY_4PM + datetime.timedelta(days=3),
        source="Team manager",
        outcome="section_47",
        notes="Strategy discussion held; section 47 enquiry started.",
    )
    referral.refresh_from_db()
    assert referral.follow_up_at is not None
    assert not referral.follow_up_outstanding
    assert referral.agency_reference == ""  # the signed original is kept
    assert referral.current_reference(list(referral.updates.all())) == "CFH-12345"
    assert referral.status == ReferralStatus.CLOSED
    assert referral.outcome == "section_47"
    kinds = list(
        ChronologyEntry.objects.filter(pupil=world.pupil, source_label__startswith="referrals.")
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        EntryKind.REFERRAL_MADE,
        EntryKind.REFERRAL_FOLLOW_UP,
        EntryKind.REFERRAL_RESPONSE,
        EntryKind.REFERRAL_RESPONSE,
    ]
    outcome_entry = ChronologyEntry.objects.filter(kind=EntryKind.REFERRAL_RESPONSE).last()
    assert outcome_entry is not None
    assert outcome_entry.significant
    assert "Strategy discussion / section 47 enquiry" in outcome_entry.details
    for update in referral.updates.all():
        values = {f: getattr(update, f) for f in UPDATE_SIGNED_FIELDS}
        assert update.content_hash == content_hash(values)
    assert verify_chain(school_id=world.school.pk).ok


def test_escalation_reopens_a_closed_referral_until_a_new_outcome(world: World) -> None:
    dsl = world.users["dsl"]
    referral = make_referral(dsl, world.pupil, method="portal")
    services.referral_record_response(
        actor=dsl,
        referral=referral,
        kind="outcome",
        occurred_at=FRIDAY_4PM + datetime.timedelta(days=1),
        source="Hub",
        outcome="nfa",
    )
    services.referral_escalate(
        actor=dsl,
        referral=referral,
        occurred_at=FRIDAY_4PM + datetime.timedelta(days=2),
        escalation_reason="disagree",
        escalated_to="Hub team manager",
        notes="Further disclosures since; we ask for the decision to be reviewed.",
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ESCALATED
    entry = ChronologyEntry.objects.get(kind=EntryKind.REFERRAL_ESCALATED)
    assert "We disagree with the decision" in entry.details
    assert entry.significant
    services.referral_record_response(
        actor=dsl,
        referral=referral,
        kind="outcome",
        occurred_at=FRIDAY_4PM + datetime.timedelta(days=3),
        source="Hub team manager",
        outcome="cin_assessment",
    )
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == (ReferralStatus.CLOSED, "cin_assessment")


def test_overdue_after_one_working_day_without_an_outcome(world: World) -> None:
    dsl = world.users["dsl"]
    referral = make_referral(dsl, world.pupil)
    monday_5pm = datetime.datetime(2026, 11, 16, 17, 0, tzinfo=LONDON)
    tuesday = datetime.datetime(2026, 11, 17, 0, 1, tzinfo=LONDON)
    assert not referral.is_overdue(monday_5pm)
    assert referral.is_overdue(tuesday)
    assert referral.follow_up_overdue(monday_5pm)  # the same-day written form was never sent
    listed = referral_list_for(actor=dsl, school=world.school, state="overdue", now=tuesday)
    assert list(listed) == [referral]
    assert not referral_list_for(actor=dsl, school=world.school, state="overdue", now=monday_5pm)
    counts = referral_counts(actor=dsl, school=world.school, now=tuesday)
    assert counts == {"open": 1, "overdue": 1, "follow_up": 1, "escalated": 0, "closed": 0}
    services.referral_record_response(
        actor=dsl,
        referral=referral,
        kind="acknowledged",
        occurred_at=FRIDAY_4PM + datetime.timedelta(hours=1),
        source="Hub",
    )
    # An acknowledgement is not an outcome: still overdue.
    assert referral_counts(actor=dsl, school=world.school, now=tuesday)["overdue"] == 1


def test_an_outcome_before_the_referral_was_made_is_refused(world: World) -> None:
    dsl = world.users["dsl"]
    referral = make_referral(dsl, world.pupil)
    with pytest.raises(ValidationError) as caught:
        services.referral_record_response(
            actor=dsl,
            referral=referral,
            kind="outcome",
            occurred_at=FRIDAY_4PM - datetime.timedelta(hours=2),
            source="Hub",
            outcome="nfa",
        )
    assert caught.value.message_dict["occurred_at"] == [
        "The outcome cannot be before the referral was made (13/11/2026 16:00)"
    ]
    assert not ReferralUpdate.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"made_at": "future"}, "made_at", "The date and time must be in the past"),
        ({"reason": "  "}, "reason", "Enter what you referred and why"),
        ({"parents_reason": ""}, "parents_reason", "Enter why parents or carers"),
    ],
)
def test_bad_referrals_are_refused_with_a_message_for_the_field(
    world: World, change: dict[str, str], field: str, message: str
) -> None:
    from django.utils import timezone

    if change.get("made_at") == "future":
        change = {"made_at": timezone.now() + datetime.timedelta(hours=1)}  # type: ignore[dict-item]
    with pytest.raises(ValidationError) as caught:
        make_referral(world.users["dsl"], world.pupil, **change)
    assert caught.value.message_dict[field][0].startswith(message)
    assert not Referral.objects.exists()


def test_an_agency_of_another_trust_or_local_authority_is_refused(world: World) -> None:
    elsewhere = agency_for(world.other_school, name="Another trust's hub")
    other_la = Agency.objects.create(
        trust=world.school.trust, local_authority="Rutland", kind="social_care", name="Rutland"
    )
    for agency in (elsewhere, other_la):
        with pytest.raises(ValidationError) as caught:
            make_referral(world.users["dsl"], world.pupil, agency=agency)
        assert caught.value.message_dict["agency"] == ["Choose an agency from the list"]
    national = Agency.objects.create(
        trust=world.school.trust, local_authority="", kind="police", name="Police (101)"
    )
    assert make_referral(world.users["dsl"], world.pupil, agency=national).agency == national


def test_a_concern_must_name_the_pupil(world: World, records: dict) -> None:  # type: ignore[type-arg]
    from tests.support.factories import PupilFactory

    stranger = PupilFactory(school=world.school)
    with pytest.raises(ValidationError) as caught:
        make_referral(world.users["dsl"], stranger, concern=records["own"].concern)
    assert "pupil" in caught.value.message_dict


@pytest.mark.parametrize("role", ["staff", "head", "admin", "governor", "tso"])
def test_only_the_dsl_and_deputies_make_referrals(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        make_referral(world.users[role], world.pupil)


def test_a_follow_up_is_recorded_once(world: World) -> None:
    dsl = world.users["dsl"]
    referral = make_referral(dsl, world.pupil)
    when = FRIDAY_4PM + datetime.timedelta(hours=1)
    services.referral_record_follow_up(actor=dsl, referral=referral, occurred_at=when, sent_to="x")
    with pytest.raises(ValidationError, match="already recorded"):
        services.referral_record_follow_up(
            actor=dsl, referral=referral, occurred_at=when, sent_to="x"
        )


def _sql(statement: str, pk: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, [pk])


def test_the_database_refuses_to_change_or_delete_signed_referrals(world: World) -> None:
    dsl = world.users["dsl"]
    referral = make_referral(dsl, world.pupil)
    update = services.referral_record_response(
        actor=dsl, referral=referral, kind="acknowledged", occurred_at=FRIDAY_4PM, source="Hub"
    )
    refused = (IntegrityError, InternalError)
    for attempt in (
        lambda: Referral.objects.filter(pk=referral.pk).update(reason="Rewritten"),
        lambda: Referral.objects.filter(pk=referral.pk).update(
            made_at=FRIDAY_4PM - datetime.timedelta(hours=1)
        ),
        lambda: _sql("DELETE FROM referrals_referral WHERE id = %s", referral.pk),
        lambda: ReferralUpdate.objects.filter(pk=update.pk).update(notes="Rewritten"),
        lambda: _sql("DELETE FROM referrals_referralupdate WHERE id = %s", update.pk),
    ):
        with pytest.raises(refused, match="signed record cannot be changed"):
            with transaction.atomic():
                attempt()
    # Where it stands may change (the services keep it up to date).
    assert Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ESCALATED) == 1


def test_a_referral_from_a_restricted_concern_is_hidden_like_the_concern(
    world: World,
    records: dict,  # type: ignore[type-arg]
) -> None:
    from concerns import services as concern_services

    concern = records["own"].concern
    referral = records["own"].referral
    assert referral.concern_id == concern.pk
    assert referral in referrals_visible_to(world.users["deputy"])
    concern_services.concern_restrict(actor=world.users["dsl"], concern=concern, named=[])
    assert referral not in referrals_visible_to(world.users["deputy"])
    assert referral in referrals_visible_to(world.users["dsl"])
    assert referral not in referrals_visible_to(world.users["other_dsl"])


def test_an_escalated_referral_counts_as_escalated_not_overdue(world: World) -> None:
    dsl = world.users["dsl"]
    referral = make_referral(dsl, world.pupil)
    services.referral_escalate(
        actor=dsl,
        referral=referral,
        occurred_at=FRIDAY_4PM + datetime.timedelta(days=4),
        escalation_reason="no_response",
        escalated_to="Hub team manager",
        notes="Nothing back after two working days.",
    )
    later = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=LONDON)
    counts = referral_counts(actor=dsl, school=world.school, now=later)
    assert (counts["overdue"], counts["escalated"], counts["open"]) == (0, 1, 1)
    referral.refresh_from_db()
    assert not referral.is_overdue(later)


def test_a_second_outcome_needs_an_escalation_first(world: World) -> None:
    dsl = world.users["dsl"]
    referral = make_referral(dsl, world.pupil)
    outcome = {
        "actor": dsl,
        "referral": referral,
        "kind": "outcome",
        "occurred_at": FRIDAY_4PM + datetime.timedelta(days=1),
        "source": "Hub",
        "outcome": "nfa",
    }
    services.referral_record_response(**outcome)
    with pytest.raises(ValidationError, match="escalate it first"):
        services.referral_record_response(**{**outcome, "outcome": "early_help"})
    referral.refresh_from_db()
    assert referral.outcome == "nfa"


@pytest.mark.parametrize(
    ("referral_type", "due"),
    [
        ("social_care", datetime.date(2026, 11, 16)),  # one working day: Monday
        ("police", datetime.date(2026, 11, 16)),
        ("early_help", datetime.date(2026, 11, 20)),  # five working days: the next Friday
        ("camhs", datetime.date(2026, 11, 20)),
    ],
)
def test_the_response_expected_depends_on_the_agency_type(
    world: World, referral_type: str, due: datetime.date
) -> None:
    referral = make_referral(world.users["dsl"], world.pupil, referral_type=referral_type)
    assert referral.response_due_at.astimezone(LONDON).date() == due


def test_a_referral_cannot_be_before_the_incident_in_its_concern(
    world: World,
    records: dict,  # type: ignore[type-arg]
) -> None:
    concern = records["own"].concern
    with pytest.raises(ValidationError) as caught:
        make_referral(
            world.users["dsl"],
            world.pupil,
            concern=concern,
            made_at=concern.incident_at - datetime.timedelta(minutes=1),
        )
    assert caught.value.message_dict["made_at"][0].startswith(
        "The referral cannot be before what the concern describes happened"
    )


def test_the_follow_up_and_acknowledgement_times_are_recorded_once(world: World) -> None:
    dsl = world.users["dsl"]
    referral = make_referral(dsl, world.pupil)
    services.referral_record_follow_up(
        actor=dsl, referral=referral, occurred_at=FRIDAY_4PM, sent_to="Hub"
    )
    services.referral_record_response(
        actor=dsl, referral=referral, kind="acknowledged", occurred_at=FRIDAY_4PM, source="Hub"
    )
    for column in ("follow_up_at", "acknowledged_at"):
        with pytest.raises(
            (IntegrityError, InternalError), match="signed record cannot be changed"
        ):
            with transaction.atomic():
                Referral.objects.filter(pk=referral.pk).update(**{column: None})


def test_escalations_follow_the_decision_they_challenge(world: World) -> None:
    dsl = world.users["dsl"]
    referral = make_referral(dsl, world.pupil)
    escalate = {
        "actor": dsl,
        "referral": referral,
        "escalated_to": "Team manager",
        "notes": "We ask for the decision to be reviewed.",
    }
    with pytest.raises(ValidationError, match="no decision to disagree with"):
        services.referral_escalate(**escalate, occurred_at=FRIDAY_4PM, escalation_reason="disagree")
    services.referral_record_response(
        actor=dsl,
        referral=referral,
        kind="outcome",
        occurred_at=FRIDAY_4PM + datetime.timedelta(days=1),
        source="Hub",
        outcome="nfa",
    )
    with pytest.raises(ValidationError) as caught:
        services.referral_escalate(
            **escalate,
            occurred_at=FRIDAY_4PM + datetime.timedelta(hours=2),
            escalation_reason="disagree",
        )
    assert caught.value.message_dict["occurred_at"][0].startswith(
        "The escalation cannot be before the outcome"
    )
    services.referral_escalate(
        **escalate,
        occurred_at=FRIDAY_4PM + datetime.timedelta(days=2),
        escalation_reason="disagree",
    )
    with pytest.raises(ValidationError, match="already escalated"):
        services.referral_escalate(
            **escalate,
            occurred_at=FRIDAY_4PM + datetime.timedelta(days=2, hours=1),
            escalation_reason="no_response",
        )
    with pytest.raises(ValidationError) as caught:
        services.referral_record_response(
            actor=dsl,
            referral=referral,
            kind="outcome",
            occurred_at=FRIDAY_4PM + datetime.timedelta(days=1, hours=1),
            source="Hub",
            outcome="cin_assessment",
        )
    assert caught.value.message_dict["occurred_at"][0].startswith(
        "The new outcome cannot be before the escalation"
    )
    services.referral_record_response(
        actor=dsl,
        referral=referral,
        kind="outcome",
        occurred_at=FRIDAY_4PM + datetime.timedelta(days=3),
        source="Hub",
        outcome="cin_assessment",
    )
    with pytest.raises(ValidationError, match="escalate it first"):
        services.referral_record_response(
            actor=dsl,
            referral=referral,
            kind="outcome",
            occurred_at=FRIDAY_4PM + datetime.timedelta(days=4),
            source="Hub",
            outcome="section_47",
        )
