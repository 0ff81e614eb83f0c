"""What the roll's pages say about dates and start with: GOV.UK dates, a leaving date still to
come, one message for a future date of birth, and every characteristic starting at "Not
recorded"."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from roll import rules
from roll.services import pupil_problems
from tests.support.roll import details, error_beside, form_data, summary_links
from tests.support.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client: Any, world: World) -> Any:
    client.force_login(world.users["admin"])
    return client


def test_a_leaving_date_still_to_come_says_leaving_on(admin: Any, world: World) -> None:
    later = timezone.localdate() + datetime.timedelta(days=30)
    world.pupil.left_on = later
    world.pupil.save()
    words = f"{later.day} {later:%B %Y}"
    listed = admin.get(reverse("pupil-list")).content.decode()
    tag = listed.split('data-testid="leaving-tag">', 1)[1].split("<", 1)[0]
    assert tag == f"Leaving on {words}"
    detail = admin.get(reverse("pupil-detail", kwargs={"pk": world.pupil.pk})).content.decode()
    assert re.search(
        rf'<dt class="govuk-summary-list__key">Leaving on</dt><dd [^>]*>{words}</dd>', detail
    )


def test_a_leaving_date_gone_by_says_left(admin: Any, world: World) -> None:
    earlier = timezone.localdate() - datetime.timedelta(days=3)
    world.pupil.left_on = earlier
    world.pupil.save()
    listed = admin.get(reverse("pupil-list"), {"include_left": "on"}).content.decode()
    tag = listed.split('data-testid="leaving-tag">', 1)[1].split("<", 1)[0]
    assert tag == f"Left {earlier.day} {earlier:%B %Y}"
    detail = admin.get(reverse("pupil-detail", kwargs={"pk": world.pupil.pk})).content.decode()
    assert '<dt class="govuk-summary-list__key">Left</dt>' in detail


def test_a_future_date_of_birth_is_told_once(admin: Any, world: World) -> None:
    future = timezone.localdate() + datetime.timedelta(days=40)
    html = admin.post(
        reverse("pupil-add"),
        form_data(
            date_of_birth_day=str(future.day),
            date_of_birth_month=str(future.month),
            date_of_birth_year=str(future.year),
        ),
    ).content.decode()
    assert error_beside(html, "date_of_birth") == "The date of birth must be in the past"
    assert summary_links(html) == ["id_date_of_birth_day"]
    problems = pupil_problems(
        school=world.school,
        fields=details(date_of_birth=future),
        today=timezone.localdate(),
    )
    assert list(problems) == ["date_of_birth"]


@pytest.mark.parametrize(
    ("year_group", "words"), [("R", "too old for Reception"), ("11", "too young for Year 11")]
)
def test_a_date_of_birth_out_of_its_year_group_says_too_young_or_too_old(
    year_group: str, words: str
) -> None:
    today = datetime.date(2026, 12, 5)
    message = rules.date_of_birth_problem(
        datetime.date(2017, 11, 12), year_group=year_group, today=today
    )
    assert message == (
        f"A pupil born on 12 November 2017 is {words}: check the date of birth or the year group"
    )


def test_every_characteristic_starts_at_not_recorded(admin: Any) -> None:
    html = admin.get(reverse("pupil-add")).content.decode()
    for name in ("gender", "sen_provision", "fsm_eligible", "pupil_premium", "looked_after"):
        checked = re.findall(rf'<input[^>]*name="{name}"[^>]*checked[^>]*>', html)
        assert len(checked) == 1, name
        label_for = re.search(r'id="([^"]+)"', checked[0])
        assert label_for
        label = re.search(rf'for="{label_for.group(1)}">([^<]*)</label>', html)
        assert label
        assert label.group(1) == "Not recorded", name
