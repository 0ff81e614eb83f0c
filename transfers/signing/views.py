"""The school's "Signing certificate" page: see the key that signs CP files, make or upload one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from safeguard.http import acting_school_or_403, run_service
from safeguard.roles import Perm

from .forms import SigningKeyGenerateForm, SigningKeyUploadForm
from .keys import (
    private_key_readable,
    signing_key_active,
    signing_key_generate,
    signing_key_upload,
)
from .selectors import signing_key_get_for, signing_key_list_for

EXPIRY_WARNING = dt.timedelta(days=90)


@login_required
@require_GET
def signing_certificate(request: HttpRequest) -> HttpResponse:
    """The active key, how long it lasts, and every key the school has signed with."""
    school = acting_school_or_403(request, Perm.TRANSFER_CP_FILES)
    keys = list(signing_key_list_for(actor=request.user, school=school))
    active = next((k for k in keys if k.active), None)
    now = timezone.now()
    return render(
        request,
        "transfers/signing_certificate.html",
        {
            "school": school,
            "keys": keys,
            "active": active,
            "expired": active is not None and active.valid_until <= now,
            "expires_soon": active is not None and now < active.valid_until <= now + EXPIRY_WARNING,
            "days_left": (active.valid_until - now).days if active else None,
            "unreadable": active is not None and not private_key_readable(active),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def signing_key_new(request: HttpRequest) -> HttpResponse:
    school = acting_school_or_403(request, Perm.TRANSFER_CP_FILES)
    form = SigningKeyGenerateForm(
        request.POST if request.method == "POST" else None, trust_name=school.trust.name
    )
    made = run_service(
        request,
        form,
        signing_key_generate,
        school=school,
        done=lambda key: (
            f"The new signing certificate ({key.subject_common_name}) signs every "
            "file sent from now on."
        ),
        to="signing-certificate",
    )
    return made or render(
        request,
        "transfers/signing_key_new.html",
        {"form": form, "school": school, "has_key": signing_key_active(school=school)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def signing_key_upload_page(request: HttpRequest) -> HttpResponse:
    school = acting_school_or_403(request, Perm.TRANSFER_CP_FILES)
    form = SigningKeyUploadForm(
        *((request.POST, request.FILES) if request.method == "POST" else ())
    )
    uploaded = run_service(
        request,
        form,
        signing_key_upload,
        school=school,
        done=lambda key: (
            f"The uploaded certificate ({key.subject_common_name}) signs every "
            "file sent from now on."
        ),
        to="signing-certificate",
    )
    return uploaded or render(
        request, "transfers/signing_key_upload.html", {"form": form, "school": school}
    )


@login_required
@require_GET
def signing_certificate_download(request: HttpRequest, pk: Any) -> HttpResponse:
    """The certificate and its issuers (PEM), for a school elsewhere to check signatures with."""
    key = signing_key_get_for(actor=request.user, pk=pk)
    chain = key.certificate_pem + key.chain_pem
    if key.issuer_ca is not None:
        chain += key.issuer_ca.certificate_pem
    response = HttpResponse(chain, content_type="application/x-pem-file")
    filename = f"{key.school.slug}-signing-certificate-{key.fingerprint_sha256[:8]}.pem"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
