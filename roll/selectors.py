"""Reads for keeping the roll by hand: the pupil a roll keeper changes, the duplicates of what was
typed, and which pupils have safeguarding records (docs/adr/0022).

`pupil_duplicates_for` and `pupils_with_safeguarding_records` take a school the caller has
already checked the actor for (the services do); they never return a record of another school.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from chronology.models import ChronologyEntry, CpFile, PupilStatus, RiskAssessmentPupil
from concerns.models import ConcernPupil, ConcernStatus, ContinuousAbsence, MissingEpisode
from referrals.models import Referral
from safeguard.access import access_for, get_for_actor_or_404
from safeguard.roles import Perm
from schools.models import Pupil, School, search_key
from schools.selectors import pupil_list_for
from transfers.models import IncomingTransfer


def pupil_for_roll_keeper(*, actor: Any, pk: Any) -> Pupil:
    """A pupil whose roll entry the actor keeps. One they cannot see at all (another school, a
    missing id) is the same 404; one they see but whose roll they do not keep is 403."""
    pupil = get_for_actor_or_404(
        Pupil.objects.select_related("school"), actor=actor, perm=Perm.VIEW_PUPILS, pk=pk
    )
    if not access_for(actor).has(Perm.MANAGE_PUPIL_ROLL, pupil.school_id):
        raise PermissionDenied
    return pupil


def roll_list_for(
    *,
    actor: Any,
    school: School,
    on_roll: bool | None = None,
    updated_since: datetime.datetime | None = None,
) -> QuerySet[Pupil]:
    """The school's roll as a system reconciling it sees it (the API's list): every pupil the
    actor may see, on the roll or left (`on_roll`: only those, or only those who have left, as
    the pupil list counts them), changed since `updated_since` when given."""
    pupils = pupil_list_for(actor=actor, school=school, include_left=on_roll is not True)
    if on_roll is False:
        pupils = pupils.exclude(Q(left_on__isnull=True) | Q(left_on__gt=timezone.localdate()))
    if updated_since is not None:
        pupils = pupils.filter(updated_at__gte=updated_since)
    return pupils


@dataclass
class Duplicates:
    """Pupils of the school, on the roll or who have left, that match what was typed."""

    upn: Pupil | None = None
    same_name_and_birth: list[Pupil] = field(default_factory=list)


def pupil_duplicates_for(
    *,
    school: School | int,
    upn: str,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: datetime.date | None,
    exclude: Pupil | None = None,
) -> Duplicates:
    """Another pupil of the school with this UPN, and others with the same legal first and last
    name (compared as search compares them: no case, accents or apostrophes) and date of birth.
    Leavers count: a UPN stays the child's for life. Two queries at most."""
    found = Duplicates()
    others = Pupil.objects.filter(school=school)
    if exclude is not None and exclude.pk is not None:
        others = others.exclude(pk=exclude.pk)
    upn = (upn or "").strip().upper()
    if upn:
        found.upn = others.filter(upn=upn).first()
    first, last = search_key(legal_first_name or ""), search_key(legal_last_name or "")
    if date_of_birth is not None and first and last:
        found.same_name_and_birth = [
            p
            for p in others.filter(date_of_birth=date_of_birth).order_by("joined_on", "pk")
            if search_key(p.legal_first_name) == first and search_key(p.legal_last_name) == last
        ]
    return found


def pupils_with_safeguarding_records(*, school: School | int, pupil_ids: Iterable[Any]) -> set[Any]:
    """Which of these pupils have any safeguarding record at this school: a submitted concern
    about them, a CP file (open or closed), a chronology entry, a status or plan, a referral, a
    missing episode, a continuous absence, a risk assessment or a CP file received for them.
    One query per kind of record, whatever the number of pupils. For deciding who must be told,
    never shown to someone who may not read CP records."""

    remaining = set(pupil_ids)
    found: set[Any] = set()
    kinds: list[QuerySet[Any]] = [
        ChronologyEntry.objects.all(),
        CpFile.objects.all(),
        ConcernPupil.objects.exclude(concern__status=ConcernStatus.DRAFT),
        PupilStatus.objects.all(),
        Referral.objects.all(),
        MissingEpisode.objects.all(),
        ContinuousAbsence.objects.all(),
        RiskAssessmentPupil.objects.all(),
        IncomingTransfer.objects.all(),
    ]
    for rows in kinds:
        if not remaining:
            break
        hits = set(
            rows.filter(school=school, pupil_id__in=remaining)
            .order_by()
            .values_list("pupil_id", flat=True)
            .distinct()
        )
        found |= hits
        remaining -= hits
    return found
