"""Each app declares its narrative fields; destruction blanks exactly those, and a text field that
is neither declared nor kept fails start-up (transfers.E001), so new words cannot survive; nor can
a model linked to a child's file that destruction does not reach and no one said why
(transfers.E003)."""

from __future__ import annotations

import pytest
from django.core.checks.registry import registry
from django.core.management import call_command
from django.db import models
from django.test.utils import isolate_apps

from chronology.models import ChronologyEntry
from concerns.models import Concern
from contacts.models import FamilyContactChange
from referrals.models import Referral
from schools.models import Pupil
from transfers.models import Transfer
from transfers.retention.checks import (
    _destroyed_models,
    check_linked_models_are_destroyed,
    check_narrative_is_blanked,
    coverage_problems,
    narrative_problems,
)
from transfers.retention.guards import BLANKED
from transfers.retention.narrative import KEPT, NARRATIVE, NOT_DESTROYED

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
# Issue 15 review: the child-linked tables destruction had not reached (transfers.E003 found
# them), and the export's columns it blanked by hand.
BLANKED_SINCE: dict[str, tuple[str, ...]] = {
    "transfers_export": ("pdf", "bundle", "error"),
    "transfers_transfer": ("sent_note", "rejection_reason", "cancel_reason"),
    "transfers_incomingtransfer": ("pdf", "bundle", "rejection_reason", "withdrawn_reason"),
    "contacts_familycontact": ("restrictions", "notes"),
    "contacts_familycontactchange": ("values",),
    "oversight_qareview": ("feedback",),
    "oversight_qaresponse": ("text",),
}


def test_the_declared_narrative_blanks_the_same_columns_as_before_and_the_new_ones() -> None:
    assert BLANKED == BLANKED_BEFORE | BLANKED_SINCE


def test_every_app_with_cp_records_declares_its_own() -> None:
    assert {model._meta.app_label for model in NARRATIVE} == {
        "chronology",
        "concerns",
        "referrals",
        "contacts",
        "transfers",
        "oversight",
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


# Every model linked to a child's file is destroyed or says why not (transfers.E003) -----------


def test_the_real_models_are_all_covered_and_the_check_is_registered() -> None:
    assert check_linked_models_are_destroyed() == []
    assert check_linked_models_are_destroyed in registry.get_checks()
    # The review's findings are destroyed now, not merely listed.
    labels = {model._meta.label for model in _destroyed_models()}
    assert {
        "transfers.Transfer",
        "transfers.IncomingTransfer",
        "transfers.Export",
        "contacts.FamilyContact",
        "oversight.QaReview",
        "oversight.QaResponse",
    } <= labels
    assert not labels & set(NOT_DESTROYED)


@isolate_apps("concerns")
def test_a_new_child_linked_model_nobody_declared_is_an_error() -> None:
    class Sighting(models.Model):
        pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT)
        seen = models.DateField()

        class Meta:
            app_label = "concerns"

    class SightingNote(models.Model):  # linked through Sighting, not to the pupil directly
        sighting = models.ForeignKey(Sighting, on_delete=models.PROTECT)

        class Meta:
            app_label = "concerns"

    class Unrelated(models.Model):
        name = models.CharField(max_length=20)

        class Meta:
            app_label = "concerns"

    models_ = [Sighting, SightingNote, Unrelated]
    errors = coverage_problems(models_, destroyed=[], not_destroyed={}, roots=[Pupil])
    assert [(e.id, e.obj) for e in errors] == [
        ("transfers.E003", Sighting),
        ("transfers.E003", SightingNote),
    ]
    assert errors[0].msg == (
        "concerns.Sighting is linked to a child's file but destruction neither blanks it nor "
        "says why it stays."
    )
    why = {"concerns.Sighting": "dates only", "concerns.SightingNote": "a link"}
    assert coverage_problems(models_, destroyed=[], not_destroyed=why, roots=[Pupil]) == []
    # Destroyed counts too (and then its text fields are transfers.E001's).
    assert (
        coverage_problems(
            models_,
            destroyed=[Sighting],
            not_destroyed={"concerns.SightingNote": "a link"},
            roots=[Pupil],
        )
        == []
    )


def test_a_real_model_taken_off_the_list_fails_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(NOT_DESTROYED, "audit.AccessLog")
    errors = check_linked_models_are_destroyed()
    assert [(e.id, e.obj._meta.label) for e in errors] == [("transfers.E003", "audit.AccessLog")]


def test_a_stale_or_unexplained_entry_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(NOT_DESTROYED, "contacts.FamilyContact", "destroyed after all")
    monkeypatch.setitem(NOT_DESTROYED, "contacts.NoSuchModel", "gone")
    monkeypatch.setitem(NOT_DESTROYED, "transfers.Retention", " ")
    errors = check_linked_models_are_destroyed()
    assert sorted(e.msg.split(" lists ")[1].split(",")[0] for e in errors) == [
        "contacts.FamilyContact",
        "contacts.NoSuchModel",
        "transfers.Retention",
    ]
    assert {e.id for e in errors} == {"transfers.E004"}


def test_a_new_text_field_on_a_newly_covered_model_fails_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """transfers.E001 now sees the models E003 brought in: a transfer's new free text."""
    field = models.TextField()
    field.set_attributes_from_name("handover_note")
    field.model = Transfer
    monkeypatch.setattr(Transfer._meta, "concrete_fields", (*Transfer._meta.concrete_fields, field))
    errors = check_narrative_is_blanked()
    assert [(e.id, e.obj) for e in errors] == [("transfers.E001", Transfer)]
    assert "transfers.Transfer.handover_note" in errors[0].msg


def test_a_json_field_on_a_destroyed_model_must_be_declared_too() -> None:
    """Words kept in a JSON list (a restriction's old and new words in the contacts' history)
    are narrative as much as a text field's: an undeclared one fails start-up."""
    errors = narrative_problems([FamilyContactChange], narrative={}, kept={})
    assert "contacts.FamilyContactChange.values is neither blanked" in " ".join(
        e.msg for e in errors
    )
