"""Writing notifications into the outbox, and delivering their emails."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet, TextChoices
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .access import access_for, get_or_404
from .models import DigestSent, Notification
from .roles import Perm

logger = logging.getLogger(__name__)


class NotificationKind(TextChoices):
    """Every kind of notification, with what the digest and the centre call it: a kind without
    a label cannot be raised (`notify_all` refuses one)."""

    IMMEDIATE_DANGER = "immediate_danger", "child may be in immediate danger"
    CONCERN_SUBMITTED = "concern_submitted", "new concern to triage"
    ACTION_ASSIGNED = "action_assigned", "action assigned to you"
    MISSING_CHILD = "missing_child", "pupil reported missing"
    ABSENCE_RECORDED = "absence_recorded", "continuous absence recorded"
    ALLEGATION_REPORTED = "allegation_reported", "concern about an adult"
    LOW_LEVEL_CONCERN_REPORTED = "low_level_concern_reported", "low-level concern about an adult"
    ALLEGATION_NAMED = "allegation_named", "confidential matter"
    QA_REVIEW = "qa_review", "quality-assurance feedback"
    QA_RESPONSE = "qa_response", "response to quality-assurance feedback"
    CATEGORY_REQUESTED = "category_requested", "new category requested"
    CATEGORY_REQUEST_DECIDED = "category_request_decided", "category request decided"
    CP_ROLE_REQUESTED = "cp_role_requested", "child-protection role to confirm"
    CP_ROLE_CONFIRMED = "cp_role_confirmed", "child-protection role confirmed"
    CP_ROLE_DECLINED = "cp_role_declined", "child-protection role declined"
    CP_ROLE_WITHDRAWN = "cp_role_withdrawn", "child-protection role withdrawn"
    CP_ROLE_REVOKED = "cp_role_revoked", "child-protection role taken away"
    CP_ROLE_GRANTED = "cp_role_granted", "trust safeguarding role given"
    PLATFORM_ADMIN_ACTION = "platform_admin_action", "the platform administrator changed something"
    RETENTION_SCHEDULED = "retention_scheduled", "child-protection file due to be destroyed"
    RETENTION_RELEASED = (
        "retention_released",
        "child-protection file no longer due to be destroyed",
    )
    PUPIL_LEFT = "pupil_left", "pupil with safeguarding records has left"
    PUPIL_RETURNED = "pupil_returned", "pupil with safeguarding records is back on the roll"
    RECORD_NAMES_LEAVER = "record_names_leaver", "new record names a pupil who has left"
    REMINDER = "reminder", "reminder"
    TRANSFER_INCOMING = "transfer_incoming", "child-protection file sent to this school"
    TRANSFER_RECEIPT = "transfer_receipt", "receipt of a child-protection file confirmed"
    TRANSFER_RETURNED = "transfer_returned", "child-protection file returned"
    TRANSFER_WITHDRAWN = "transfer_withdrawn", "child-protection file withdrawn by the sender"


def notify(
    *,
    school: Any,
    recipients: Iterable[Any],
    kind: NotificationKind,
    title: str,
    link: str,
    urgent: bool = False,
) -> list[Notification]:
    """Queue a notification for each recipient, in the caller's transaction."""
    return notify_all(
        [
            Notification(
                school=school, recipient=r, kind=kind, title=title, link=link, urgent=urgent
            )
            for r in {r.pk: r for r in recipients}.values()
        ]
    )


def notify_all(notifications: list[Notification]) -> list[Notification]:
    """Queue these (unsaved) notifications in one insert, in the caller's transaction; their
    emails are handed to the worker once it commits."""
    for notification in notifications:
        NotificationKind(notification.kind)  # ValueError for a kind nobody has named
    rows = Notification.objects.bulk_create(notifications, batch_size=1000)
    ids = [str(n.pk) for n in rows]
    transaction.on_commit(lambda: _enqueue(ids))
    return rows


def _enqueue(ids: list[str]) -> None:
    from .tasks import notification_deliver

    for notification_id in ids:
        try:
            notification_deliver.delay(notification_id)
        except Exception:  # the broker is down: the scheduled relay delivers it later
            logger.warning(
                "broker unavailable; notification %s left for the relay", notification_id
            )


