"""The header's badges: untriaged concerns, pupils missing now, unread notifications."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from concerns.models import MissingEpisode
from concerns.selectors import untriaged_for
from safeguard.access import access_for
from safeguard.notifications import unread_notifications_for
from safeguard.roles import Perm
from schools.models import School


class HeaderCounts(NamedTuple):
    """The navigation badges."""

    triage: int  # concerns not yet triaged (for who triages)
    missing: int  # pupils missing now (for readers of CP records)
    unread: int  # the person's own unread notifications in their inbox (for everyone)


def header_counts(*, actor: Any, school: School) -> HeaderCounts:
    """The navigation badges, all from one query on every page (the notification badge rides on
    the triage badge's query for a DSL; a reader of CP records who does not triage gets the
    missing count in it, and everyone else the unread count alone)."""

    def count_of(rows: QuerySet[Any], by: str = "school") -> Coalesce:
        counted = rows.order_by().values(by).annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    access = access_for(actor)
    # The unread notifications of the actor's inbox: for the trust safeguarding officer, every
    # school of the trust (issue 20), so counted per recipient, not per school.
    unread = unread_notifications_for(actor=actor, school=school, inbox=True)
    counts = {"unread": count_of(unread, by="recipient")}
    if access.has(Perm.READ_CP_RECORDS, school):
        counts["missing_now"] = count_of(
            MissingEpisode.objects.filter(school=school, closed_at__isnull=True)
        )
    if access.has(Perm.MANAGE_CP_RECORDS, school):
        counts["triage"] = count_of(untriaged_for(actor=actor, school=school))
    row = School.objects.filter(pk=school.pk).annotate(**counts).values(*counts).get()
    return HeaderCounts(
        triage=row.get("triage", 0), missing=row.get("missing_now", 0), unread=row["unread"]
    )
