"""Missing episodes, their steps and continuous absences re-hashed from their current rows, many at
once, for the chain ledger's check (registered in `ConcernsConfig.ready()`; docs/adr/0030), with
the content functions that signed them (`content.py`).

These are signed in stages, and each stage's chronology entry holds the hash of what was known
then: an episode as reported, then as closed (with the steps recorded by then); an absence as it
started, when the local authority was told, when it ended. Each stage is recomputed from the row
by leaving out what came after it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from chronology.ledger.sources import Answer, Cited, Context, answer, cited_id, cited_ids
from chronology.models import ChronologyEntry, EntryKind
from safeguard.signing import content_hash

from ..models import ContinuousAbsence, MissingEpisode, MissingEpisodeStep
from .content import absence_content, episode_closed_content, episode_start_content, step_content


def _chronicled_steps(school_id: int, steps: list[MissingEpisodeStep]) -> set[str]:
    """Steps recorded after their episode closed: each has its own entry and is not part of the
    closed episode's signed content (the open bundle draws the same line)."""
    return set(
        ChronologyEntry.objects.filter(
            school_id=school_id,
            source_label=MissingEpisodeStep._meta.label,
            source_id__in=[str(s.pk) for s in steps],
        ).values_list("source_id", flat=True)
    )


def missing_episodes_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """An episode as reported ("Reported missing"), or as closed with its steps up to closing
    ("Found"): each entry is checked against its own stage."""
    episodes = {
        e.pk: e
        for e in MissingEpisode.objects.filter(
            school_id=context.school_id, pk__in=cited_ids(cited)
        ).prefetch_related("steps")
    }
    closed = {
        pk for c in cited if c.kind == EntryKind.MISSING_CLOSED and (pk := cited_id(c)) in episodes
    }
    chronicled = _chronicled_steps(
        context.school_id, [s for pk in closed for s in episodes[pk].steps.all()]
    )

    def stage(episode: MissingEpisode, kind: str) -> str:
        if kind != EntryKind.MISSING_CLOSED:
            return content_hash(episode_start_content(episode))
        steps = {s.step: s for s in episode.steps.all() if str(s.pk) not in chronicled}
        return content_hash(episode_closed_content(episode, steps))

    return {
        c: {stage(episodes[pk], c.kind)}
        for c in cited
        if (pk := cited_id(c)) is not None and pk in episodes
    }


def missing_steps_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """A step recorded after its episode closed (the return interview), on its own."""
    steps = MissingEpisodeStep.objects.filter(school_id=context.school_id, pk__in=cited_ids(cited))
    return answer(cited, {s.pk: {content_hash(step_content(s))} for s in steps})


def _without_la_told(absence: ContinuousAbsence) -> ContinuousAbsence:
    earlier = copy.copy(absence)
    earlier.la_told_at, earlier.la_told_whom, earlier.la_reference = None, "", ""
    earlier.la_told_by_id = None
    return earlier


def _without_end(absence: ContinuousAbsence) -> ContinuousAbsence:
    earlier = copy.copy(absence)
    earlier.ended_on, earlier.end_reason, earlier.ended_by_id = None, "", None
    return earlier


def _absence_stages(absence: ContinuousAbsence, kind: str) -> set[str]:
    """The hashes the absence had at the stage an entry signs. The local authority may be told
    before or after the absence ends, so those two stages may or may not hold the other's facts;
    the start holds neither."""
    if kind == EntryKind.ABSENCE_STARTED:
        versions = [_without_end(_without_la_told(absence))]
    elif kind == EntryKind.ABSENCE_LA_TOLD:
        versions = [_without_end(absence), absence]
    elif kind == EntryKind.ABSENCE_ENDED:
        versions = [_without_la_told(absence), absence]
    else:
        versions = [absence]
    return {content_hash(absence_content(v)) for v in versions}


def absences_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """A continuous absence at the stage each entry signs."""
    absences = {
        a.pk: a
        for a in ContinuousAbsence.objects.filter(
            school_id=context.school_id, pk__in=cited_ids(cited)
        )
    }
    return {
        c: _absence_stages(absences[pk], c.kind)
        for c in cited
        if (pk := cited_id(c)) is not None and pk in absences
    }
