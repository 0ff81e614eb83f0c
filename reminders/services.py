"""The scheduled review: find what is due and raise each reminder once (docs/architecture.md
section 7).

Each check is one query over every school (indexed columns), returning what is due now. For each
item the review knows who to tell and a key naming what is due and when; a person is told once per
key (a `Reminder` row, unique per person and key), so the review can run every few minutes, twice
at once, or again after a crash without telling anyone twice. Reminders are notifications: written
to the outbox in the same transaction as their `Reminder` rows, delivered in the product and by
email. Titles never carry a child's or an adult's name: the link does, behind sign-in.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from allegations.models import Allegation
from allegations.selectors import handlers_for
from chronology.models import PupilStatus, RiskAssessment
from concerns.models import Action, Concern, ConcernStatus, ContinuousAbsence
from concerns.selectors import restricted_readers_for
from referrals.models import Referral
from referrals.selectors import follow_up_outstanding_q, overdue_q
from roll.selectors import pupils_with_safeguarding_records
from safeguard import workdays
from safeguard.models import Notification
from safeguard.notifications import NotificationKind, notify, notify_all
from safeguard.roles import RoleKey
from schools.models import Pupil, School, SchoolMembership, User
from transfers.models import OPEN_TRANSFER_STATES, Transfer, TransferState
from transfers.services import RECEIPT_CHASE_SCHOOL_DAYS, transfer_deadline

from .models import Reminder

# The triage target (issue 6): a concern not opened by a DSL within this time escalates to the
# deputies, and after the same time again to the headteacher.
IMMEDIATE_DANGER_TARGET = datetime.timedelta(minutes=15)
TRIAGE_TARGET = datetime.timedelta(hours=1)  # of school hours


@dataclass(frozen=True)
class Due:
    """Something due now: who to tell, once per key."""

    school_id: int
    key: str
    title: str
    link: str
    recipient_ids: frozenset[int]
    urgent: bool = False


@dataclass
class ReviewReport:
    checked: dict[str, int] = field(default_factory=dict)
    raised: int = 0


# --- Who to tell -------------------------------------------------------------------------------


class People:
    """The DSLs, deputies and headteachers of every school, from one query; and every school's
    calendar (term dates and school hours), from one more."""

    def __init__(self) -> None:

        self.calendars = workdays.calendars_for(School.objects.values_list("pk", flat=True))

        self.by_role: dict[tuple[int, str], set[int]] = defaultdict(set)
        rows = SchoolMembership.objects.filter(
            role__in=[RoleKey.DSL, RoleKey.DEPUTY, RoleKey.HEAD], user__is_active=True
        ).values_list("school_id", "role", "user_id")
        for school_id, role, user_id in rows:
            self.by_role[(school_id, role)].add(user_id)

    def of(self, school_id: int, *roles: RoleKey) -> set[int]:
        return set().union(*(self.by_role[(school_id, r)] for r in roles))

    def calendar(self, school_id: int) -> workdays.SchoolCalendar:
        return self.calendars.get(school_id, workdays.DEFAULT_CALENDAR)

    def managers(self, school_id: int) -> set[int]:
        """The DSL and deputies: who keeps the school's CP records."""
        return self.of(school_id, RoleKey.DSL, RoleKey.DEPUTY)


# --- The checks --------------------------------------------------------------------------------


