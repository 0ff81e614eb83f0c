"""A concern raised by a system: web filtering or monitoring (Smoothwall Monitor, say) sends an
alert through the API and it becomes a concern in the school's triage inbox, written, signed,
put in the chronology and sent to the DSLs by the same services as a person's. The system's own
account is the author; the concern keeps the system's name and the alert's own id, and an
alert sent again (a retry, or two calls at once) finds the concern the first one raised."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from safeguard.access import access_for
from safeguard.forms import date_in_reach
from safeguard.roles import Perm
from schools.models import Pupil, School, User
from schools.selectors import pupil_list_for

from ..models import Concern, Involvement
from ..selectors import concern_for_alert
from .categories import categories_for
from .drafts import (
    MAX_PUPILS,
    concern_draft_update,
    concern_pupil_add,
    concern_start,
    involvement_update,
)
from .submission import concern_submit

# The alert's id in its system: letters, digits and . _ : - (no spaces, so it holds no words).
ALERT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
ALERT_ID_LONGEST = 100
# What the system captured (the search, the site, the device, the account): room for a chat
# excerpt, not for a whole log.
SUMMARY_LONGEST = 10_000
SEVERITY_LONGEST = 60
LINK_LONGEST = 500
# A clock a few minutes ahead of ours is not an alert from the future (as for a person's).
CLOCK_SLACK = datetime.timedelta(minutes=5)
_https = URLValidator(schemes=["https"])


@dataclass(frozen=True)
class AlertPupil:
    """A pupil as an alert names them: by UPN, by their id in Safeguard, or both."""

    upn: str = ""
    pupil_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Alert:
    """What a system says happened."""

    alert_id: str
    pupils: Sequence[AlertPupil]
    occurred_at: datetime.datetime
    summary: str
    category_id: int | None = None
    severity: str = ""
    link: str = ""


@dataclass(frozen=True)
class AlertOutcome:
    concern: Concern
    created: bool  # False: this alert had raised it already


def concern_raise_from_alert(
    *, actor: User, school: School, source_name: str, alert: Alert
) -> AlertOutcome:
    """The concern for a system's alert: raised and signed (its account the author), or, for an
    alert it has sent before, the one that alert raised. Refused with each field's problem
    (`pupils[1].upn`), and nothing written, when the alert cannot be a concern here."""
    if not access_for(actor).has(Perm.LOG_CONCERN, school):
        raise PermissionDenied("You cannot log concerns in this school.")
    existing = concern_for_alert(actor=actor, school=school, alert_id=alert.alert_id)
    if existing is not None:
        return AlertOutcome(existing, created=False)
    pupils, category_ids = _checked(actor=actor, school=school, alert=alert)
    try:
        with transaction.atomic():
            concern = _raise(
                actor=actor,
                school=school,
                source_name=source_name,
                alert=alert,
                pupils=pupils,
                category_ids=category_ids,
            )
    except IntegrityError:
        # The same alert raised at the same moment by another call, which committed first: the
        # constraint (school, author, alert id) stopped this one, and its concern is the answer.
        existing = concern_for_alert(actor=actor, school=school, alert_id=alert.alert_id)
        if existing is None:
            raise
        return AlertOutcome(existing, created=False)
    return AlertOutcome(concern, created=True)


def _checked(*, actor: User, school: School, alert: Alert) -> tuple[list[Pupil], list[int]]:
    """The alert's pupils (on the school's roll) and categories, or every problem at once."""
    problems: dict[str, str] = {}
    if not ALERT_ID.match(alert.alert_id or ""):
        problems["alert_id"] = (
            f"Give the alert's id in your system: up to {ALERT_ID_LONGEST} letters, digits, "
            "full stops, underscores, colons or hyphens"
        )
    pupils = _pupils(actor=actor, school=school, named=alert.pupils, problems=problems)
    category_ids = _category_ids(school=school, category_id=alert.category_id, problems=problems)
    _check_time(alert.occurred_at, problems)
    _check_words(alert, problems)
    if problems:
        raise ValidationError(problems)
    return pupils, category_ids


def _pupils(
    *, actor: User, school: School, named: Sequence[AlertPupil], problems: dict[str, str]
) -> list[Pupil]:
    if not named:
        problems["pupils"] = "Name at least one pupil, by UPN or by their id in Safeguard"
        return []
    if len(named) > MAX_PUPILS:
        problems["pupils"] = f"An alert can name at most {MAX_PUPILS} pupils"
        return []
    upns = {p.upn.strip().upper() for p in named if p.upn}
    ids = {p.pupil_id for p in named if p.pupil_id}
    # The pages' own selector: pupils on this school's roll (not those who have left) that the
    # account may see; another school's pupil is not found, the same as one who does not exist.
    roll = pupil_list_for(actor=actor, school=school)
    by_upn = {p.upn: p for p in roll.filter(upn__in=upns)} if upns else {}
    by_id = {p.pk: p for p in roll.filter(pk__in=ids)} if ids else {}
    found: dict[uuid.UUID, Pupil] = {}
    for i, ref in enumerate(named):
        upn = ref.upn.strip().upper()
        if not upn and ref.pupil_id is None:
            problems[f"pupils[{i}]"] = "Give the pupil's UPN or their id in Safeguard"
            continue
        pupil_by_upn = by_upn.get(upn) if upn else None
        pupil_by_id = by_id.get(ref.pupil_id) if ref.pupil_id else None
        if upn and pupil_by_upn is None:
            problems[f"pupils[{i}].upn"] = "No pupil with this UPN is on the school's roll"
        if ref.pupil_id and pupil_by_id is None:
            problems[f"pupils[{i}].pupil_id"] = "No pupil with this id is on the school's roll"
        if pupil_by_upn and pupil_by_id and pupil_by_upn.pk != pupil_by_id.pk:
            problems[f"pupils[{i}]"] = "The UPN and the id are of two different pupils"
            continue
        pupil = pupil_by_upn or pupil_by_id
        if pupil is not None:
            found[pupil.pk] = pupil  # a pupil named twice is involved once
    return list(found.values())


def _category_ids(
    *, school: School, category_id: int | None, problems: dict[str, str]
) -> list[int]:
    if category_id is None:
        return []
    parents = {c.pk: c.parent_id for c in categories_for(school=school)}
    if category_id not in parents:
        problems["category_id"] = "Choose a category from the school's list of categories"
        return []
    # The draft keeps a sub-category only with its heading ticked, as the page sends them.
    parent = parents[category_id]
    return [category_id] if parent is None else [parent, category_id]


def _check_time(occurred_at: datetime.datetime | None, problems: dict[str, str]) -> None:
    if occurred_at is None:
        problems["occurred_at"] = "Give the date and time of what the alert is about"
        return
    try:
        date_in_reach(occurred_at)
    except ValidationError as error:
        problems["occurred_at"] = error.messages[0]
        return
    if occurred_at > timezone.now() + CLOCK_SLACK:
        problems["occurred_at"] = "The date and time of the alert must be in the past"


def _check_words(alert: Alert, problems: dict[str, str]) -> None:
    texts = {"summary": alert.summary, "severity": alert.severity, "link": alert.link}
    for field, text in texts.items():
        if "\x00" in (text or ""):
            problems[field] = "Remove the NUL characters (no record can hold one)"
    if "summary" not in problems:
        if not (alert.summary or "").strip():
            problems["summary"] = "Describe what the system captured"
        elif len(alert.summary) > SUMMARY_LONGEST:
            problems["summary"] = f"The summary must be {SUMMARY_LONGEST:,} characters or fewer"
    if "severity" not in problems and len(alert.severity or "") > SEVERITY_LONGEST:
        problems["severity"] = f"The risk level must be {SEVERITY_LONGEST} characters or fewer"
    if "link" not in problems and alert.link:
        try:
            _https(alert.link)
        except ValidationError:
            problems["link"] = "Give the alert's address in your system, starting https://"
        else:
            if len(alert.link) > LINK_LONGEST:
                problems["link"] = f"The link must be {LINK_LONGEST} characters or fewer"


def _raise(
    *,
    actor: User,
    school: School,
    source_name: str,
    alert: Alert,
    pupils: list[Pupil],
    category_ids: list[int],
) -> Concern:
    """The draft, written as a person's is (pupils, their involvement, the words), then signed."""
    concern = concern_start(actor=actor, school=school)
    concern.source_name = source_name[:100]
    concern.source_alert_id = alert.alert_id
    concern.source_link = alert.link
    # Here, not at the end: a second call with the same alert waits on this row and is refused.
    concern.save(update_fields=["source_name", "source_alert_id", "source_link", "updated_at"])
    for pupil in pupils:
        involvement = concern_pupil_add(actor=actor, concern=concern, pupil=pupil)
        involvement_update(
            actor=actor,
            involvement=involvement,
            kind=Involvement.OTHER,
            other=f"Named in an alert from {concern.source_name}",
            category_ids=category_ids,
        )
    concern_draft_update(actor=actor, concern=concern, values=alert_words(concern, alert))
    return concern_submit(actor=actor, concern=concern)


def alert_words(concern: Concern, alert: Alert) -> dict[str, object]:
    """Part 1 as a system can fill it in: what it captured as the account, its risk level as the
    reason for recording (in its own words: each system has its own scale), where to find the
    alert; no professional opinion, and "child in immediate danger" left unanswered (a person's
    judgement; the DSL reads the risk level)."""
    source = concern.source_name
    severity = alert.severity.strip()
    reason = f"An alert from {source}" + (
        f", which gave it the risk level “{severity}”." if severity else " (it gave no risk level)."
    )
    where = f"Alert {alert.alert_id} in {source}" + (f": {alert.link}" if alert.link else ".")
    return {
        "incident_at": alert.occurred_at,
        "location": f"On a device or account that {source} monitors"[:200],
        "reason_for_recording": reason,
        "account": alert.summary.strip(),
        "other_information": where,
        "immediate_danger": None,
    }
