"""No email names a child (docs/architecture.md section 7): every email path, over the demo trust's data."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from safeguard.models import Notification
from safeguard.notifications import notification_deliver_email
from safeguard.tasks import notifications_digest


def _pupil_names() -> tuple[set[str], set[str]]:
    """Every demo pupil's names: single names, and first-and-last pairs."""
    from schools.models import Pupil

    words: set[str] = set()
    pairs: set[str] = set()
    for p in Pupil.objects.all():
        firsts = {p.legal_first_name, p.preferred_first_name} - {""}
        lasts = {p.legal_last_name, p.preferred_last_name} - {""}
        words |= firsts | lasts | set(p.legal_middle_names.split())
        pairs |= {f"{f} {last}" for f in firsts for last in lasts}
    return words, pairs


def _not_children() -> list[str]:
    """Names that rightly appear in emails and may share a word with a pupil's name: the
    adults' (a title says who reported a pupil missing) and the schools' and the trust's."""
    from schools.models import School, Trust, User

    names = [*User.objects.values_list("full_name", flat=True)]
    names += [*School.objects.values_list("name", flat=True)]
    names += [*Trust.objects.values_list("name", flat=True)]
    return sorted({n for n in names if n}, key=len, reverse=True)


def _children_named(text: str, words: set[str], pairs: set[str], adults: list[str]) -> set[str]:
    found = {pair for pair in pairs if pair in text}
    for name in adults:  # "Sam Taylor" the teacher is not a pupil called Taylor
        text = text.replace(name, " ")
    found |= {w for w in words if re.search(rf"(?<![\w']){re.escape(w)}(?![\w'])", text)}
    return found


@pytest.fixture
def demo(db, settings) -> None:
    from demo.seed import seed_demo

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seed_demo(password="demo-password-123", today=timezone.localdate(), history=False)


def test_no_email_names_a_child(demo, client) -> None:
    from reminders.services import reviews_run

    # Everything the demo and the scheduled reviews raise: today, and a month on (all overdue).
    reviews_run(now=timezone.now())
    reviews_run(now=timezone.now() + datetime.timedelta(days=30))
    # The demo's year of history was emailed when it happened (its rows say so): the rest now.
    ids = list(Notification.objects.filter(email_sent_at__isnull=True).values_list("pk", flat=True))
    assert len(ids) > 10, "the demo should raise notifications of many kinds"
    for pk in ids:
        assert notification_deliver_email(notification_id=str(pk)) is True
    notification_emails = len(mail.outbox)
    assert notifications_digest() > 0
    assert len(mail.outbox) > notification_emails, "the digest sent nothing"
    from schools.models import User

    for user in User.objects.filter(is_active=True).order_by("email")[:3]:
        assert client.post(reverse("password_reset"), {"email": user.email}).status_code == 302
    assert any("password" in m.subject.lower() for m in mail.outbox)
    _break_a_chain_and_run_the_nightly_check()

    words, pairs = _pupil_names()
    adults = _not_children()
    assert len(words) > 30
    named = {
        f"{m.subject!r} to {m.to}: {sorted(children)}"
        for m in mail.outbox
        if (children := _children_named(f"{m.subject}\n{m.body}", words, pairs, adults))
    }
    assert not named, "\n".join(sorted(named))
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert len(kinds) >= 4, kinds  # concerns, danger, missing pupils, actions, reminders...


def _break_a_chain_and_run_the_nightly_check() -> None:
    """The nightly integrity email, for a demo chain altered behind the guards' back."""
    from django.db import connection

    from chronology.models import ChronologyEntry
    from chronology.tasks import verify_all_chains
    from tests.support.factories import UserFactory

    UserFactory(email="platform@safeguard.example", is_superuser=True, is_staff=True)
    entry = ChronologyEntry.objects.order_by("school_id", "sequence")[1]
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(
                "UPDATE chronology_chronologyentry SET details = details || '.' WHERE id = %s",
                [entry.pk],
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    assert verify_all_chains()
    assert any("integrity" in m.subject for m in mail.outbox)


def test_the_check_finds_a_childs_name_when_one_is_there(demo) -> None:
    """The scan above is not blind: a title naming a pupil is caught, and a teacher sharing a
    pupil's surname is not mistaken for one."""
    from schools.models import Pupil

    words, pairs = _pupil_names()
    adults = _not_children()
    pupil: Any = Pupil.objects.order_by("legal_last_name").first()
    leak = f"Concern about {pupil.legal_first_name} raised"
    assert _children_named(leak, words, pairs, adults) == {pupil.legal_first_name}
    assert _children_named(f"Reported by {adults[0]}", words, pairs, adults) == set()


def test_every_notification_raised_links_to_a_page_of_ours(demo) -> None:
    """Opening a notification goes only to a page of this site: every link the services and the
    scheduled reviews write passes that check, so none is left stranded in the centre."""
    from reminders.services import reviews_run
    from safeguard.notifications import notification_safe_link

    reviews_run(now=timezone.now() + datetime.timedelta(days=30))
    links = set(Notification.objects.values_list("link", flat=True))
    assert len(links) > 10
    assert {link for link in links if notification_safe_link(link) != link} == set()