def triage_overdue(now: datetime.datetime, people: People) -> Iterator[Due]:
    """New concerns no DSL has opened within the target: the deputies, then the headteacher."""

    candidates = Concern.objects.filter(
        status=ConcernStatus.RECEIVED,
        opened_at__isnull=True,
        written_at__lte=now - IMMEDIATE_DANGER_TARGET,
    ).values_list("pk", "school_id", "written_at", "immediate_danger")
    for pk, school_id, written_at, danger in candidates.iterator():
        assert written_at is not None  # submitted concerns are written  # noqa: S101
        first: datetime.datetime
        second: datetime.datetime
        if danger:
            first = written_at + IMMEDIATE_DANGER_TARGET
            second = first + IMMEDIATE_DANGER_TARGET
            target = "15 minutes"
        else:
            calendar = people.calendar(school_id)
            first = calendar.add_school_hours(written_at, TRIAGE_TARGET)
            second = calendar.add_school_hours(first, TRIAGE_TARGET)
            target = "an hour of the school day"
        link = reverse("concern-detail", kwargs={"pk": pk})
        prefix = "A concern about a child in immediate danger" if danger else "A concern"
        if now >= first:
            yield Due(
                school_id,
                f"triage:{pk}:deputies",
                f"{prefix} has not been opened by a DSL within {target}",
                link,
                frozenset(people.of(school_id, RoleKey.DEPUTY)),
                urgent=bool(danger),
            )
        if now >= second:
            yield Due(
                school_id,
                f"triage:{pk}:head",
                f"{prefix} is still not opened by a DSL or deputy",
                link,
                frozenset(people.of(school_id, RoleKey.HEAD)),
                urgent=bool(danger),
            )


def actions_due(now: datetime.datetime, people: People) -> Iterator[Due]:
    """Follow-up actions coming due (to their owner) and overdue (to the owner and the DSL). An
    action is reminded on the last working day before it is due, so one due on Monday is told on
    Friday, as "due on Monday 7 December 2026" (the day before: "due tomorrow"). An owner who
    may no longer read the action (its concern was restricted without naming them) is not
    reminded of it: the DSL is told when it is overdue."""

    today = workdays.local_date(now)
    ahead = workdays.next_working_day(today)
    rows = Action.objects.filter(done_at__isnull=True, due_on__lte=ahead).values_list(
        "pk", "school_id", "owner_id", "due_on", "concern_id", "concern__restricted"
    )
    for pk, school_id, owner_id, due_on, concern_id, restricted in rows.iterator():
        link = reverse("action-list")
        owner = {owner_id}
        if restricted and owner_id not in _restricted_readers(concern_id):
            owner = set()
        if today < due_on <= ahead and owner:
            yield Due(
                school_id,
                f"action-due:{pk}:{due_on}",
                "A safeguarding action of yours is due " + workdays.day_words(due_on, today=today),
                link,
                frozenset(owner),
            )
        elif due_on < today:
            yield Due(
                school_id,
                f"action-overdue:{pk}:{due_on}",
                "A safeguarding action is overdue",
                link,
                frozenset(owner | people.of(school_id, RoleKey.DSL)),
            )


def _restricted_readers(concern_id: Any) -> set[Any]:
    """Who may read a restricted concern (few are restricted, and fewer have an action due)."""
    concern = Concern.objects.select_related("school").get(pk=concern_id)
    return restricted_readers_for(concern=concern)


def referrals_due(now: datetime.datetime, people: People) -> Iterator[Due]:
    """Written follow-ups not sent by the end of the day; no outcome by the expected date."""

    late_follow_up = Referral.objects.filter(
        follow_up_outstanding_q(), follow_up_due_at__lt=now
    ).values_list("pk", "school_id", "made_by_id")
    for pk, school_id, made_by_id in late_follow_up.iterator():
        yield Due(
            school_id,
            f"referral-follow-up:{pk}",
            "A phone referral's written follow-up was not recorded the same day",
            reverse("referral-detail", kwargs={"pk": pk}),
            frozenset({made_by_id} | people.managers(school_id)),
            urgent=True,
        )
    overdue = Referral.objects.filter(overdue_q(now)).values_list(
        "pk", "school_id", "response_due_at"
    )
    for pk, school_id, due_at in overdue.iterator():
        yield Due(
            school_id,
            f"referral-overdue:{pk}:{workdays.local_date(due_at)}",
            "A referral has no outcome by the expected date: chase it, or escalate",
            reverse("referral-detail", kwargs={"pk": pk}),
            frozenset(people.managers(school_id)),
        )


