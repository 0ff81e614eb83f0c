"""Who sees allegations and low-level concerns: decided in one place, tested role by role."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from allegations import selectors, services
from allegations.models import Allegation, LowLevelConcern
from safeguard.access import forget_access
from safeguard.workdays import LONDON
from schools.models import SchoolMembership
from tests.allegations.conftest import allegation, low_level
from tests.support.factories import member
from tests.support.world import ALL_ROLES, World

NEVER = ["staff", "dsl", "deputy", "admin", "governor", "other_dsl"]


def _visible(actor) -> set:
    return set(Allegation.objects.filter(selectors.allegation_visible_q(actor)))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_head_and_the_tso_see_an_allegation_about_staff(world: World, role: str) -> None:
    a = allegation(world.users["head"], world.school)
    concern = low_level(world.users["head"], world.school)
    expected = role in {"head", "tso"}
    assert (_visible(world.users[role]) == {a}) is expected
    assert _visible(world.users[role]) in ({a}, set())
    visible_llc = LowLevelConcern.objects.filter(selectors.low_level_visible_q(world.users[role]))
    assert list(visible_llc) == ([concern] if expected else [])


def test_about_the_headteacher_it_is_hidden_from_the_head_even_when_named(world: World) -> None:
    tso, head, chair = world.users["tso"], world.users["head"], world.users["governor"]
    a = allegation(tso, world.school, subject_type="headteacher", named=[(chair, "Chair")])
    assert _visible(tso) == {a}
    assert _visible(chair) == {a}
    assert _visible(head) == set()
    # Even a row naming the head (written behind the service's back) does not show it to them.
    a.named_people.create(school=world.school, user=head, added_by=tso)
    assert _visible(head) == set()
    concern = low_level(tso, world.school, subject_type="headteacher")
    assert not LowLevelConcern.objects.filter(selectors.low_level_visible_q(head)).exists()
    assert LowLevelConcern.objects.filter(selectors.low_level_visible_q(tso)).get() == concern


def test_a_named_person_sees_only_while_they_work_in_the_school(world: World) -> None:
    head, deputy = world.users["head"], world.users["deputy"]
    a = allegation(head, world.school)
    allegation(head, world.school, subject_name="Someone Else")  # not named on this one
    services.allegation_name_person(actor=head, allegation=a, user=deputy)
    assert _visible(deputy) == {a}
    assert selectors.is_named_in(actor=deputy, school=world.school)
    assert not LowLevelConcern.objects.filter(selectors.low_level_visible_q(deputy)).exists()
    SchoolMembership.objects.filter(user=deputy).delete()
    from guardian.models import UserObjectPermission

    UserObjectPermission.objects.filter(user=deputy).delete()
    forget_access(deputy)
    assert _visible(deputy) == set()


def test_the_adult_it_is_about_never_sees_it(world: World) -> None:
    tso = world.users["tso"]
    other_head = member(world.school, "head", email="second-head@alpha.example")
    a = allegation(tso, world.school, subject_user=other_head)
    assert _visible(other_head) == set()
    assert _visible(world.users["head"]) == {a}


def test_another_schools_head_and_tso_see_nothing(world: World) -> None:
    allegation(world.users["head"], world.school)
    low_level(world.users["head"], world.school)
    other_head = member(world.other_school, "head", email="head@beta.example")
    assert _visible(other_head) == set()
    assert not selectors.low_level_list_for(actor=other_head, school=world.school).exists()
    assert selectors.allegation_list_for(actor=other_head, school=world.school).open == []


def test_list_puts_overdue_first_then_by_deadline_then_closed(world: World) -> None:
    head = world.users["head"]
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, tzinfo=LONDON), tick=False):
        told = allegation(
            head, world.school, subject_name="Told", reported_at=timezone.now().replace(hour=9)
        )
        services.allegation_lado_contact(
            actor=head, allegation=told, contacted_at=timezone.now(), officer="Kim"
        )
        fresh = allegation(head, world.school, subject_name="Fresh")
        overdue = allegation(
            head,
            world.school,
            subject_name="Overdue",
            reported_at=timezone.now() - datetime.timedelta(days=7),
        )
        closed = allegation(head, world.school, subject_name="Closed")
        services.allegation_outcome(
            actor=head,
            allegation=closed,
            outcome="false",
            outcome_date=timezone.localdate(),
            notes="Withdrawn.",
        )
        lists = selectors.allegation_list_for(actor=head, school=world.school)
    assert lists.open == [overdue, fresh, told]
    assert lists.closed == [closed]


def test_patterns_count_low_level_concerns_per_adult(world: World) -> None:
    head = world.users["head"]
    first = low_level(head, world.school, subject_name="Morgan Example")
    low_level(head, world.school, subject_name="morgan  example")
    low_level(head, world.school, subject_name="Other Person")
    allegation(head, world.school, low_level=first)
    patterns = selectors.low_level_patterns_for(actor=head, school=world.school)
    assert [(p.subject_key, p.count, p.escalated) for p in patterns] == [
        ("morgan example", 2, 1),
        ("other person", 1, 0),
    ]
    assert selectors.low_level_patterns_for(actor=world.users["dsl"], school=world.school) == []


@pytest.mark.parametrize("role", NEVER)
def test_handlers_lists_exclude_everyone_else(world: World, role: str) -> None:
    assert not selectors.sees_allegations_in(actor=world.users[role], school=world.school)
