"""Each app declares its narrative fields; destruction blanks exactly those, and a text field that
is neither declared nor kept fails start-up (transfers.E001), so new words cannot survive."""

from __future__ import annotations

import pytest
from django.core.checks.registry import registry
from django.core.management import call_command
from django.db import models
from django.test.utils import isolate_apps

from chronology.models import ChronologyEntry
from concerns.models import Concern
from referrals.models import Referral
from transfers.retention.checks import check_narrative_is_blanked, narrative_problems
from transfers.retention.guards import BLANKED
from transfers.retention.narrative import KEPT, NARRATIVE

# The hard-coded list transfers/guards.py held before each app declared its own (commit 5ea7712),
# table by table, in order: the apps' declarations must give the same columns.
BLANKED_BEFORE: dict[str, tuple[str, ...]] = {
    "chronology_chronologyentry": ("details", "people_involved"),
    "chronology_cpfile": ("open_reason", "close_reason"),
    "chronology_pupilstatus": ("lead_professional", "lead_professional_contact", "notes"),
    "chronology_riskassessment": (
        "title",
        "risks",
        "measures",
        "other_pupils_considered",
        "other_contributors",
    ),
    "chronology_riskassessmentreview": ("notes",),
    "concerns_concern": (
        "location",
        "reason_for_recording",
        "account",
        "professional_opinion",
        "actions_taken",
        "other_information",
        "source_link",  # issue 17: the link back to a system's alert, declared since
    ),
    "concerns_concernpupil": (
        "involvement_other",
        "pupil_legal_name",
        "pupil_known_as",
        "pupil_upn",
        "pupil_registration_group",
    ),
    "concerns_involvementcategory": ("label",),
    "concerns_bodymapmark": ("description",),
    "concerns_attachment": ("file", "original_name"),
    "concerns_addendum": ("text",),
    "concerns_dslrecord": (
        "received_from",
        "action_reasons",
        "action_details",
        "level_of_need_reason",
        "parents_informed_reason",
        "outcome",
        "outcome_given_by",
        "information_held_elsewhere",
        "cp_file_reason",
    ),
    "concerns_advicesought": ("advice",),
    "concerns_action": ("description", "done_note"),
    "concerns_missingepisode": ("last_seen_details", "circumstances"),
    "concerns_missingepisodestep": ("notes", "person", "place"),
    "concerns_continuousabsence": (
        "contact_attempts",
        "reason_known",
        "end_reason",
        "la_told_whom",
    ),
    "concerns_reassessmentreview": ("reasons",),  # issue 20: a re-assessment's reasons, since
    "referrals_referral": ("spoken_to", "reason", "parents_reason"),
    "referrals_referralupdate": ("notes",),
}


def test_the_declared_narrative_blanks_the_same_columns_as_before() -> None:
    assert list(BLANKED.items()) == list(BLANKED_BEFORE.items())


def test_every_app_with_cp_records_declares_its_own() -> None:
    assert {model._meta.app_label for model in NARRATIVE} == {
        "chronology",
        "concerns",
        "referrals",
    }
    assert set(KEPT) <= set(NARRATIVE)
    assert all(reason.strip() for fields in KEPT.values() for reason in fields.values())


def test_the_real_models_pass_and_the_check_is_registered() -> None:
    assert check_narrative_is_blanked() == []
    assert check_narrative_is_blanked in registry.get_checks()
    call_command("check", "--fail-level", "ERROR")


@isolate_apps("concerns")
def test_a_text_field_neither_blanked_nor_kept_is_an_error() -> None:
    class Note(models.Model):
        school = models.ForeignKey("schools.School", on_delete=models.PROTECT)
        reference = models.CharField(max_length=20)
        words = models.TextField()
        seen = models.DateField()

        class Meta:
            app_label = "concerns"

    kept = {Note: {"reference": "the school's reference"}}
    errors = narrative_problems([Note], narrative={}, kept=kept)
    assert [(e.id, e.msg) for e in errors] == [
        (
            "transfers.E001",
            "concerns.Note.words is neither blanked on destruction nor listed as kept.",
        )
    ]
    assert narrative_problems([Note], narrative={Note: ("words",)}, kept=kept) == []


def test_a_new_narrative_field_on_a_real_model_fails_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Someone adds a text field to Concern and forgets concerns/retention.py."""
    field = models.TextField()
    field.set_attributes_from_name("safeguarding_summary")
    field.model = Concern
    monkeypatch.setattr(Concern._meta, "concrete_fields", (*Concern._meta.concrete_fields, field))

    errors = check_narrative_is_blanked()

    assert [(e.id, e.obj) for e in errors] == [("transfers.E001", Concern)]
    assert "concerns.Concern.safeguarding_summary" in errors[0].msg


def test_a_field_dropped_from_the_declaration_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(NARRATIVE, Referral, ("spoken_to", "parents_reason"))
    errors = check_narrative_is_blanked()
    assert [e.msg for e in errors] == [
        "referrals.Referral.reason is neither blanked on destruction nor listed as kept."
    ]


def test_a_declared_name_that_is_not_a_field_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(NARRATIVE, ChronologyEntry, (*NARRATIVE[ChronologyEntry], "detials"))
    assert [e.id for e in check_narrative_is_blanked()] == ["transfers.E002"]