def reviews_due(now: datetime.datetime, people: People) -> Iterator[Due]:
    """Risk-assessment reviews and plan or status reviews that have come round; statuses ending."""

    today = workdays.local_date(now)
    assessments = RiskAssessment.objects.filter(
        closed_at__isnull=True, review_date__lte=today
    ).values_list("pk", "school_id", "review_date")
    for pk, school_id, review_date in assessments.iterator():
        yield Due(
            school_id,
            f"ra-review:{pk}:{review_date}",
            "A risk assessment is due for review",
            reverse("risk-assessment-detail", kwargs={"pk": pk}),
            frozenset(people.managers(school_id)),
        )
    statuses = PupilStatus.objects.filter(end_date__isnull=True, review_date__lte=today)
    for pk, school_id, pupil_id, status_review in statuses.values_list(
        "pk", "school_id", "pupil_id", "review_date"
    ).iterator():
        yield Due(
            school_id,
            f"status-review:{pk}:{status_review}",
            "A pupil's plan or status is due for review",
            reverse("pupil-safeguarding", kwargs={"pk": pupil_id}) + "#statuses",
            frozenset(people.managers(school_id)),
        )
    ending = PupilStatus.objects.filter(
        end_date__gte=today, end_date__lte=today + datetime.timedelta(days=1)
    )
    for pk, school_id, pupil_id, ends in ending.values_list(
        "pk", "school_id", "pupil_id", "end_date"
    ).iterator():
        yield Due(
            school_id,
            f"status-ends:{pk}:{ends}",
            "A pupil's plan or status ends " + workdays.day_words(ends or today, today=today),
            reverse("pupil-safeguarding", kwargs={"pk": pupil_id}) + "#statuses",
            frozenset(people.managers(school_id)),
        )


def lado_overdue(now: datetime.datetime, people: People) -> Iterator[Due]:
    """Allegations whose LADO contact is not recorded within one working day: their handlers."""

    rows = Allegation.objects.filter(
        closed_at__isnull=True, lado_contacted_at__isnull=True, lado_due_at__lt=now
    ).values_list("pk", "school_id", "subject_type", "subject_user_id")
    # One query per school, kind and adult (never told of an allegation about themselves).
    handlers: dict[tuple[int, bool, Any], frozenset[int]] = {}
    for pk, school_id, subject_type, subject_user_id in rows.iterator():
        key = (school_id, subject_type == "headteacher", subject_user_id)
        if key not in handlers:
            people_told = handlers_for(
                school=School.objects.get(pk=school_id),
                about_headteacher=key[1],
                subject_user_id=subject_user_id,
            )
            handlers[key] = frozenset(u.pk for u in people_told)
        yield Due(
            school_id,
            f"lado-overdue:{pk}",
            "The LADO has not been told of an allegation within one working day",
            reverse("allegation-detail", kwargs={"pk": pk}),
            handlers[key],
            urgent=True,
        )


def absences_due(now: datetime.datetime, people: People) -> Iterator[Due]:
    """Continuous absences at their 10th school day with the local authority not yet told."""

    today = workdays.local_date(now)
    rows = ContinuousAbsence.objects.filter(
        ended_on__isnull=True, la_told_at__isnull=True, first_day__lte=today
    ).values_list("pk", "school_id", "first_day")
    for pk, school_id, first_day in rows.iterator():
        if people.calendar(school_id).school_day_number(first_day, 10) <= today:
            yield Due(
                school_id,
                f"absence-la:{pk}",
                "Tell the local authority: a pupil has missed 10 school days without permission",
                reverse("absence-detail", kwargs={"pk": pk}),
                frozenset(people.managers(school_id)),
                urgent=True,
            )


def _school_day_before(calendar: workdays.SchoolCalendar, day: datetime.date) -> datetime.date:
    """The last school day before `day` (a year back at most: a calendar closed for longer is
    mistyped, and then the day before is as good as any)."""
    earlier = day - datetime.timedelta(days=1)
    for _ in range(366):
        if calendar.is_school_day(earlier):
            return earlier
        earlier -= datetime.timedelta(days=1)
    return day - datetime.timedelta(days=1)


# A send-by reminder is due on the school day before the deadline, which a holiday can put weeks
# before it: transfers due further ahead than this cannot be due for one yet.
TRANSFER_REMINDER_AHEAD = datetime.timedelta(days=62)


