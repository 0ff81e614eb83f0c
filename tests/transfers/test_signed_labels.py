"""Model labels are baked into signed and encrypted data: a chronology entry's hash covers its
source's label, bundles name records by label, and every stored private key is encrypted with
its row's label as associated data. Renaming a model or moving it to another app would break
existing chains, bundles and keys; these pins make that fail here first."""

from __future__ import annotations

import uuid

from django.db.models import Model

from chronology.ledger.content import SIGNED_FIELDS
from chronology.models import CpFile, PupilStatus, RiskAssessment, RiskAssessmentReview
from concerns.models import (
    Action,
    Addendum,
    Concern,
    ContinuousAbsence,
    DslRecord,
    MissingEpisode,
    MissingEpisodeStep,
)
from referrals.models import Referral, ReferralUpdate
from transfers.export.bundle import _SINGLE_HASH_SOURCES
from transfers.models import IncomingTransfer, SigningKey, Transfer, TrustCertificateAuthority
from transfers.signing.keys import _binding

# Every label written into ChronologyEntry.source_label (and so into its hash).
SIGNED_LABELS: dict[type[Model], str] = {
    Concern: "concerns.Concern",
    Addendum: "concerns.Addendum",
    DslRecord: "concerns.DslRecord",
    Action: "concerns.Action",
    MissingEpisode: "concerns.MissingEpisode",
    MissingEpisodeStep: "concerns.MissingEpisodeStep",
    ContinuousAbsence: "concerns.ContinuousAbsence",
    CpFile: "chronology.CpFile",
    PupilStatus: "chronology.PupilStatus",
    RiskAssessment: "chronology.RiskAssessment",
    RiskAssessmentReview: "chronology.RiskAssessmentReview",
    Referral: "referrals.Referral",
    ReferralUpdate: "referrals.ReferralUpdate",
    Transfer: "transfers.Transfer",
    IncomingTransfer: "transfers.IncomingTransfer",
}

# The associated data that binds each encrypted private key to its row.
KEY_BINDING_LABELS: dict[type[Model], str] = {
    SigningKey: "transfers.SigningKey",
    TrustCertificateAuthority: "transfers.TrustCertificateAuthority",
}


def test_signed_labels_are_unchanged() -> None:
    assert {model: model._meta.label for model in SIGNED_LABELS} == SIGNED_LABELS


def test_the_bundle_checks_single_hash_sources_by_those_labels() -> None:
    assert set(SIGNED_LABELS.values()) >= _SINGLE_HASH_SOURCES


def test_key_encryption_binds_each_key_to_its_label_and_id() -> None:
    pk = uuid.uuid4()
    for model, label in KEY_BINDING_LABELS.items():
        assert model._meta.label == label
        assert _binding(model(pk=pk)) == f"{label}:{pk}"


def test_the_chronology_hash_covers_the_same_fields_in_the_same_order() -> None:
    assert SIGNED_FIELDS == [
        "school_id",
        "sequence",
        "pupil_id",
        "kind",
        "occurred_at",
        "details",
        "people_involved",
        "significant",
        "source_label",
        "source_id",
        "source_hash",
        "concern_ref",
        "corrects_id",
        "author_id",
        "author_name",
        "author_role",
        "recorded_at",
        "previous_hash",
    ]
