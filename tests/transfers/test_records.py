"""Everything in a pupil's CP file, gathered for export: complete, in a fixed number of queries,
and only for the DSL and deputies of the pupil's school."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from concerns import services as concern_services
from concerns.models import Concern
from schools.models import User
from tests.concerns.conftest import draft
from tests.support.factories import PupilFactory
from tests.support.records.cp_file import (
    PART_1_WORDS,
    concern_with_part_2,
    full_file,
    seed_categories,
)
from tests.support.world import World
from transfers.export.gather import CpRecords, ExportRefused, cp_records_for_export
from transfers.models import IncomingSource, IncomingState, IncomingTransfer


def _fresh(user: User) -> User:
    """The same person with nothing cached (permissions are cached on the user object)."""
    return User.objects.get(pk=user.pk)


def test_every_kind_of_record_is_gathered(world: World) -> None:
    categories = seed_categories(world)
    files = full_file(world, categories, entries=3)
    records = cp_records_for_export(actor=world.users["dsl"], pupil=world.pupil)

    assert records.pupil == world.pupil
    assert records.school == world.school
    (concern,) = records.concerns
    assert concern.concern.pk == files.concerns[0].pk
    assert PART_1_WORDS in concern.concern.account
    assert concern.involvement.pupil_id == world.pupil.pk
    assert concern.categories == ["Physical abuse"]
    assert [m.description for m in concern.body_marks] == ["Round bruise"]
    assert [a.original_name for a in concern.attachments] == ["arm.png", "letter.pdf"]
    assert len(concern.addenda) == 1
    assert concern.dsl_record is not None
    assert concern.dsl_record.content_hash
    assert [a.name for a in concern.advice] == ["Charlotte Davis"]
    assert [a.done_note for a in concern.actions] == ["Sam was cheerful"]
    assert len(records.cp_files) == 1
    assert [s.kind for s in records.statuses] == ["cp_plan"]
    assert [(len(r.updates), r.referral.outcome) for r in records.referrals] == [(1, "section_47")]
    assert [len(r.reviews) for r in records.risk_assessments] == [1]
    assert [len(m.steps) for m in records.missing_episodes] == [2]
    assert len(records.absences) == 1
    assert [a.original_name for _, a in records.attachments] == ["arm.png", "letter.pdf"]
    # Every signed event and the three calls, oldest first.
    kinds = [e.kind for e in records.chronology]
    assert kinds.count("phone_call") == 3
    assert {"concern_submitted", "dsl_record_signed", "referral_made"} <= set(kinds)
    times = [e.occurred_at for e in records.chronology]
    # Oldest first by day; a date-only record (a plan started) after the day's timed ones (0046).
    order = [
        (timezone.localdate(e.occurred_at), e.date_only, e.occurred_at) for e in records.chronology
    ]
    assert order == sorted(order)
    assert any(e.date_only for e in records.chronology)
    # From the oldest call (400 days ago) to today's records.
    assert records.first_date == timezone.localdate(times[0])
    assert records.last_date == timezone.localdate()
    assert not records.is_empty


def test_a_pupil_with_no_records_gives_an_empty_file(world: World) -> None:
    records = cp_records_for_export(actor=world.users["deputy"], pupil=world.pupil)
    assert records.is_empty
    assert records.first_date is None
    assert records.attachments == []


def test_drafts_are_not_records_and_part_2_in_draft_is_left_out(world: World) -> None:
    categories = seed_categories(world)
    draft(world.users["staff"], [world.pupil], categories)
    submitted = concern_services.concern_submit(
        actor=world.users["staff"], concern=draft(world.users["staff"], [world.pupil], categories)
    )
    concern_services.concern_open(actor=world.users["dsl"], concern=submitted)

    records = cp_records_for_export(actor=world.users["dsl"], pupil=world.pupil)

    (only,) = records.concerns
    assert only.concern.pk == submitted.pk
    assert only.dsl_record is None
    assert only.dsl_record_in_draft
    assert only.advice == []


def test_another_child_in_the_same_concern_is_counted_not_named(world: World) -> None:
    categories = seed_categories(world)
    classmate = PupilFactory(school=world.school, legal_first_name="Cressida")
    concern_with_part_2(world, world.pupil, categories, others=[classmate])

    (concern,) = cp_records_for_export(actor=world.users["dsl"], pupil=world.pupil).concerns

    assert concern.other_pupils == 1
    assert concern.involvement.pupil_id == world.pupil.pk
    assert [m.description for m in concern.body_marks] == ["Round bruise"]


def _queries(world: World) -> int:
    cp_records_for_export(actor=_fresh(world.users["dsl"]), pupil=world.pupil)  # warm caches
    actor = _fresh(world.users["dsl"])
    with CaptureQueriesContext(connection) as captured:
        records = cp_records_for_export(actor=actor, pupil=world.pupil)
        # Reading everything a PDF or bundle reads must not query again.
        for c in records.concerns:
            _ = [c.concern.reference, c.involvement.pupil_legal_name, c.categories]
            _ = [(a.owner.full_name, a.created_by.full_name) for a in c.actions]
        _ = [(f.opened_by.full_name, f.closed_by) for f in records.cp_files]
        _ = [(e.corrects, e.corrected) for e in records.chronology]
        _ = [r.referral.concern for r in records.referrals]
        _ = [
            (a.assessment.created_by.full_name, a.assessment.concern)
            for a in records.risk_assessments
        ]
        _ = [r.reviewed_by.full_name for a in records.risk_assessments for r in a.reviews]
        _ = [m.episode.closed_by for m in records.missing_episodes]
        _ = [f.decided_by.full_name for f in records.received_files if f.decided_by]
    return len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_records(world: World) -> None:
    categories = seed_categories(world)
    full_file(world, categories, concerns=1, entries=1, referrals=1)
    small = _queries(world)
    for n in range(2, 5):
        concern_with_part_2(world, world.pupil, categories, n=n)
    full_file(world, categories, concerns=2, entries=10, referrals=3, missing=False)
    for name in ("Oak Primary", "Elm Infants"):  # files received from previous schools
        IncomingTransfer.objects.create(
            school=world.school, source=IncomingSource.IMPORT, from_school_name=name,
            legal_first_name=world.pupil.legal_first_name,
            legal_last_name=world.pupil.legal_last_name, date_of_birth=world.pupil.date_of_birth,
            pdf_sha256="0" * 64, state=IncomingState.ACCEPTED, pupil=world.pupil,
            decided_at=timezone.now(), decided_by=world.users["dsl"],
        )  # fmt: skip
    large = _queries(world)
    gathered = cp_records_for_export(actor=world.users["dsl"], pupil=world.pupil)
    assert len(gathered.concerns) == 6
    assert [f.from_school_name for f in gathered.received_files] == ["Oak Primary", "Elm Infants"]
    assert large == small
    # The pupil, the actor's permissions, then one query per kind of record (25 in all, the
    # files received from previous schools included).
    assert small <= 25


@pytest.mark.parametrize("role", ["dsl", "deputy"])
def test_the_dsl_and_deputies_export(world: World, role: str) -> None:
    assert isinstance(cp_records_for_export(actor=world.users[role], pupil=world.pupil), CpRecords)


@pytest.mark.parametrize("role", ["staff", "head", "admin", "governor", "tso", "other_dsl"])
def test_nobody_else_exports_and_another_school_gets_404(world: World, role: str) -> None:
    with pytest.raises(Http404):
        cp_records_for_export(actor=world.users[role], pupil=world.pupil)


def test_a_pupil_of_another_school_is_404_even_for_a_dsl(world: World) -> None:
    with pytest.raises(Http404):
        cp_records_for_export(actor=world.users["dsl"], pupil=world.other_pupil)


def _restricted(world: World, categories: dict[str, Any], named: list[User]) -> Concern:
    concern = concern_with_part_2(world, world.pupil, categories)
    return concern_services.concern_restrict(actor=world.users["dsl"], concern=concern, named=named)


def test_restricted_concerns_are_in_the_dsls_export(world: World) -> None:
    categories = seed_categories(world)
    concern = _restricted(world, categories, named=[])
    records = cp_records_for_export(actor=_fresh(world.users["dsl"]), pupil=world.pupil)
    assert [c.concern.pk for c in records.concerns] == [concern.pk]
    assert records.concerns[0].concern.restricted
    assert any(e.concern_ref == concern.pk for e in records.chronology)


def test_a_deputy_not_named_on_a_restricted_concern_is_refused_not_given_a_partial_file(
    world: World,
) -> None:
    categories = seed_categories(world)
    _restricted(world, categories, named=[])
    with pytest.raises(ExportRefused) as refused:
        cp_records_for_export(actor=_fresh(world.users["deputy"]), pupil=world.pupil)
    assert "Ask the Designated Safeguarding Lead to export it" in str(refused.value)


def _from_hidden_concern(world: World, concern: Concern, record: str) -> None:
    """One record of the world's pupil that came from `concern` (about another pupil), written
    alone (no chronology line with it unless it is the line), so only its own check finds it."""
    from chronology.ledger.services import chronology_append
    from chronology.models import RiskAssessment, RiskAssessmentPupil
    from referrals.models import Referral
    from tests.referrals.conftest import agency_for

    dsl, pupil, school = world.users["dsl"], world.pupil, world.school
    if record == "entry":
        chronology_append(
            school_id=school.pk,
            pupil_id=pupil.pk,
            kind="note",
            occurred_at=timezone.now(),
            details="A call about the other pupil",
            author=dsl,
            concern_ref=concern.pk,
        )
    elif record == "referral":
        Referral.objects.create(
            school=school,
            pupil=pupil,
            concern=concern,
            agency=agency_for(school),
            agency_name="Front door",
            referral_type="social_care",
            urgency="urgent",
            method="phone",
            made_at=timezone.now(),
            response_due_at=timezone.now(),
            reason="x",
            parents_informed="informed",
            parents_reason="x",
            made_by=dsl,
            made_by_name=dsl.full_name,
            content_hash="0" * 64,
        )
    else:
        assessment = RiskAssessment.objects.create(
            school=school,
            concern=concern,
            title="x",
            risks="x",
            measures="x",
            review_date=timezone.localdate(),
            created_by=dsl,
        )
        RiskAssessmentPupil.objects.create(school=school, assessment=assessment, pupil=pupil)


@pytest.mark.parametrize("record", ["entry", "referral", "risk_assessment"])
def test_a_deputy_is_refused_for_any_record_from_a_hidden_concern_about_another_pupil(
    world: World, record: str
) -> None:
    """A chronology line, a referral or a risk assessment of the pupil that came from a restricted
    concern the deputy may not read refuses the export, though the concern is about another
    pupil; named on it, the deputy exports (issue 18: each check written as `EXISTS`)."""
    categories = seed_categories(world)
    other = PupilFactory(school=world.school)
    concern = concern_with_part_2(world, other, categories)
    concern_services.concern_restrict(actor=world.users["dsl"], concern=concern, named=[])
    _from_hidden_concern(world, concern, record)
    with pytest.raises(ExportRefused):
        cp_records_for_export(actor=_fresh(world.users["deputy"]), pupil=world.pupil)
    concern_services.concern_restrict(
        actor=world.users["dsl"], concern=concern, named=[world.users["deputy"]]
    )
    records = cp_records_for_export(actor=_fresh(world.users["deputy"]), pupil=world.pupil)
    assert records.pupil == world.pupil


def test_a_restricted_draft_about_the_pupil_refuses_nothing(world: World) -> None:
    """A draft is no record of the pupil's (only its writer sees it): restricted or not, it
    never stops the export."""
    categories = seed_categories(world)
    staff = world.users["staff"]
    unsent = draft(staff, [world.pupil], categories)
    Concern.objects.filter(pk=unsent.pk).update(restricted=True)
    records = cp_records_for_export(actor=_fresh(world.users["deputy"]), pupil=world.pupil)
    assert records.concerns == []


def test_a_deputy_named_on_the_restricted_concern_exports_it(world: World) -> None:
    categories = seed_categories(world)
    concern = _restricted(world, categories, named=[world.users["deputy"]])
    records = cp_records_for_export(actor=_fresh(world.users["deputy"]), pupil=world.pupil)
    assert [c.concern.pk for c in records.concerns] == [concern.pk]
