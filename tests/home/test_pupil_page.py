"""The pupil page (`home`): the pupil, the characteristics for those who may see them, one 404."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.support.world import World


@pytest.fixture
def signed_in_dsl(client, world: World):
    client.force_login(world.users["dsl"])
    return client


def _names(response) -> str:
    return response.content.decode()


def test_pupil_page_shows_the_pupil(signed_in_dsl, world: World) -> None:
    page = _names(signed_in_dsl.get(reverse("pupil-detail", kwargs={"pk": world.pupil.pk})))
    assert "Aaliyah Alphason" in page
    assert "14 March 2015" in page  # UK date format


def test_malformed_or_unknown_pupil_id_is_404(signed_in_dsl, world: World) -> None:
    response = signed_in_dsl.get("/pupils/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "Page not found" in _names(response)


def _characteristics(body: str) -> dict[str, str]:
    rows = re.findall(
        r'data-testid="characteristic"><dt class="govuk-summary-list__key">(.*?)</dt>'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        body,
    )
    return dict(rows)


@pytest.mark.parametrize("role", ["admin", "dsl"])
def test_the_pupil_page_shows_the_characteristics_to_roll_keepers_and_cp_readers(
    client,
    world: World,
    role: str,
) -> None:
    pupil = world.pupil
    pupil.gender, pupil.ethnicity, pupil.sen_provision = "F", "WBRI", "K"
    pupil.fsm_eligible, pupil.pupil_premium, pupil.looked_after = True, False, None
    pupil.admission_number = "A0042"
    pupil.save()
    client.force_login(world.users[role])
    body = client.get(reverse("pupil-detail", kwargs={"pk": pupil.pk})).content.decode()
    shown = _characteristics(body)
    assert shown["Gender"] == "Female"
    assert shown["Ethnicity"] == "White - British (WBRI)"
    assert shown["Special educational needs (SEN) provision"] == pupil.get_sen_provision_display()
    assert shown["Eligible for free school meals"] == "Yes"
    assert shown["Pupil premium"] == "No"
    assert shown["Looked after (as the MIS records it)"] == "Not recorded"
    assert shown["Admission number"] == "A0042"


def test_other_staff_do_not_see_the_characteristics(client, world: World) -> None:
    world.pupil.ethnicity, world.pupil.fsm_eligible = "WBRI", True
    world.pupil.save()
    client.force_login(world.users["staff"])
    response = client.get(reverse("pupil-detail", kwargs={"pk": world.pupil.pk}))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.pupil.legal_last_name in body
    assert _characteristics(body) == {}
    assert "free school meals" not in body
    assert "White - British" not in body
