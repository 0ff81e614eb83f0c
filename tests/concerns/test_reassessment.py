"""Re-assessment prompts (issue 20; docs/adr/0044): each trigger fires at its threshold and not
below it, the review is required to have reasons, is signed into the chronology and verifies, and
a new trigger after a review raises a new prompt."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from chronology.ledger.verification import verify_chain
from chronology.models import ChronologyEntry
from concerns import services
from concerns.models import (
    Concern,
    ReassessmentPrompt,
    ReassessmentReview,
    ReassessmentThresholds,
    ReassessmentThresholdsChange,
)
from referrals import services as referral_services
from tests.concerns.conftest import draft
from tests.referrals.conftest import make_referral
from tests.support.pages import error_beside, page_text
from tests.support.world import World

DAY = datetime.timedelta(days=1)
# A fixed start, well inside the range of dates the product accepts.
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)  # UTC: days of 24 hours


def submit(world: World, categories, at: datetime.datetime, pupils=None) -> Concern:
    with time_machine.travel(at, tick=False):
        concern = draft(world.users["staff"], pupils or [world.pupil], categories)
        return services.concern_submit(actor=world.users["staff"], concern=concern)


def decide(world: World, concern: Concern, at: datetime.datetime, actions: list[str]) -> None:
    dsl = world.users["dsl"]
    with time_machine.travel(at, tick=False):
        record = services.concern_open(actor=dsl, concern=concern)
        record = services.dsl_record_save(
            actor=dsl,
            record=record,
            values={
                "actions": actions,
                "action_reasons": "Explained by a family bereavement; staff told",
                "level_of_need": "universal",
                "level_of_need_reason": "No unmet need",
                "parents_informed": True,
                "parents_informed_reason": "Mother told at pick-up",
                "cp_file_decision": "no",
                "cp_file_reason": "No significant harm",
            },
            expected_version=record.version,
        )
        services.dsl_record_sign(actor=dsl, record=record, expected_version=record.version)


def outcome(world: World, at: datetime.datetime) -> None:
    dsl = world.users["dsl"]
    with time_machine.travel(at, tick=False):
        referral = make_referral(dsl, world.pupil, made_at=at - datetime.timedelta(hours=2))
        referral_services.referral_record_response(
            actor=dsl,
            referral=referral,
            kind="outcome",
            occurred_at=at,
            source="Team manager",
            outcome="nfa",
        )


def open_prompt(world: World) -> ReassessmentPrompt | None:
    return ReassessmentPrompt.objects.filter(pupil=world.pupil, review__isnull=True).first()


def kinds(world: World) -> set[str]:
    prompt = open_prompt(world)
    return {r["kind"] for r in prompt.reasons} if prompt else set()


def review(world: World, at: datetime.datetime, **values) -> ReassessmentReview:
    prompt = open_prompt(world)
    assert prompt is not None
    with time_machine.travel(at, tick=False):
        return services.reassessment_review_record(
            actor=world.users["dsl"],
            prompt=prompt,
            **({"outcome": "monitor", "reasons": "Seen the whole picture"} | values),
        )


# --- Trigger 1: new concerns after no further action ---------------------------------------------


def test_a_concern_after_no_further_action_within_the_window_prompts(world, categories) -> None:
    first = submit(world, categories, T0)
    decide(world, first, T0 + DAY, ["no_further_action"])
    assert open_prompt(world) is None
    submit(world, categories, T0 + 90 * DAY)  # 89 days after the decision: inside 90
    assert kinds(world) == {"after_nfa"}
    line = open_prompt(world).reason_lines()[0]
    assert line == "1 new concern since a decision of no further action on 3 March 2026"


def test_a_concern_after_the_window_or_after_another_decision_does_not(world, categories) -> None:
    first = submit(world, categories, T0)
    decide(world, first, T0 + DAY, ["no_further_action"])
    submit(world, categories, T0 + DAY + 90 * DAY + datetime.timedelta(minutes=1))
    assert open_prompt(world) is None
    # A decision that was not "no further action" prompts nothing either.
    other = submit(world, categories, T0 + 200 * DAY)
    decide(world, other, T0 + 201 * DAY, ["monitoring"])
    submit(world, categories, T0 + 202 * DAY)
    assert open_prompt(world) is None


def test_the_trust_sets_how_many_new_concerns_after_no_further_action(world, categories) -> None:
    ReassessmentThresholds.objects.create(trust=world.school.trust, after_nfa_concerns=2)
    first = submit(world, categories, T0)
    decide(world, first, T0 + DAY, ["no_further_action", "advice_to_staff"])
    submit(world, categories, T0 + 2 * DAY)
    assert open_prompt(world) is None  # 1 of 2
    submit(world, categories, T0 + 50 * DAY)
    assert kinds(world) == {"after_nfa"}


# --- Trigger 2: many concerns in a short time ---------------------------------------------------


def test_three_concerns_in_thirty_days_prompt_and_two_do_not(world, categories) -> None:
    submit(world, categories, T0)
    submit(world, categories, T0 + 10 * DAY)
    assert open_prompt(world) is None
    submit(world, categories, T0 + 30 * DAY)  # the first is exactly 30 days before: counted
    assert kinds(world) == {"many"}
    assert open_prompt(world).reason_lines() == ["3 concerns in 30 days, across all categories"]


def test_three_concerns_over_more_than_thirty_days_do_not(world, categories) -> None:
    submit(world, categories, T0)
    submit(world, categories, T0 + 10 * DAY)
    submit(world, categories, T0 + 30 * DAY + datetime.timedelta(minutes=1))
    assert open_prompt(world) is None


def test_another_pupils_concerns_are_not_counted(world, categories) -> None:
    from tests.support.factories import PupilFactory

    other = PupilFactory(school=world.school)
    submit(world, categories, T0, pupils=[other])
    submit(world, categories, T0 + DAY, pupils=[other])
    submit(world, categories, T0 + 2 * DAY)
    assert open_prompt(world) is None


# --- Trigger 3: a new concern after a referral's outcome ----------------------------------------


def test_a_concern_after_a_referrals_outcome_prompts_within_the_window(world, categories) -> None:
    outcome(world, T0)
    submit(world, categories, T0 + 180 * DAY)
    assert kinds(world) == {"after_referral"}


def test_a_concern_after_the_referral_window_does_not(world, categories) -> None:
    outcome(world, T0)
    submit(world, categories, T0 + 180 * DAY + datetime.timedelta(minutes=1))
    assert open_prompt(world) is None


# --- The review ---------------------------------------------------------------------------------


def test_review_needs_a_decision_and_reasons_and_only_a_manager_records_it(
    world, categories
) -> None:
    outcome(world, T0)
    submit(world, categories, T0 + DAY)
    prompt = open_prompt(world)
    with pytest.raises(ValidationError) as error:
        services.reassessment_review_record(
            actor=world.users["dsl"], prompt=prompt, outcome="", reasons="   "
        )
    assert error.value.message_dict == {
        "outcome": ["Choose the decision of your review"],
        "reasons": ["Enter the reasons for your decision"],
    }
    for role in ("head", "staff", "other_dsl"):
        with pytest.raises(PermissionDenied):
            services.reassessment_review_record(
                actor=world.users[role], prompt=prompt, outcome="monitor", reasons="x"
            )


def test_review_is_signed_into_the_chronology_closes_the_prompt_and_verifies(
    world, categories
) -> None:
    outcome(world, T0)
    submit(world, categories, T0 + DAY)
    done = review(world, T0 + 2 * DAY, outcome="escalate", reasons="Outcome does not fit")
    assert open_prompt(world) is None
    assert done.signer_role == "Designated Safeguarding Lead"
    entry = ChronologyEntry.objects.get(source_id=done.pk)
    assert entry.kind == "reassessment_review"
    assert entry.significant
    assert entry.source_hash == done.content_hash
    assert "Escalate or challenge the outcome" in entry.details
    assert verify_chain(school_id=world.school.pk).ok
    # Never changed afterwards: the database refuses, and the chain would see it.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReassessmentReview.objects.filter(pk=done.pk).update(reasons="rewritten")
    with pytest.raises(ValidationError):
        services.reassessment_review_record(
            actor=world.users["dsl"], prompt=done.prompt, outcome="monitor", reasons="again"
        )


def test_a_changed_review_is_found_by_verification(world, categories) -> None:
    from tests.support.guards import bypassing_guards

    outcome(world, T0)
    submit(world, categories, T0 + DAY)
    done = review(world, T0 + 2 * DAY)
    bypassing_guards(
        "UPDATE concerns_reassessmentreview SET reasons = %s WHERE id = %s",
        ["nothing to see", done.pk],
    )
    report = verify_chain(school_id=world.school.pk)
    assert not report.ok


def test_a_new_trigger_after_the_review_prompts_again(world, categories) -> None:
    for n in range(3):
        submit(world, categories, T0 + n * DAY)
    assert kinds(world) == {"many"}
    review(world, T0 + 3 * DAY)
    # The concerns before the review are answered by it: one more is not yet "many".
    submit(world, categories, T0 + 4 * DAY)
    assert open_prompt(world) is None
    submit(world, categories, T0 + 5 * DAY)
    submit(world, categories, T0 + 6 * DAY)
    assert kinds(world) == {"many"}
    assert ReassessmentPrompt.objects.filter(pupil=world.pupil).count() == 2


def test_a_second_trigger_adds_to_the_open_prompt(world, categories) -> None:
    first = submit(world, categories, T0)
    decide(world, first, T0 + DAY, ["no_further_action"])
    submit(world, categories, T0 + 2 * DAY)
    submit(world, categories, T0 + 3 * DAY)
    assert kinds(world) == {"after_nfa", "many"}
    assert ReassessmentPrompt.objects.filter(pupil=world.pupil).count() == 1


# --- Thresholds ---------------------------------------------------------------------------------


def test_only_the_tso_sets_thresholds_and_each_change_is_recorded(world) -> None:
    values = {
        "after_nfa_concerns": 2,
        "after_nfa_days": 60,
        "many_concerns": 4,
        "many_days": 30,
        "after_referral_days": 180,
    }
    with pytest.raises(PermissionDenied):
        services.thresholds_save(actor=world.users["dsl"], trust=world.school.trust, **values)
    services.thresholds_save(actor=world.users["tso"], trust=world.school.trust, **values)
    change = ReassessmentThresholdsChange.objects.get(trust=world.school.trust)
    assert change.detail == (
        "New concerns after no further action: 1 to 2; Days after no further action: 90 to 60; "
        "Concerns in a short time: 3 to 4"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReassessmentThresholdsChange.objects.filter(pk=change.pk).update(detail="x")


def test_thresholds_form_says_what_is_wrong_beside_each_field(client, world) -> None:
    client.force_login(world.users["tso"])
    url = reverse("reassessment-thresholds")
    response = client.post(
        url,
        {
            "after_nfa_concerns": "0",
            "after_nfa_days": "ninety",
            "many_concerns": "",
            "many_days": "400",
            "after_referral_days": "<b>7</b>",
        },
    )
    assert response.status_code == 200
    body = page_text(response)
    assert "There is a problem" in body
    error_beside(
        body,
        "after_nfa_concerns",
        "The number of new concerns after no further action must be a whole number between 1 "
        "and 20",
    )
    error_beside(
        body,
        "after_nfa_days",
        "The number of days after no further action must be a whole number between 1 and 365",
    )
    error_beside(body, "many_concerns", "Enter the number of concerns")
    error_beside(body, "many_days", "between 1 and 365")
    error_beside(body, "after_referral_days", "between 1 and 365")
    assert 'href="#id_after_nfa_days"' in body
    assert 'value="ninety"' in body  # nothing typed is lost
    assert "<b>7</b>" not in body
    assert not ReassessmentThresholds.objects.exists()
    response = client.post(
        url,
        {
            "after_nfa_concerns": "1",
            "after_nfa_days": "60",
            "many_concerns": "3",
            "many_days": "30",
            "after_referral_days": "180",
        },
    )
    assert response.status_code == 302
    assert ReassessmentThresholds.objects.get(trust=world.school.trust).after_nfa_days == 60
    assert "Days after no further action: 90 to 60" in page_text(client.get(url))
    client.force_login(world.users["dsl"])
    assert client.get(url).status_code == 403


# --- Pages --------------------------------------------------------------------------------------


def test_review_form_needs_reasons_and_shows_where_the_prompt_is(client, world, categories) -> None:
    outcome(world, T0)
    submit(world, categories, T0 + DAY)
    prompt = open_prompt(world)
    client.force_login(world.users["dsl"])
    for url in (
        reverse("triage-inbox"),
        reverse("pupil-safeguarding", args=[world.pupil.pk]),
        reverse("school-dashboard"),
        reverse("reassessment-list"),
    ):
        body = page_text(client.get(url))
        assert "1 new concern since a referral" in body, url
        assert reverse("reassessment-review", args=[prompt.pk]) in body, url
    url = reverse("reassessment-review", args=[prompt.pk])
    response = client.post(url, {"outcome": "monitor", "reasons": "  "})
    body = page_text(response)
    assert "There is a problem" in body
    error_beside(body, "reasons", "Enter the reasons for your decision")
    assert 'value="monitor" checked' in body
    response = client.post(url, {"outcome": "early_help", "reasons": "Family agrees <script>"})
    assert response.status_code == 302
    body = page_text(client.get(response["Location"]))
    assert "Re-assessment review of the whole picture: Early help" in body
    assert 'data-testid="reassessment-prompt"' not in body
    assert client.get(url).status_code == 404  # reviewed: closed


def test_governor_sees_the_count_and_tso_the_counts_by_school(client, world, categories) -> None:
    outcome(world, T0)
    submit(world, categories, T0 + DAY)
    client.force_login(world.users["governor"])
    body = page_text(client.get(reverse("school-dashboard")))
    assert "1 waiting for the DSL's review" in body
    assert world.pupil.display_name not in body
    client.force_login(world.users["tso"])
    body = page_text(client.get(reverse("trust-dashboard")))
    assert 'data-testid="prompts-alpha">1<' in body


def test_a_restricted_concern_keeps_its_prompt_from_a_deputy_not_named(
    client, world, categories
) -> None:
    concerns = [submit(world, categories, T0 + n * DAY) for n in range(3)]
    services.concern_restrict(actor=world.users["dsl"], concern=concerns[0], named=[])
    prompt = open_prompt(world)
    client.force_login(world.users["deputy"])
    for url in (reverse("triage-inbox"), reverse("pupil-safeguarding", args=[world.pupil.pk])):
        body = page_text(client.get(url))
        assert "3 concerns in 30 days" not in body, url
    assert client.get(reverse("reassessment-review", args=[prompt.pk])).status_code == 404
    client.force_login(world.users["dsl"])
    assert "3 concerns in 30 days" in page_text(client.get(reverse("triage-inbox")))


# --- Query counts: the prompts cost the same whatever their number -------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("triage-inbox", 24), ("school-dashboard", 31), ("reassessment-list", 16)],
)
def test_pages_with_prompts_take_a_fixed_number_of_queries(
    client, world, categories, assert_constant_queries, name, expected
) -> None:
    from tests.support.factories import PupilFactory

    def prompts(n: int) -> None:
        for _ in range(n):
            pupil = PupilFactory(school=world.school)
            concern = submit(world, categories, timezone.now() - DAY, pupils=[pupil])
            prompt = ReassessmentPrompt.objects.create(
                school=world.school,
                pupil=pupil,
                raised_at=timezone.now(),
                reasons=[{"kind": "many", "count": 3, "days": 30}],
            )
            prompt.concerns.add(concern, through_defaults={"school": world.school})

    prompts(5)  # as many as the inbox and dashboard name: from here on they count the rest
    client.force_login(world.users["dsl"])
    assert_constant_queries(
        reverse(name), grow=lambda: prompts(3), expected=expected, marker="Record a review"
    )


def test_pupil_page_with_a_prompt_takes_a_fixed_number_of_queries(
    client, world, categories, django_assert_max_num_queries
) -> None:
    for n in range(3):
        submit(world, categories, T0 + n * DAY)
    client.force_login(world.users["dsl"])
    url = reverse("pupil-safeguarding", args=[world.pupil.pk])
    client.get(url)
    with django_assert_max_num_queries(33):
        assert "Record your review decision" in page_text(client.get(url))
