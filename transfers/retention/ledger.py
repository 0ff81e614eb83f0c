"""Retention's answers to the chain ledger, registered into `chronology.ledger.hooks` in
`TransfersConfig.ready()`: the ledger sits below retention and never imports it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from safeguard.notifications import NotificationKind, notify
from schools.models import School
from schools.selectors import safeguarding_leads

from . import services


class RetentionLedger:
    """Files in retention are read-only; destroyed entries are checked against their tombstone."""

    def is_read_only(self, *, school_id: int, pupil_id: Any) -> bool:
        return services.retention_read_only(school_id=school_id, pupil_id=pupil_id)

    def read_only_pupils(self, *, school_id: int, pupil_ids: list[Any]) -> set[Any]:
        return services.pupils_in_retention(school_id=school_id, pupil_ids=pupil_ids)

    def read_only_error(self, pupil_id: Any) -> ValidationError:
        return services.read_only_error(pupil_id)

    def destroyed_entries(self, school_id: int) -> dict[str, tuple[str, str]]:
        return services.destroyed_entries(school_id)

    def destroyed_pupils(self, school_id: int) -> set[str]:
        return services.destroyed_pupils(school_id)

    def on_skipped(self, *, school_id: int, concern_id: Any) -> None:
        """A new record also names a child whose file has left: the DSL passes it on."""
        notify(
            school=School.objects.get(pk=school_id),
            recipients=safeguarding_leads(school_id),
            kind=NotificationKind.RECORD_NAMES_LEAVER,
            title=(
                "A new record also names a child whose file has left this school: pass what "
                "concerns them to their new school"
            ),
            link=(
                reverse("concern-detail", kwargs={"pk": concern_id})
                if concern_id
                else reverse("retention-list")
            ),
        )


provider = RetentionLedger()