def notification_deliver_email(*, notification_id: str) -> bool:
    """Send the email of one notification once; True when this call sent it.

    The row stays locked while the email goes out and is marked sent in the same transaction. A
    second delivery of the same notification waits for the first: if it sent, the row no longer
    matches (PostgreSQL re-checks the condition after the wait) and nothing is sent twice; if its
    worker died, the database rolled its transaction back and this one sends. (Skipping the locked
    row instead would leave a dead worker's notification for the relay, a minute later.)
    """
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update()
            .select_related("recipient", "school")
            .filter(pk=notification_id, email_sent_at__isnull=True)
            .first()
        )
        if n is None:
            return False
        n.email_attempts += 1
        body = (
            f"{n.title}\n\nOpen it in Safeguard (you will be asked to sign in):\n"
            f"{settings.SITE_URL.rstrip('/')}{n.link}\n\n"
            "This email does not contain any details about a child."
        )
        send_mail(
            subject=("URGENT: " if n.urgent else "") + n.title,
            message=body,
            from_email=None,
            recipient_list=[n.recipient.email],
        )
        n.email_sent_at = timezone.now()
        n.save(update_fields=["email_attempts", "email_sent_at", "updated_at"])
        return True


# The notification centre: a person reads only their own notifications, and only of the schools
# they still work in (someone who has left a school no longer sees its notifications).


def kind_label(kind: str) -> str:
    """What a person reads for a notification's kind (a kind no longer raised: its key)."""
    try:
        return str(NotificationKind(kind).label)
    except ValueError:
        return kind.replace("_", " ")


def inbox_school_ids(*, actor: Any, school: Any) -> list[int]:
    """The schools whose notifications make one inbox for the actor acting in `school`: every
    school of its trust for someone holding a trust role there (the trust safeguarding officer:
    one inbox across the trust, issue 20), else the school alone. Never another trust's."""
    return access_for(actor).trust_school_ids(school) or [school.pk]


def notifications_for(
    *, actor: Any, school: Any | None, inbox: bool = False
) -> QuerySet[Notification]:
    """The actor's notifications, newest first: of one school (with `inbox`, of every school of
    its trust for a trust role, `inbox_school_ids`), or of every school they work in."""
    rows = Notification.objects.filter(
        recipient_id=actor.pk, school_id__in=access_for(actor).school_ids()
    )
    if school is not None:
        ids = inbox_school_ids(actor=actor, school=school) if inbox else [school.pk]
        rows = rows.filter(school_id__in=ids)
    return rows.order_by("-created_at", "-pk")


def unread_notifications_for(
    *, actor: Any, school: Any | None, inbox: bool = False
) -> QuerySet[Notification]:
    """The actor's notifications not yet read (the header badge counts the inbox's)."""
    return notifications_for(actor=actor, school=school, inbox=inbox).filter(read_at__isnull=True)


def notification_get_for(*, actor: Any, pk: Any) -> Notification:
    """One of the actor's notifications; anyone else's, or a missing one, is the same 404."""
    return get_or_404(notifications_for(actor=actor, school=None), pk=pk)