def transfers_due(now: datetime.datetime, people: People) -> Iterator[Due]:
    """A CP file not sent by the school day before its deadline, and by its deadline (KCSIE
    Annex C), and a receipt not confirmed some school days after sending: the DSL and deputies
    (who transfer files), by the school's own calendar."""

    today = workdays.local_date(now)
    unsent = Transfer.objects.filter(
        state__in=[TransferState.PREPARING, TransferState.READY],
        deadline__lte=today + TRANSFER_REMINDER_AHEAD,
    ).values_list("pk", "school_id", "deadline")
    for pk, school_id, deadline in unsent.iterator():
        link = reverse("transfer-detail", kwargs={"pk": pk})
        if deadline < today:
            yield Due(
                school_id,
                f"transfer-overdue:{pk}:{deadline}",
                "A child-protection file was not sent to a pupil's new school by its deadline",
                link,
                frozenset(people.managers(school_id)),
                urgent=True,
            )
        elif _school_day_before(people.calendar(school_id), deadline) <= today < deadline:
            yield Due(
                school_id,
                f"transfer-due:{pk}:{deadline}",
                "A child-protection file must be sent to a pupil's new school by "
                f"{deadline:%A %-d %B}",
                link,
                frozenset(people.managers(school_id)),
            )
    # Five school days are at least a week of calendar days: only those can be due.
    sent = Transfer.objects.filter(
        state=TransferState.SENT,
        sent_at__lte=now - datetime.timedelta(days=RECEIPT_CHASE_SCHOOL_DAYS),
    ).values_list("pk", "school_id", "sent_at")
    for pk, school_id, sent_at in sent.iterator():
        assert sent_at is not None  # filtered on it  # noqa: S101
        calendar = people.calendar(school_id)
        chase_on = calendar.add_school_days(workdays.local_date(sent_at), RECEIPT_CHASE_SCHOOL_DAYS)
        if chase_on <= today:
            yield Due(
                school_id,
                f"transfer-receipt:{pk}",
                "The new school has not confirmed receipt of a child-protection file: chase it",
                reverse("transfer-detail", kwargs={"pk": pk}),
                frozenset(people.managers(school_id)),
            )


# A leaver's transfer is due within 5 school days (or the first 5 of the next term): a pupil who
# left longer ago than this is past any deadline the review still chases; one whose leaving is
# recorded ahead is chased from the school day before the deadline like any other.
LEAVER_LOOKBACK = datetime.timedelta(days=62)


def leavers_due(now: datetime.datetime, people: People) -> Iterator[Due]:
    """A pupil with safeguarding records who has left (or is leaving) the roll while no transfer
    of their CP file is under way or done: the DSL and deputies on the school day before its
    KCSIE deadline, and once the deadline has passed (the roll keeper's one notification at
    leaving is easy to miss: docs/adr/0022)."""

    today = workdays.local_date(now)
    transferred = Transfer.objects.filter(
        state__in=[*OPEN_TRANSFER_STATES, TransferState.RECEIVED]
    ).values("pupil_id")
    leavers: dict[int, dict[Any, datetime.date]] = defaultdict(dict)
    rows = (
        Pupil.objects.filter(
            left_on__gte=today - LEAVER_LOOKBACK, left_on__lte=today + TRANSFER_REMINDER_AHEAD
        )
        .exclude(pk__in=transferred)
        .values_list("pk", "school_id", "left_on")
    )
    for pk, school_id, left_on in rows.iterator():
        if left_on is not None:  # filtered on it
            leavers[school_id][pk] = left_on
    for school_id, pupils in leavers.items():
        school = School.objects.get(pk=school_id)
        for pk in pupils_with_safeguarding_records(school=school_id, pupil_ids=list(pupils)):
            deadline = transfer_deadline(school=school, leaving_date=pupils[pk]).due
            link = reverse("pupil-detail", kwargs={"pk": pk})
            if deadline < today:
                yield Due(
                    school_id,
                    f"leaver-overdue:{pk}:{deadline}",
                    "A pupil with safeguarding records has left and their child-protection file "
                    "was not sent to the new school by its deadline",
                    link,
                    frozenset(people.managers(school_id)),
                    urgent=True,
                )
            elif _school_day_before(people.calendar(school_id), deadline) <= today:
                yield Due(
                    school_id,
                    f"leaver-due:{pk}:{deadline}",
                    "A pupil with safeguarding records has left: send their child-protection "
                    f"file to the new school by {deadline:%A %-d %B}",
                    link,
                    frozenset(people.managers(school_id)),
                )


