"""A risk assessment started from the pupil's page, not only from a concern (issue 20): the same
form and permissions, covering the pupil, with no concern."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from chronology.models import ChronologyEntry, EntryKind, RiskAssessment
from tests.support.world import World


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Online contact with an adult",
        "risks": "Messages from an adult met online",
        "measures": "Supervised use of school devices",
        "review_date": (timezone.localdate() + datetime.timedelta(days=14)).strftime("%d/%m/%Y"),
    }
    data.update(overrides)
    return data


def test_the_dsl_starts_a_risk_assessment_from_the_pupils_page(client: Any, world: World) -> None:
    client.force_login(world.users["deputy"])
    page = client.get(reverse("pupil-safeguarding", kwargs={"pk": world.pupil.pk})).content
    url = reverse("pupil-risk-assessment-add", kwargs={"pk": world.pupil.pk})
    assert url in page.decode()
    form = client.get(url)
    assert form.status_code == 200
    assert world.pupil.display_name in form.content.decode()
    assert AccessLog.objects.filter(what="new_risk_assessment", pupil=world.pupil).exists()
    response = client.post(url, _form(pupils=[str(world.pupil.pk)]))
    assessment = RiskAssessment.objects.get()
    assert response["Location"] == reverse("risk-assessment-detail", kwargs={"pk": assessment.pk})
    assert assessment.concern_id is None
    assert [c.pupil_id for c in assessment.covered.all()] == [world.pupil.pk]
    assert ChronologyEntry.objects.filter(
        pupil=world.pupil, kind=EntryKind.RISK_ASSESSMENT
    ).exists()


def test_errors_show_beside_the_fields_and_keep_what_was_typed(client: Any, world: World) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("pupil-risk-assessment-add", kwargs={"pk": world.pupil.pk})
    page = client.post(url, _form(title="", pupils=[str(world.pupil.pk)])).content.decode()
    assert "govuk-error-summary" in page
    assert "Enter a title" in page
    assert "Messages from an adult met online" in page
    assert not RiskAssessment.objects.exists()


def test_another_schools_pupil_cannot_be_slipped_in(client: Any, world: World) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("pupil-risk-assessment-add", kwargs={"pk": world.pupil.pk})
    client.post(url, _form(pupils=[str(world.other_pupil.pk)]))
    assert not RiskAssessment.objects.exists()


def test_staff_and_the_head_cannot_start_one(client: Any, world: World) -> None:
    url = reverse("pupil-risk-assessment-add", kwargs={"pk": world.pupil.pk})
    for role in ("staff", "head", "tso"):
        client.force_login(world.users[role])
        assert client.post(url, _form(pupils=[str(world.pupil.pk)])).status_code == 404, role
    assert not RiskAssessment.objects.exists()
