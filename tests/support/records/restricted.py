"""A restricted concern with every kind of record that comes from it, each carrying its own word,
so a test can look for that word on every page a person opens (issue 16, "Disclosure")."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from chronology import services as chronology_services
from concerns import services
from concerns.models import Action, Concern
from tests.concerns.conftest import draft
from tests.referrals.conftest import make_referral
from tests.support.factories import member
from tests.support.world import World

# One word per kind of text: where a word shows, the page says which record leaked.
WORDS = {
    "account": "Quokkaaccount",
    "addendum": "Quokkaaddendum",
    "part2": "Quokkapartwo",
    "action": "Quokkaaction",
    "done": "Quokkadone",
    "referral": "Quokkareferral",
    "risk": "Quokkarisk",
    "correction": "Quokkacorrection",
}


@dataclass
class Restricted:
    concern: Concern
    deputy_action: Action
    staff_action: Action


def _part_2() -> dict:
    return {
        "actions": ["referral_social_care"],
        "action_reasons": f"{WORDS['part2']} reasons",
        "level_of_need": "specialist",
        "level_of_need_reason": "Risk of significant harm",
        "parents_informed": False,
        "parents_informed_reason": "It could place the child at greater risk",
        "outcome": f"{WORDS['part2']} outcome",
        "cp_file_decision": "no",
        "cp_file_reason": "Held on the concern",
    }


def restricted_concern(world: World, categories: dict) -> Restricted:
    """A concern written by a teacher (not the world's staff member), on which the DSL writes
    Part 2, an addendum, a referral, a risk assessment and two actions (one for the deputy, done
    with a note; one for the world's staff member), then restricts it to the headteacher."""
    dsl, deputy, staff = world.users["dsl"], world.users["deputy"], world.users["staff"]
    teacher = member(world.school, "staff", email="teacher@alpha.example", full_name="Tess Teacher")
    concern = services.concern_submit(
        actor=teacher,
        concern=draft(teacher, [world.pupil], categories, account=f"{WORDS['account']} said"),
    )
    record = services.concern_open(actor=dsl, concern=concern)
    record = services.dsl_record_save(
        actor=dsl, record=record, values=_part_2(), expected_version=record.version
    )
    services.dsl_record_sign(actor=dsl, record=record, expected_version=record.version)
    services.addendum_add(actor=dsl, concern=concern, text=f"{WORDS['addendum']} from the DSL")
    due = timezone.localdate() + datetime.timedelta(days=2)
    deputy_action = services.action_assign(
        actor=dsl, concern=concern, description=f"{WORDS['action']} one", owner=deputy, due_on=due
    )
    services.action_complete(actor=deputy, action=deputy_action, note=f"{WORDS['done']} note")
    staff_action = services.action_assign(
        actor=dsl, concern=concern, description=f"{WORDS['action']} two", owner=staff, due_on=due
    )
    make_referral(
        dsl, world.pupil, concern=concern, made_at=timezone.now(), reason=f"{WORDS['referral']}"
    )
    chronology_services.risk_assessment_create(
        actor=dsl,
        school=world.school,
        concern=concern,
        pupils=[world.pupil],
        title=f"{WORDS['risk']} title",
        risks=f"{WORDS['risk']} risks",
        measures="Separate break times",
        review_date=timezone.localdate(),
    )
    addendum_entry = concern.addenda.get().pk
    from chronology.models import ChronologyEntry

    entry = ChronologyEntry.objects.get(source_id=str(addendum_entry))
    chronology_services.chronology_correct(
        actor=dsl, entry=entry, details=f"{WORDS['correction']} of the addendum's line"
    )
    services.concern_restrict(actor=dsl, concern=concern, named=[world.users["head"]])
    concern.refresh_from_db()
    return Restricted(concern=concern, deputy_action=deputy_action, staff_action=staff_action)


def words_in(body: str) -> list[str]:
    """The records whose word shows in a page."""
    return [kind for kind, word in WORDS.items() if word in body]
