"""The chain check re-hashes every signed record an entry cites (docs/adr/0030): a record changed
behind the database guards' back is reported by school, entry, kind and id, never by what it
says; a record retention destroyed still verifies; the check's queries do not grow with the
records."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chronology.ledger import sources
from chronology.ledger.checks import check_source_checks
from chronology.ledger.verification import CHANGED, MISSING, UNCHECKABLE, verify_chain
from chronology.models import ChronologyEntry
from concerns import services as concern_services
from concerns.missing import absences, episodes
from concerns.models import Concern
from referrals import services as referral_services
from tests.concerns.conftest import draft
from tests.referrals.conftest import FRIDAY_4PM, make_referral
from tests.support.factories import PupilFactory
from tests.support.guards import bypassing_guards
from tests.support.records.missing import school_day
from tests.support.transfers import DESTROY_ON, after, kept, run_at
from tests.support.world import World

pytestmark = pytest.mark.django_db

ACCOUNT = "At 10:40 in the playground Sam said: “my dad hit me with a belt.”"
REWRITTEN = "Sam said nothing had happened at home."


def _concern(world: World, categories: Any, pupils: list[Any] | None = None) -> Concern:
    staff = world.users["staff"]
    return concern_services.concern_submit(
        actor=staff, concern=draft(staff, pupils or [world.pupil], categories, account=ACCOUNT)
    )


def _signed_dsl_record(world: World, concern: Concern) -> Any:
    dsl = world.users["dsl"]
    record = concern_services.concern_open(actor=dsl, concern=concern)
    concern_services.advice_add(
        actor=dsl,
        record=record,
        sought_at=timezone.now() - datetime.timedelta(minutes=30),
        name="J. Adeyemi",
        role="Duty social worker",
        organisation="Children and Families Hub",
        advice="Refer today",
    )
    record = concern_services.dsl_record_save(
        actor=dsl,
        record=record,
        values={
            "actions": ["monitoring"],
            "action_reasons": "Bruising seen and a disclosure",
            "level_of_need": "additional",
            "level_of_need_reason": "First concern",
            "parents_informed": True,
            "parents_informed_reason": "No risk in telling them",
            "cp_file_decision": "no",
            "cp_file_reason": "Monitoring first",
        },
        expected_version=record.version,
    )
    return concern_services.dsl_record_sign(
        actor=dsl, record=record, expected_version=record.version
    )


def _done_action(world: World, concern: Concern) -> Any:
    action = concern_services.action_assign(
        actor=world.users["dsl"],
        concern=concern,
        description="Check in with the pupil",
        owner=world.users["staff"],
        due_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    return concern_services.action_complete(
        actor=world.users["staff"], action=action, note="Spoke with Sam at lunch"
    )


def _entry_of(record: Any, kind: str | None = None) -> ChronologyEntry:
    entries = ChronologyEntry.objects.filter(source_id=str(record.pk))
    return entries.get(kind=kind) if kind else entries.get()


def _verify_records_output() -> str:
    out = StringIO()
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_records", stdout=out)
    return out.getvalue()


def test_a_signed_concern_changed_behind_the_guards_is_reported(world: World, categories) -> None:
    concern = _concern(world, categories)
    entry = _entry_of(concern)
    before = verify_chain(school_id=world.school.pk)
    assert before.ok
    assert before.records_checked == 1
    bypassing_guards(
        "UPDATE concerns_concern SET account = %s WHERE id = %s", [REWRITTEN, concern.pk]
    )
    report = verify_chain(school_id=world.school.pk)
    assert report.chain_ok  # every entry still recomputes: only the record changed
    assert not report.ok
    assert [
        (r.sequence, r.source_label, r.source_id, r.problem) for r in report.broken_records
    ] == [(entry.sequence, "concerns.Concern", str(concern.pk), CHANGED)]
    text = _verify_records_output()
    assert f"{world.school.name}: BROKEN: 1 signed record(s)" in text
    assert f"entry {entry.sequence}: concern {concern.pk} (concerns.Concern) has changed" in text
    assert f"{world.school.name}: {entry.sequence} entries, chain intact" not in text
    assert f"{world.other_school.name}: 0 entries, chain intact" in text
    for words in ("belt", "nothing had happened", concern.reference, world.pupil.legal_last_name):
        assert words not in text


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("concerns_concernpupil", "pupil_legal_name", "Someone Else"),
        ("concerns_involvementcategory", "label", "Neglect"),
        ("concerns_concern", "incident_at", "2020-01-01T09:00:00Z"),
    ],
    ids=["a pupil's name as signed", "a category as signed", "when it happened"],
)
def test_a_change_to_any_part_of_a_signed_concern_is_reported(
    world: World, categories, table: str, column: str, value: str
) -> None:
    concern = _concern(world, categories)
    where = {
        "concerns_concern": "id = %s",
        "concerns_concernpupil": "concern_id = %s",
        "concerns_involvementcategory": (
            "involvement_id IN (SELECT id FROM concerns_concernpupil WHERE concern_id = %s)"
        ),
    }[table]
    bypassing_guards(f"UPDATE {table} SET {column} = %s WHERE {where}", [value, concern.pk])  # noqa: S608
    report = verify_chain(school_id=world.school.pk)
    assert [r.source_id for r in report.broken_records] == [str(concern.pk)]


def test_a_referral_changed_behind_the_guards_is_reported(world: World) -> None:
    referral = make_referral(world.users["dsl"], world.pupil)
    update = referral_services.referral_record_response(
        actor=world.users["dsl"],
        referral=referral,
        kind="acknowledged",
        occurred_at=FRIDAY_4PM + datetime.timedelta(hours=1),
        source="Hub duty desk",
        agency_reference="CFH-12345",
    )
    assert verify_chain(school_id=world.school.pk).records_checked == 2
    bypassing_guards(
        "UPDATE referrals_referral SET reason = %s WHERE id = %s", ["No concern", referral.pk]
    )
    bypassing_guards(
        "UPDATE referrals_referralupdate SET agency_reference = %s WHERE id = %s",
        ["CFH-99999", update.pk],
    )
    report = verify_chain(school_id=world.school.pk)
    assert report.chain_ok
    assert [(r.sequence, r.source_label, r.source_id) for r in report.broken_records] == [
        (_entry_of(referral).sequence, "referrals.Referral", str(referral.pk)),
        (_entry_of(update).sequence, "referrals.ReferralUpdate", str(update.pk)),
    ]
    text = _verify_records_output()
    assert f"referral {referral.pk} (referrals.Referral) has changed" in text
    assert "Disclosure of physical harm" not in text
    assert "No concern" not in text


def _addendum(world: World, categories: Any) -> tuple[Any, str]:
    concern = _concern(world, categories)
    addendum = concern_services.addendum_add(
        actor=world.users["dsl"], concern=concern, text="Sam's sister confirmed it"
    )
    return addendum, "UPDATE concerns_addendum SET text = 'Nothing to add' WHERE id = %s"


def _dsl_record(world: World, categories: Any) -> tuple[Any, str]:
    record = _signed_dsl_record(world, _concern(world, categories))
    return record, "UPDATE concerns_dslrecord SET level_of_need = 'universal' WHERE id = %s"


def _advice(world: World, categories: Any) -> tuple[Any, str]:
    record = _signed_dsl_record(world, _concern(world, categories))
    return record, "UPDATE concerns_advicesought SET advice = 'Wait' WHERE dsl_record_id = %s"


def _action(world: World, categories: Any) -> tuple[Any, str]:
    action = _done_action(world, _concern(world, categories))
    return action, "UPDATE concerns_action SET done_note = 'Did nothing' WHERE id = %s"


def _missing_episode(world: World, categories: Any) -> tuple[Any, str]:
    now = timezone.now()
    episode = episodes.missing_episode_start(
        actor=world.users["dsl"],
        pupil=world.pupil,
        missing_since=now - datetime.timedelta(minutes=30),
        last_seen_at=now - datetime.timedelta(minutes=50),
        last_seen_details="Leaving the science lesson",
    )
    return episode, "UPDATE concerns_missingepisode SET last_seen_details = 'Home' WHERE id = %s"


def _absence(world: World, categories: Any) -> tuple[Any, str]:
    absence = absences.absence_start(
        actor=world.users["dsl"],
        pupil=world.pupil,
        first_day=school_day(3),
        contact_attempts="Both emergency contacts called twice",
    )
    return absence, "UPDATE concerns_continuousabsence SET contact_attempts = '' WHERE id = %s"


@pytest.mark.parametrize(
    "make",
    [_addendum, _dsl_record, _advice, _action, _missing_episode, _absence],
    ids=["addendum", "DSL record", "advice on a DSL record", "action", "missing", "absence"],
)
def test_other_signed_records_changed_behind_the_guards_are_reported(
    world: World, categories, make: Callable[..., tuple[Any, str]]
) -> None:
    record, tamper = make(world, categories)
    assert verify_chain(school_id=world.school.pk).ok
    bypassing_guards(tamper, [record.pk])
    report = verify_chain(school_id=world.school.pk)
    assert report.chain_ok
    assert [(r.sequence, r.source_label, r.source_id) for r in report.broken_records] == [
        (_entry_of(record).sequence, record._meta.label, str(record.pk))
    ]


def test_a_deleted_signed_record_is_reported_missing(world: World) -> None:
    referral = make_referral(world.users["dsl"], world.pupil)
    bypassing_guards("DELETE FROM referrals_referral WHERE id = %s", [referral.pk])
    (broken,) = verify_chain(school_id=world.school.pk).broken_records
    assert (broken.source_id, broken.problem) == (str(referral.pk), MISSING)


def test_records_signed_in_stages_verify_at_each_stage(world: World) -> None:
    """An absence's entries each hold the hash of what was known then; a closed missing episode's
    entry holds the steps up to closing, and a step recorded later is signed on its own."""
    dsl = world.users["dsl"]
    absence = absences.absence_start(
        actor=dsl, pupil=world.pupil, first_day=school_day(3), contact_attempts="Called twice"
    )
    absences.absence_end(
        actor=dsl, absence=absence, ended_on=school_day(1), reason="Returned to school"
    )
    absences.absence_la_told(  # told after it ended: the stages come in either order
        actor=dsl, absence=absence, told_at=timezone.now(), whom="Children missing education"
    )
    start = timezone.now() - datetime.timedelta(hours=3)
    episode = episodes.missing_episode_start(
        actor=dsl,
        pupil=world.pupil,
        missing_since=start,
        last_seen_at=start - datetime.timedelta(minutes=20),
        last_seen_details="Leaving the lesson",
    )
    for step, values in [
        ("parents_told", {"done_at": start + datetime.timedelta(minutes=1), "person": "Mother"}),
        ("social_worker_told", {"not_applicable": True}),
        ("police_reported", {"not_applicable": True, "notes": "Found within minutes"}),
        ("found", {"done_at": start + datetime.timedelta(hours=1), "person": "PC Jones",
                   "place": "Town centre"}),
    ]:  # fmt: skip
        episodes.missing_step_record(actor=dsl, episode=episode, step=step, **values)
    episodes.missing_episode_close(actor=dsl, episode=episode)
    episodes.missing_step_record(
        actor=dsl,
        episode=episode,
        step="return_interview",
        done_at=timezone.now() - datetime.timedelta(minutes=5),
        person="School nurse",
    )
    report = verify_chain(school_id=world.school.pk)
    assert report.ok, report.broken_records
    assert report.records_checked == 3 + 3  # the absence's three stages; reported, found, step
    bypassing_guards(
        "UPDATE concerns_missingepisodestep SET person = 'Nobody' WHERE episode_id = %s "
        "AND step = 'found'",
        [episode.pk],
    )
    (broken,) = verify_chain(school_id=world.school.pk).broken_records
    assert (broken.source_label, broken.source_id) == ("concerns.MissingEpisode", str(episode.pk))


def test_a_destroyed_file_still_verifies_and_a_live_record_beside_it_is_still_checked(
    world: World, categories
) -> None:
    """Destruction blanks the records' words and keeps their hashes: they are not re-hashed (the
    chain still checks their entries against the tombstone). A concern shared with a child whose
    file is kept has that child's part blank; the other child's own records are still checked."""
    sibling = PupilFactory(school=world.school, legal_first_name="Sibling")
    shared = _concern(world, categories, [world.pupil, sibling])
    _signed_dsl_record(world, _concern(world, categories))
    make_referral(world.users["dsl"], world.pupil)
    theirs = make_referral(world.users["dsl"], sibling)
    kept(world)
    assert run_at(after(DESTROY_ON)).destroyed == 1
    assert Concern.objects.get(pk=shared.pk).account  # the sibling's file still holds it
    report = verify_chain(school_id=world.school.pk)
    assert report.ok, report.broken_records
    # The destroyed child's four entries' records, and the sibling's entry for the shared concern.
    assert report.records_destroyed == 5
    assert report.records_checked == 1  # the sibling's own referral
    out = StringIO()
    call_command("verify_records", "--school", world.school.slug, stdout=out)
    assert "destroyed under retention, not re-hashed" in out.getvalue()
    bypassing_guards(
        "UPDATE referrals_referral SET reason = %s WHERE id = %s", ["No concern", theirs.pk]
    )
    (broken,) = verify_chain(school_id=world.school.pk).broken_records
    assert broken.source_id == str(theirs.pk)


def test_a_kind_of_record_nobody_checks_is_reported_not_passed(
    world: World, categories, monkeypatch: pytest.MonkeyPatch
) -> None:
    concern = _concern(world, categories)
    monkeypatch.delitem(sources._checks, "concerns.Concern")
    (broken,) = verify_chain(school_id=world.school.pk).broken_records
    assert (broken.source_id, broken.problem) == (str(concern.pk), UNCHECKABLE)
    assert [e.id for e in check_source_checks()] == ["chronology.E002"]


def test_every_signed_source_has_its_check_registered() -> None:
    assert check_source_checks() == []
    assert sorted(sources._checks) == sorted(sources.SIGNED_SOURCES)


def _queries_to_verify(school_id: int) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        report = verify_chain(school_id=school_id)
    assert report.ok, report.broken_records
    return [q["sql"] for q in context.captured_queries]


def test_the_checks_queries_do_not_grow_with_the_records(world: World, categories) -> None:
    def one_of_each() -> None:
        concern = _concern(world, categories)
        _signed_dsl_record(world, concern)
        concern_services.addendum_add(actor=world.users["dsl"], concern=concern, text="More")
        _done_action(world, concern)
        referral = make_referral(
            world.users["dsl"], world.pupil, concern=concern, made_at=timezone.now()
        )
        referral_services.referral_record_response(
            actor=world.users["dsl"],
            referral=referral,
            kind="acknowledged",
            occurred_at=timezone.now(),
            source="Hub duty desk",
        )

    one_of_each()
    few = _queries_to_verify(world.school.pk)
    for _ in range(4):
        one_of_each()
    many = _queries_to_verify(world.school.pk)
    assert verify_chain(school_id=world.school.pk).records_checked == 5 * 6
    assert len(many) == len(few), "\n".join(many)


def test_records_are_checked_in_batches_as_the_chain_is_read(
    world: World, categories, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small batches and chunks, so re-hashing runs while the chain is still being read."""
    from chronology.ledger import verification

    monkeypatch.setattr(verification, "RECORD_BATCH", 2)
    monkeypatch.setattr(verification, "CHAIN_CHUNK", 3)
    referrals = [
        make_referral(world.users["dsl"], world.pupil, made_at=timezone.now()) for _ in range(7)
    ]
    _concern(world, categories)
    assert verify_chain(school_id=world.school.pk).records_checked == 8
    for record in (referrals[2], referrals[5]):
        bypassing_guards(
            "UPDATE referrals_referral SET reason = %s WHERE id = %s", ["No concern", record.pk]
        )
    bypassing_guards("DELETE FROM chronology_chainhead WHERE school_id = %s", [world.school.pk])
    report = verify_chain(school_id=world.school.pk)
    assert report.problem == "the record of the chain's end is missing"
    assert [r.source_id for r in report.broken_records] == [
        str(referrals[2].pk),
        str(referrals[5].pk),
    ]
    assert report.records_checked == 6
