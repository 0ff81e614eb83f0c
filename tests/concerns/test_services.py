"""Concern and DSL-record services: signing, immutability, reasons, conflicts, restriction."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chronology.models import ChronologyEntry
from concerns import services
from concerns.content import concern_signed_content
from concerns.models import (
    Addendum,
    BodyMapMark,
    Concern,
    ConcernPupil,
    ConcernStatus,
    DslRecord,
    InvolvementCategory,
)
from concerns.selectors import concern_view_for, inbox_for
from safeguard.models import Notification
from safeguard.notifications import notification_deliver_email
from safeguard.signing import content_hash
from schools import services as school_services
from tests.concerns.conftest import draft
from tests.support.factories import PupilFactory
from tests.support.world import World


@pytest.fixture
def submitted(world: World, categories) -> Concern:
    concern = draft(world.users["staff"], [world.pupil], categories)
    return services.concern_submit(actor=world.users["staff"], concern=concern)


def test_submit_signs_and_captures_the_reporter(world: World, categories) -> None:
    staff = world.users["staff"]
    staff.job_title = "Year 5 teacher"
    staff.save()
    concern = services.concern_submit(actor=staff, concern=draft(staff, [world.pupil], categories))
    assert concern.status == ConcernStatus.RECEIVED
    assert concern.reference == f"{world.school.reference_prefix}-{timezone.localdate().year}-0001"
    assert concern.reporter_name == staff.full_name
    assert concern.reporter_job_title == "Year 5 teacher"
    assert abs((timezone.now() - concern.written_at).total_seconds()) < 5
    fresh = Concern.objects.get(pk=concern.pk)
    assert fresh.content_hash == content_hash(concern_signed_content(fresh))
    second = services.concern_submit(actor=staff, concern=draft(staff, [world.pupil], categories))
    assert second.reference.endswith("-0002")


def test_signed_concern_is_read_only_in_the_service(world: World, submitted: Concern) -> None:
    with pytest.raises(services.SignedRecordError):
        services.concern_draft_update(
            actor=world.users["staff"], concern=submitted, values={"account": "changed"}
        )
    with pytest.raises(services.SignedRecordError):
        services.concern_pupil_add(
            actor=world.users["staff"], concern=submitted, pupil=PupilFactory(school=world.school)
        )


@pytest.mark.parametrize(
    "change",
    [
        lambda c: Concern.objects.filter(pk=c.pk).update(account="rewritten"),
        lambda c: Concern.objects.filter(pk=c.pk).update(incident_at=timezone.now()),
        lambda c: Concern.objects.filter(pk=c.pk).delete(),
        lambda c: ConcernPupil.objects.filter(concern=c).update(involvement="witnessed"),
        lambda c: InvolvementCategory.objects.filter(involvement__concern=c).delete(),
        lambda c: Concern.objects.filter(pk=c.pk).update(status="draft"),
        lambda c: BodyMapMark.objects.create(
            school_id=c.school_id, concern=c, side="front", x=1, y=1, description="added later"
        ),
    ],
    ids=[
        "update-account",
        "update-incident",
        "delete",
        "involvement",
        "categories",
        "back-to-draft",
        "body-mark",
    ],
)
def test_database_refuses_to_change_a_signed_concern(submitted: Concern, change) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        change(submitted)
    assert Concern.objects.get(pk=submitted.pk).content_hash == submitted.content_hash


def test_workflow_fields_of_a_signed_concern_still_change(world: World, submitted: Concern) -> None:
    services.concern_open(actor=world.users["dsl"], concern=submitted)
    assert Concern.objects.get(pk=submitted.pk).opened_at is not None


def test_addendum_is_signed_and_immutable(world: World, submitted: Concern) -> None:
    addendum = services.addendum_add(
        actor=world.users["staff"], concern=submitted, text="Sam's sister said the same today."
    )
    assert len(addendum.content_hash) == 64
    with pytest.raises(IntegrityError), transaction.atomic():
        Addendum.objects.filter(pk=addendum.pk).update(text="edited")
    with pytest.raises(PermissionDenied):
        services.addendum_add(actor=world.users["admin"], concern=submitted, text="not mine")


def test_submit_refuses_a_future_incident_and_a_concern_without_pupils(
    world: World, categories
) -> None:
    staff = world.users["staff"]
    concern = draft(staff, [world.pupil], categories)
    services.concern_draft_update(
        actor=staff,
        concern=concern,
        values={"incident_at": timezone.now() + datetime.timedelta(days=1)},
    )
    services.concern_pupil_remove(actor=staff, involvement=concern.involvements.get())
    with pytest.raises(ValidationError) as error:
        services.concern_submit(actor=staff, concern=concern)
    assert error.value.message_dict["incident_at"] == [
        "The date and time of the incident must be in the past"
    ]
    assert error.value.message_dict["pupils"] == ["Add the pupil or pupils this concern is about"]
    assert Concern.objects.get(pk=concern.pk).status == ConcernStatus.DRAFT


def test_pupil_of_another_school_cannot_be_added(world: World, categories) -> None:
    concern = draft(world.users["staff"], [world.pupil], categories)
    with pytest.raises(PermissionDenied):
        services.concern_pupil_add(
            actor=world.users["staff"], concern=concern, pupil=world.other_pupil
        )


def test_each_pupil_keeps_their_own_involvement_and_categories(world: World, categories) -> None:
    staff = world.users["staff"]
    second = PupilFactory(school=world.school)
    concern = draft(staff, [world.pupil, second], categories)
    other = concern.involvements.get(pupil=second)
    services.involvement_update(
        actor=staff,
        involvement=other,
        kind="displayed",
        category_ids=[
            categories["Child-on-child abuse"].pk,
            categories["Child-on-child abuse > Physical abuse by another child"].pk,
        ],
    )
    concern = services.concern_submit(actor=staff, concern=concern)
    content = concern_signed_content(concern)
    by_pupil = {p["pupil_id"]: p for p in content["pupils"]}
    assert by_pupil[world.pupil.pk]["involvement"] == "experienced"
    assert by_pupil[world.pupil.pk]["categories"] == ["Physical abuse"]
    assert by_pupil[second.pk]["involvement"] == "displayed"
    assert by_pupil[second.pk]["categories"] == [
        "Child-on-child abuse > Physical abuse by another child"
    ]


def test_another_trusts_category_is_ignored(world: World, categories) -> None:
    from concerns.models import Category

    foreign = Category.objects.filter(trust=world.other_school.trust).first()
    concern = draft(world.users["staff"], [world.pupil], categories)
    involvement = concern.involvements.get()
    services.involvement_update(
        actor=world.users["staff"],
        involvement=involvement,
        kind="experienced",
        category_ids=[foreign.pk],
    )
    assert not involvement.categories.exists()


def test_immediate_danger_alerts_every_dsl_and_deputy_by_email_without_names(
    world: World,
    categories,
    django_capture_on_commit_callbacks,
) -> None:
    concern = draft(world.users["staff"], [world.pupil], categories, danger=True)
    with django_capture_on_commit_callbacks(execute=False):
        services.concern_submit(actor=world.users["staff"], concern=concern)
    alerts = Notification.objects.filter(kind="immediate_danger")
    assert {n.recipient.email for n in alerts} == {"dsl@alpha.example", "deputy@alpha.example"}
    for n in alerts:
        assert notification_deliver_email(notification_id=str(n.pk)) is True
        assert notification_deliver_email(notification_id=str(n.pk)) is False  # once only
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert message.subject.startswith("URGENT:")
        for secret in (world.pupil.legal_first_name, world.pupil.legal_last_name, "belt"):
            assert secret not in message.subject
            assert secret not in message.body


# --- Part 2 -------------------------------------------------------------------------------------


def _complete_values() -> dict:
    return {
        "actions": ["referral_social_care", "monitoring"],
        "action_reasons": "Disclosure of physical harm by a parent",
        "level_of_need": "specialist",
        "level_of_need_reason": "Risk of significant harm",
        "parents_informed": False,
        "parents_informed_reason": "Informing the father could place the child at greater risk",
        "cp_file_decision": "yes",
        "cp_file_reason": "First disclosure; open a file to hold the chronology",
    }


def test_decisions_without_reasons_are_refused(world: World, submitted: Concern) -> None:
    dsl = world.users["dsl"]
    record = services.concern_open(actor=dsl, concern=submitted)
    values = {**_complete_values(), "action_reasons": "", "parents_informed_reason": " "}
    record = services.dsl_record_save(
        actor=dsl, record=record, values=values, expected_version=record.version
    )
    with pytest.raises(ValidationError) as error:
        services.dsl_record_sign(actor=dsl, record=record, expected_version=record.version)
    assert error.value.message_dict == {
        "action_reasons": ["Enter the reasons for the action taken"],
        "parents_informed_reason": ["Enter why parents were not informed"],
    }


def test_signing_part_2_marks_the_concern_actioned_and_freezes_it(
    world: World, submitted: Concern
) -> None:
    dsl = world.users["dsl"]
    record = services.concern_open(actor=dsl, concern=submitted)
    assert record.received_from.startswith(submitted.reporter_name)
    record = services.dsl_record_save(
        actor=dsl, record=record, values=_complete_values(), expected_version=record.version
    )
    record = services.dsl_record_sign(actor=dsl, record=record, expected_version=record.version)
    assert record.signer_role == "Designated Safeguarding Lead"
    assert Concern.objects.get(pk=submitted.pk).status == ConcernStatus.ACTIONED
    with pytest.raises(IntegrityError), transaction.atomic():
        DslRecord.objects.filter(pk=record.pk).update(outcome="rewritten")
    with pytest.raises(services.SignedRecordError):
        services.dsl_record_save(
            actor=dsl, record=record, values={"outcome": "x"}, expected_version=record.version
        )


def test_second_of_two_simultaneous_saves_is_refused(world: World, submitted: Concern) -> None:
    record = services.concern_open(actor=world.users["dsl"], concern=submitted)
    opened_version = record.version
    services.dsl_record_save(
        actor=world.users["dsl"],
        record=record,
        values={"outcome": "First DSL's outcome"},
        expected_version=opened_version,
    )
    with pytest.raises(services.ConflictError) as conflict:
        services.dsl_record_save(
            actor=world.users["deputy"],
            record=record,
            values={"outcome": "Deputy's outcome"},
            expected_version=opened_version,
        )
    assert conflict.value.current.outcome == "First DSL's outcome"
    assert conflict.value.current.last_saved_by == world.users["dsl"]
    assert DslRecord.objects.get(pk=record.pk).outcome == "First DSL's outcome"


def test_only_managers_open_and_decide(world: World, submitted: Concern) -> None:
    for role in ["staff", "head", "admin", "governor", "tso", "other_dsl"]:
        with pytest.raises(PermissionDenied):
            services.concern_open(actor=world.users[role], concern=submitted)


def test_restricted_concern_is_seen_only_by_the_dsl_and_named_people(
    world: World, submitted: Concern
) -> None:
    from django.http import Http404

    services.concern_restrict(
        actor=world.users["dsl"], concern=submitted, named=[world.users["head"]]
    )
    seen = {
        role
        for role in ["dsl", "deputy", "head", "tso", "staff", "admin", "governor", "other_dsl"]
        if inbox_for(actor=world.users[role], school=world.school).filter(pk=submitted.pk).exists()
    }
    assert seen == {"dsl", "head"}
    with pytest.raises(Http404):
        concern_view_for(actor=world.users["deputy"], pk=submitted.pk)
    # The reporter still sees their own concern's status, never the record.
    view = concern_view_for(actor=world.users["staff"], pk=submitted.pk)
    assert view.is_author
    assert not view.full
    with pytest.raises(ValidationError):
        services.concern_restrict(
            actor=world.users["dsl"], concern=submitted, named=[world.users["staff"]]
        )


def test_actions_are_assigned_and_completed(world: World, submitted: Concern) -> None:
    dsl, staff = world.users["dsl"], world.users["staff"]
    action = services.action_assign(
        actor=dsl,
        concern=submitted,
        description="Check in with Sam at lunch",
        owner=staff,
        due_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    with pytest.raises(PermissionDenied):
        services.action_complete(actor=world.users["admin"], action=action, note="done")
    done = services.action_complete(actor=staff, action=action, note="Sam was fine")
    assert done.done_by == staff
    assert done.done_at is not None
    with pytest.raises(ValidationError):
        services.action_assign(
            actor=dsl,
            concern=submitted,
            description="x",
            owner=world.users["other_dsl"],
            due_on=timezone.localdate(),
        )


def test_removing_a_role_removes_the_inbox(world: World, submitted: Concern) -> None:
    from schools.models import SchoolMembership

    deputy = world.users["deputy"]
    school_services.school_membership_revoke(membership=SchoolMembership.objects.get(user=deputy))
    assert not inbox_for(actor=deputy, school=world.school).exists()


def test_body_mark_positions_keep_two_decimal_places(world: World, categories) -> None:
    concern = draft(world.users["staff"], [world.pupil], categories)
    mark = services.body_mark_add(
        actor=world.users["staff"],
        concern=concern,
        side="front",
        x=26.88,
        y=22.8149,
        description="Red mark",
    )
    assert (str(mark.x), str(mark.y)) == ("26.88", "22.81")


def test_signed_content_survives_renaming_the_pupil_and_the_category(
    world: World, submitted: Concern, categories
) -> None:
    world.pupil.legal_last_name = "Renamed"
    world.pupil.save()
    category = categories["Physical abuse"]
    category.name = "Physical harm"
    category.save()
    fresh = Concern.objects.get(pk=submitted.pk)
    content = concern_signed_content(fresh)
    assert content_hash(content) == fresh.content_hash
    assert content["pupils"][0]["name"].endswith("Alphason")
    assert content["pupils"][0]["categories"] == ["Physical abuse"]


def test_unticking_a_heading_drops_its_hidden_sub_categories(world: World, categories) -> None:
    concern = draft(world.users["staff"], [world.pupil], categories)
    involvement = concern.involvements.get()
    bullying = categories["Child-on-child abuse > Bullying, including online bullying"]
    services.involvement_update(
        actor=world.users["staff"],
        involvement=involvement,
        kind="experienced",
        category_ids=[bullying.pk],
    )
    assert not involvement.categories.exists()


def test_every_signed_event_reaches_the_chronology_hook(world: World, categories) -> None:
    staff, dsl = world.users["staff"], world.users["dsl"]
    concern = services.concern_submit(actor=staff, concern=draft(staff, [world.pupil], categories))
    services.addendum_add(actor=staff, concern=concern, text="Later")
    record = services.concern_open(actor=dsl, concern=concern)
    record = services.dsl_record_save(
        actor=dsl, record=record, values=_complete_values(), expected_version=record.version
    )
    services.dsl_record_sign(actor=dsl, record=record, expected_version=record.version)
    action = services.action_assign(
        actor=dsl, concern=concern, description="x", owner=staff, due_on=timezone.localdate()
    )
    services.action_complete(actor=staff, action=action, note="done")
    # What the ledger appended for the concern, as its chronology shows it.
    entries = ChronologyEntry.objects.filter(concern_ref=concern.pk).order_by("sequence")
    assert [e.kind for e in entries] == [
        "concern_submitted",
        "addendum_added",
        "dsl_record_signed",
        "action_done",
    ]
    assert all(e.pupil_id == world.pupil.pk and e.school_id == world.school.pk for e in entries)
    assert [e.source_label for e in entries] == [
        "concerns.Concern",
        "concerns.Addendum",
        "concerns.DslRecord",
        "concerns.Action",
    ]


def test_the_inbox_lists_a_concern_once_under_every_filter_with_its_open_actions(
    world: World, categories
) -> None:
    """Filters are EXISTS, not joins plus DISTINCT (issue 18): a concern about two pupils, each
    with the asked category, comes once, and its open actions are counted once each."""
    dsl, staff = world.users["dsl"], world.users["staff"]
    second = PupilFactory(school=world.school)
    concern = services.concern_submit(
        actor=staff, concern=draft(staff, [world.pupil, second], categories)
    )
    for description in ("Check in with Sam at lunch", "Call the parent"):
        services.action_assign(
            actor=dsl,
            concern=concern,
            description=description,
            owner=staff,
            due_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    physical = categories["Physical abuse"]
    inbox = inbox_for(
        actor=dsl,
        school=world.school,
        category_id=physical.pk,
        pupil_ids=[world.pupil.pk, second.pk],
    )
    rows = list(inbox)
    assert [c.pk for c in rows] == [concern.pk]
    assert rows[0].open_actions == 2
    assert inbox.count() == 1
    assert "DISTINCT" not in str(inbox.query)
    assert list(inbox_for(actor=dsl, school=world.school, pupil_ids=[])) == []
