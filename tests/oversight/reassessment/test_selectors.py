"""The re-assessment thresholds page's reads: the trust the person sets thresholds for, and its
history of changes, only ever their own trust's."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from concerns import services
from oversight.reassessment.selectors import thresholds_history_for, thresholds_trust_for
from tests.support.world import World

pytestmark = pytest.mark.django_db

VALUES = {
    "after_nfa_concerns": 2,
    "after_nfa_days": 60,
    "many_concerns": 4,
    "many_days": 30,
    "after_referral_days": 180,
}


def test_only_the_tso_gets_the_acting_schools_trust(world: World) -> None:
    tso = world.users["tso"]
    assert thresholds_trust_for(actor=tso, school=world.school) == world.school.trust
    for actor, school in [
        (tso, None),  # no acting school
        (tso, world.other_school),  # a school of another trust
        (world.users["dsl"], world.school),  # a school role, not the trust's officer
        (world.users["head"], world.school),
    ]:
        with pytest.raises(PermissionDenied):
            thresholds_trust_for(actor=actor, school=school)


def test_the_history_is_of_the_actors_own_trust_only(world: World) -> None:
    trust = world.school.trust
    services.thresholds_save(actor=world.users["tso"], trust=trust, **VALUES)
    history = thresholds_history_for(actor=world.users["tso"], trust=trust)
    assert [change.trust_id for change in history] == [trust.pk]
    # Asked for a trust they do not keep: nothing, not its history.
    assert thresholds_history_for(actor=world.users["other_dsl"], trust=trust) == []
    assert thresholds_history_for(actor=world.users["dsl"], trust=trust) == []


def test_the_history_shows_the_latest_changes_first(world: World) -> None:
    trust = world.school.trust
    for days in (60, 61, 62):
        services.thresholds_save(
            actor=world.users["tso"], trust=trust, **(VALUES | {"after_nfa_days": days})
        )
    history = thresholds_history_for(actor=world.users["tso"], trust=trust, limit=2)
    assert [change.detail.split(": ")[-1] for change in history] == ["61 to 62", "60 to 61"]