CHECKS = {
    "triage": triage_overdue,
    "actions": actions_due,
    "referrals": referrals_due,
    "reviews": reviews_due,
    "lado": lado_overdue,
    "absences": absences_due,
    "transfers": transfers_due,
    "leavers": leavers_due,
}


# --- Raising reminders once --------------------------------------------------------------------


def _already_told(items: list[Due]) -> set[tuple[int, str]]:
    keys = {d.key for d in items}
    told: set[tuple[int, str]] = set()
    key_list = sorted(keys)
    for start in range(0, len(key_list), 5000):
        told.update(
            Reminder.objects.filter(key__in=key_list[start : start + 5000]).values_list(
                "recipient_id", "key"
            )
        )
    return told


RAISE_BATCH = 500  # items written in one transaction


def _raise_all(pending: list[tuple[Due, list[Any], Any]]) -> int:
    """Raise every pending item, a batch to a transaction. If another run told someone in the
    meantime, the batch's insert meets its row and backs out whole; the batch is then raised
    one person at a time, skipping whoever was already told."""
    raised = 0
    for start in range(0, len(pending), RAISE_BATCH):
        batch = pending[start : start + RAISE_BATCH]
        try:
            with transaction.atomic():
                raised += _raise_batch(batch)
        except IntegrityError:
            raised += sum(
                _raise(item, [r], school) for item, recipients, school in batch for r in recipients
            )
    return raised


def _raise_batch(batch: list[tuple[Due, list[Any], Any]]) -> int:
    notifications = []
    keys = []
    for item, recipients, school in batch:
        for r in {r.pk: r for r in recipients}.values():
            notifications.append(
                Notification(
                    school=school,
                    recipient=r,
                    kind=NotificationKind.REMINDER,
                    title=item.title,
                    link=item.link,
                    urgent=item.urgent,
                )
            )
            keys.append(item.key)
    rows = notify_all(notifications)
    Reminder.objects.bulk_create(
        [
            Reminder(school_id=n.school_id, recipient=n.recipient, key=key, notification=n)
            for n, key in zip(rows, keys, strict=True)
        ],
        batch_size=1000,
    )
    return len(rows)


def _raise(item: Due, recipients: list[Any], school: Any) -> int:
    """Tell these people of the item, once: the outbox rows and their `Reminder` rows together."""
    if not recipients:
        return 0
    try:
        with transaction.atomic():
            rows = notify(
                school=school,
                recipients=recipients,
                kind=NotificationKind.REMINDER,
                title=item.title,
                link=item.link,
                urgent=item.urgent,
            )
            Reminder.objects.bulk_create(
                [
                    Reminder(
                        school_id=item.school_id,
                        recipient=n.recipient,
                        key=item.key,
                        notification=n,
                    )
                    for n in rows
                ]
            )
    except IntegrityError:  # another run told them at the same moment: nothing more to do
        return 0
    return len(recipients)


def reviews_run(*, now: datetime.datetime | None = None) -> ReviewReport:
    """Run every check and raise what is due (idempotent)."""

    now = now or timezone.now()
    people = People()
    report = ReviewReport()
    pending: list[tuple[Due, list[int]]] = []
    for name, check in CHECKS.items():
        items = [d for d in check(now, people) if d.recipient_ids]
        report.checked[name] = len(items)
        told = _already_told(items)
        for item in items:
            new = [r for r in item.recipient_ids if (r, item.key) not in told]
            if new:
                pending.append((item, new))
    if not pending:
        return report
    users = User.objects.filter(is_active=True).in_bulk({r for _, new in pending for r in new})
    schools = School.objects.in_bulk({item.school_id for item, _ in pending})
    report.raised = _raise_all(
        [
            (item, [users[r] for r in new if r in users], schools[item.school_id])
            for item, new in pending
        ]
    )
    return report
