"""Checking signatures on received CP files and bundles (pyHanko): whether the content is what
was signed, and whether the certificate was issued or registered on this platform. docs/adr/0012.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from django.utils import timezone

from ..models import SigningKey, TrustCertificateAuthority
from .keys import _asn1_cert, _outside_event_loop, _signing_problem


@dataclass(frozen=True)
class SignatureCheck:
    """What a signature check found, in words a DSL can act on."""

    valid: bool  # intact and cryptographically valid
    intact: bool  # the content is exactly what was signed
    trusted: bool  # the certificate was issued or registered on this platform
    signer: str = ""  # the certificate's common name
    # The school that registered the certificate on this platform; for a certificate no school
    # registered, the organisation it names (which nobody has confirmed: `trusted` is False).
    school_name: str = ""
    signed_at: dt.datetime | None = None  # as the signer's clock reported it
    problem: str = ""  # plain English; "" when all is well
    note: str = ""  # something worth knowing that is not a problem
    fingerprint: str = ""  # SHA-256 of the signing certificate (hex), "" when none was read

    @property
    def summary(self) -> str:
        """One or two sentences for the page that shows the check."""
        who = self.signer + (
            f" ({self.school_name})"
            if self.school_name and self.school_name not in self.signer
            else ""
        )
        when = (
            f" on {timezone.localtime(self.signed_at):%d/%m/%Y at %H:%M}" if self.signed_at else ""
        )
        if self.valid and self.trusted:
            text = (
                f"Valid signature by {who}{when}. The file has not changed since it was signed, "
                "and the signing certificate is registered on this platform."
            )
        elif self.valid and self.problem:
            text = (
                f"The file has not changed since it was signed{when}, but the signature by "
                f"{who} cannot be relied on. {self.problem}"
            )
        elif self.valid:
            text = (
                f"The file has not changed since it was signed{when}, but the signing "
                f"certificate ({who}) is not one this platform issued or registered, so who "
                "signed it is not confirmed."
            )
        else:
            text = f"Not a valid signature: {self.problem}"
        return f"{text} {self.note}".strip()


_NOT_INTACT = "the file was changed after it was signed, so its content is not what {who} signed."


def _trust_roots_for(certs: Iterable[asn1_x509.Certificate]) -> list[asn1_x509.Certificate]:
    """Every trust CA, and every registered school certificate among those in the signature."""
    fingerprints = [hashlib.sha256(c.dump()).hexdigest() for c in certs]
    pems = list(TrustCertificateAuthority.objects.values_list("certificate_pem", flat=True))
    pems += list(
        SigningKey.objects.filter(fingerprint_sha256__in=fingerprints)
        .values_list("certificate_pem", flat=True)
        .distinct()
    )
    return [_asn1_cert(pem) for pem in pems]


def _validation_context(roots: list[asn1_x509.Certificate]) -> Any:
    from pyhanko_certvalidator import ValidationContext

    # No certificate we issue names a revocation service, and checks never go to the network.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _key_usage() -> Any:
    from pyhanko.sign.validation import KeyUsageConstraints

    return KeyUsageConstraints(
        key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False
    )


def _trust_problem(status: Any) -> str:
    """Why a signature is not trusted, when there is more to say than "not registered here"."""
    from pyhanko.sign.ades.report import AdESIndeterminate

    indic = getattr(status, "trust_problem_indic", None)
    if indic in (AdESIndeterminate.OUT_OF_BOUNDS_NO_POE, AdESIndeterminate.EXPIRED):
        return "The signing certificate has expired."
    if indic == AdESIndeterminate.NOT_YET_VALID:
        return "The signing certificate was not yet valid."
    if indic is not None and "REVOKED" in getattr(indic, "name", ""):
        return "The signing certificate has been revoked."
    fingerprint = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    if SigningKey.objects.filter(fingerprint_sha256=fingerprint).exists():
        return (
            "The signing certificate is registered on this platform but failed its checks "
            "(for example, it is not meant for signing documents)."
        )
    return ""


def _certificate_problem(
    cert: asn1_x509.Certificate, signed_at: dt.datetime | None
) -> tuple[str, str]:
    """(problem, note) about the certificate's use and dates at the time the signature claims.

    A registered certificate is its own trust anchor, and path validation does not look at an
    anchor's dates or key usage, so they are checked here: the dates against the claimed signing
    time (an old file signed before its certificate expired still checks), else against now.
    """
    if _signing_problem(x509.load_der_x509_certificate(cert.dump())):
        # Path validation does not apply key usage to an anchor either.
        return "The signing certificate is not meant for signing documents.", ""
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    now = timezone.now()
    moment = signed_at or now
    slack = dt.timedelta(minutes=5)  # clocks differ a little
    if not (not_before - slack <= moment <= not_after + slack):
        when = timezone.localtime(moment)
        return (
            f"The signing certificate was not valid on {when:%d/%m/%Y}, when the file says it "
            f"was signed: it was valid from {timezone.localtime(not_before):%d/%m/%Y} to "
            f"{timezone.localtime(not_after):%d/%m/%Y}.",
            "",
        )
    if now > not_after:
        return "", (
            f"The certificate expired on {timezone.localtime(not_after):%d/%m/%Y}, after the "
            "file was signed; it was valid when the signer's clock says the file was signed."
        )
    return "", ""


def _registration(fingerprint: str, signed_at: dt.datetime | None) -> tuple[str, str]:
    """(the name of the school that registered the certificate, why it cannot be relied on).

    The school is the one whose `SigningKey` row holds the certificate, never the organisation
    the certificate names (anyone can write any name in a certificate). A retired key counts only
    for signatures it claims to have made before it was retired."""
    keys = list(
        SigningKey.objects.filter(fingerprint_sha256=fingerprint).select_related("school")[:2]
    )
    if not keys:
        return "", "The signing certificate is not registered to any school on this platform."
    if len({k.school_id for k in keys}) > 1:
        return "", (
            "The signing certificate is registered to more than one school, so which school "
            "signed the file is not confirmed."
        )
    key = keys[0]
    name = key.school.name
    if not key.active and key.retired_at is not None:
        if signed_at is None or signed_at >= key.retired_at:
            return name, (
                f"{name} retired this signing certificate on "
                f"{timezone.localtime(key.retired_at):%d/%m/%Y at %H:%M}, and the file says it "
                "was signed after that."
            )
    return name, ""


def _from_status(status: Any, *, whole_file: bool = True) -> SignatureCheck:
    """Turn a pyHanko status into a SignatureCheck."""
    cert = status.signing_cert
    fingerprint = hashlib.sha256(cert.dump()).hexdigest()
    signer = cert.subject.native.get("common_name", "") or cert.subject.human_friendly
    school_name = cert.subject.native.get("organization_name", "")
    if isinstance(school_name, list):
        school_name = ", ".join(school_name)
    intact = bool(status.intact) and whole_file
    valid = bool(status.valid) and intact
    trusted = bool(status.trusted)
    signed_at = status.signer_reported_dt
    note = ""
    problem = ""
    if not status.intact or not status.valid:
        problem = _NOT_INTACT.format(who=signer).capitalize()
        if status.intact and not status.valid:
            problem = "The signature itself is damaged: it does not match the signer's key."
    elif not whole_file:
        problem = (
            "Something was added to the file after it was signed, so what you see may not be "
            "what was signed."
        )
    elif not trusted:
        problem = _trust_problem(status)
    else:
        problem, note = _certificate_problem(cert, signed_at)
        if not problem:
            registered_by, problem = _registration(fingerprint, signed_at)
            school_name = registered_by or school_name
        trusted = not problem
    if not trusted:
        registered_by, _ = _registration(fingerprint, signed_at)
        school_name = registered_by or school_name
    return SignatureCheck(
        valid=valid,
        intact=intact,
        trusted=trusted,
        signer=str(signer),
        school_name=str(school_name),
        signed_at=signed_at,
        problem=problem,
        note=note,
        fingerprint=fingerprint,
    )


def _refused(problem: str) -> SignatureCheck:
    return SignatureCheck(valid=False, intact=False, trusted=False, problem=problem)


def pdf_signature_check(pdf: bytes | IO[bytes]) -> SignatureCheck:
    """Check the last signature of a PDF: intact, valid, and made by a key this platform knows.

    A seekable file is read where it lies, so a large PDF need not be held in memory."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature

    try:
        stream = BytesIO(pdf) if isinstance(pdf, bytes | bytearray) else pdf
        stream.seek(0)
        reader = PdfFileReader(stream, strict=False)
        signatures = reader.embedded_regular_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError):
        return _refused("The file is not a PDF that can be read, or it is damaged.")
    if not signatures:
        return _refused("The PDF is not signed.")
    embedded = signatures[-1]
    try:
        certs = [embedded.signer_cert, *embedded.other_embedded_certs]
    except (ValueError, KeyError, TypeError):
        return _refused("The signature in the PDF cannot be read.")
    try:
        context = _validation_context(_trust_roots_for(certs))
        status = _outside_event_loop(
            lambda: validate_pdf_signature(
                embedded, signer_validation_context=context, key_usage_settings=_key_usage()
            )
        )
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        return _refused(f"The signature in the PDF cannot be checked ({exc.__class__.__name__}).")
    return _from_status(status, whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE)


def data_signature_check(*, data: bytes, signature: bytes) -> SignatureCheck:
    """Check a detached CMS signature (DER) of `data`, as `data_sign` makes."""
    from pyhanko.sign.validation import async_validate_detached_cms

    try:
        content = asn1_cms.ContentInfo.load(bytes(signature))
        signed_data = content["content"]
        if content["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        certs = [c.chosen for c in signed_data["certificates"]]
    except (ValueError, TypeError, KeyError):
        return _refused("The signature file cannot be read: it is not a CMS signature.")
    try:
        context = _validation_context(_trust_roots_for(certs))
        status = _outside_event_loop(
            lambda: asyncio.run(
                async_validate_detached_cms(
                    data,
                    signed_data,
                    signer_validation_context=context,
                    key_usage_settings=_key_usage(),
                )
            )
        )
    except (ValueError, TypeError, KeyError) as exc:
        return _refused(f"The signature cannot be checked ({exc.__class__.__name__}).")
    return _from_status(status)