def notification_mark_read(*, actor: Any, notification: Notification) -> None:
    """Mark one of the actor's notifications read (reading it twice keeps the first time)."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied("Not this person's notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at, updated_at=notification.read_at
        )


def notifications_mark_all_read(*, actor: Any, school: Any | None, inbox: bool = False) -> int:
    """Mark every unread notification of the actor read, in one school's inbox or all; how
    many."""
    now = timezone.now()
    return unread_notifications_for(actor=actor, school=school, inbox=inbox).update(
        read_at=now, updated_at=now
    )


# Records withheld after the notification was sent (ADR 0032): a concern restricted later leads
# its notified readers, not named on it, to the same 404 as a missing record. The apps that own
# such records register a check (`register_withheld_check`, in `AppConfig.ready()`): given a
# person and links of their notifications, which links lead to a record now withheld from them.
# The notification centre then says plainly that the record was restricted and who to speak to,
# without saying anything of it (docs/adr/0046).
WithheldCheck = Callable[[Any, list[str]], set[str]]
_WITHHELD_CHECKS: dict[str, WithheldCheck] = {}


def register_withheld_check(name: str, check: WithheldCheck) -> None:
    _WITHHELD_CHECKS[name] = check


def withheld_checks() -> list[str]:
    """The names of the registered checks (a system check wants at least the concerns')."""
    return sorted(_WITHHELD_CHECKS)


def withheld_links(*, actor: Any, links: Iterable[str]) -> set[str]:
    """Of these links, those that lead to a record restricted since and withheld from `actor`."""
    asked = sorted({link for link in links if link})
    if not asked:
        return set()
    withheld: set[str] = set()
    for check in _WITHHELD_CHECKS.values():
        withheld |= check(actor, asked)
    return withheld


def link_target(link: str) -> tuple[str, dict[str, Any]] | None:
    """The URL name and arguments a link of ours resolves to (None for anything else)."""
    try:
        match = resolve(urlsplit(link).path)
    except Resolver404:
        return None
    return match.url_name or "", match.kwargs


def notification_safe_link(link: str) -> str | None:
    """The notification's link if it is a page of this site (a path, never another host)."""
    if not link.startswith("/") or link.startswith(("//", "/\\")):
        return None
    if any(c in link for c in "\\\r\n\t") or not url_has_allowed_host_and_scheme(
        link, allowed_hosts=set()
    ):
        return None
    try:
        resolve(urlsplit(link).path)
    except Resolver404:
        return None
    return link


# The daily digest: one email a day to each safeguarding lead (MANAGE_CP_RECORDS) with unread
# notifications, giving counts and one link; never a title, so never a child's details.


def digest_recipient_ids() -> list[int]:
    """The people with an unread notification (whether each leads safeguarding is asked later)."""
    return sorted(
        set(
            Notification.objects.filter(read_at__isnull=True)
            .order_by()
            .values_list("recipient_id", flat=True)
            .distinct()
        )
    )


def notification_digest_send(*, recipient_id: int, day: datetime.date) -> bool:
    """Email one person their digest for `day`, once; True when this call sent it.

    Counts only the schools where they triage and keep CP records (the DSL and deputies). The
    DigestSent row is written before the email in the same transaction: a second run waits for
    the first to commit, then finds the row and sends nothing; a failed send rolls it back.
    """
    from schools.models import School, User

    user = User.objects.filter(pk=recipient_id, is_active=True).first()
    if user is None or not user.email:
        return False
    schools = access_for(user).schools_with(Perm.MANAGE_CP_RECORDS)
    if not schools:
        return False
    counts = list(
        Notification.objects.filter(
            recipient_id=user.pk, school_id__in=schools, read_at__isnull=True
        )
        .order_by()
        .values_list("school_id", "kind")
        .annotate(n=Count("pk"))
    )
    total = sum(n for _, _, n in counts)
    if not total:
        return False
    with transaction.atomic():
        try:
            with transaction.atomic():
                DigestSent.objects.create(recipient=user, day=day, unread=total)
        except IntegrityError:
            return False
        names = dict(
            School.objects.filter(pk__in={s for s, _, _ in counts}).values_list("pk", "name")
        )
        subject, body = _digest_text(counts=counts, names=names, day=day)
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
    return True


def _digest_text(
    *, counts: list[tuple[int, str, int]], names: dict[int, str], day: datetime.date
) -> tuple[str, str]:
    total = sum(n for _, _, n in counts)
    noun = "notification" if total == 1 else "notifications"
    by_school: dict[int, list[tuple[str, int]]] = {}
    for school_id, kind, n in counts:
        by_school.setdefault(school_id, []).append((kind, n))
    if len(by_school) == 1:
        (school_id,) = by_school
        subject = f"Safeguard: {total} unread {noun} at {names[school_id]}"
        link = reverse("notification-list")
    else:
        subject = f"Safeguard: {total} unread {noun} in {len(by_school)} schools"
        link = reverse("notification-list") + "?all=1"
    lines = [f"Your unread notifications on {day:%-d %B %Y}:", ""]
    for school_id in sorted(by_school, key=lambda s: names[s]):
        if len(by_school) > 1:
            lines.append(f"{names[school_id]}:")
        for kind, n in sorted(by_school[school_id], key=lambda kn: (-kn[1], kn[0])):
            lines.append(f"  {n} × {kind_label(kind)}")
        lines.append("")
    lines += [
        "Open your notifications in Safeguard (you will be asked to sign in):",
        f"{settings.SITE_URL.rstrip('/')}{link}",
        "",
        "This email does not contain any details about a child.",
    ]
    return subject, "\n".join(lines)


def notifications_digest_send_all(*, day: datetime.date) -> int:
    """Send the day's digest to every safeguarding lead with unread notifications; how many."""
    sent = 0
    for recipient_id in digest_recipient_ids():
        try:
            sent += notification_digest_send(recipient_id=recipient_id, day=day)
        except Exception:  # one failed email does not stop the others; a re-run sends it
            logger.exception("digest for user %s not sent", recipient_id)
    return sent
