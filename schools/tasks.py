"""Background work of the schools app: each task takes ids and wraps one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(
    name="schools.staff_email_retry",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def staff_email_retry(
    *, kind: str, user_id: Any, place: str, roles: list[str], waiting: list[str]
) -> None:
    """An account email the mail server refused when it was first sent: try again (composed
    afresh, so an invitation's link is made when it goes)."""
    from schools.staff.services import staff_email_send

    staff_email_send(kind=kind, user_id=user_id, place=place, roles=roles, waiting=waiting)
