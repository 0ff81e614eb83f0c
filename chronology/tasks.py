"""The nightly integrity check of every school's chronology chain."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import mail_admins, send_mail

from schools.models import School, User

from .services import verify_chain


@shared_task(name="chronology.verify_all_chains")
def verify_all_chains() -> list[str]:
    """Check every chain; email the platform administrators about any that is broken."""
    broken = []
    for school in School.objects.order_by("name"):
        report = verify_chain(school_id=school.pk)
        if not report.ok:
            broken.append(
                f"{school.name} (id {school.pk}): entry {report.broken_at}: {report.problem}"
            )
    if broken:
        body = (
            "The nightly record-integrity check found broken chronology chains:\n\n"
            + "\n".join(broken)
            + "\n\nRun `python manage.py verify_records` for details."
            + " No child's details are in this email."
        )
        admins = list(
            User.objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
        )
        if admins:
            send_mail("Safeguard: record-integrity check failed", body, None, admins)
        else:
            mail_admins("Safeguard: record-integrity check failed", body)

    return broken
