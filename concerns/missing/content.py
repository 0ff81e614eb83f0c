"""The canonical content of missing episodes, their steps and continuous absences: what each
signature covers. The one definition, used to sign and by the open bundle
(`transfers/export/bundle.py`) to check; pure functions of the rows.
"""

from __future__ import annotations

from typing import Any

from ..models import ContinuousAbsence, MissingEpisode, MissingEpisodeStep, MissingStep


def episode_start_content(episode: MissingEpisode) -> dict[str, Any]:
    """The signed content of an episode as reported (its hash goes into the chronology)."""
    return {
        "type": "missing_episode",
        "id": episode.pk,
        "school_id": episode.school_id,
        "pupil_id": episode.pupil_id,
        "reported_by": episode.reported_by_id,
        "reporter_name": episode.reporter_name,
        "reporter_job_title": episode.reporter_job_title,
        "missing_since": episode.missing_since,
        "last_seen_at": episode.last_seen_at,
        "last_seen_details": episode.last_seen_details,
        "circumstances": episode.circumstances,
        "significant_harm_believed": episode.significant_harm_believed,
    }


def episode_closed_content(
    episode: MissingEpisode, steps: dict[str, MissingEpisodeStep]
) -> dict[str, Any]:
    """The signed content of a closed episode, with the steps recorded by then."""
    return {
        **episode_start_content(episode),
        "steps": [
            {
                "step": s.step,
                "done_at": s.done_at,
                "not_applicable": s.not_applicable,
                "notes": s.notes,
                "person": s.person,
                "place": s.place,
                "police_line": s.police_line,
                "incident_number": s.incident_number,
                "recorded_by": s.recorded_by_id,
            }
            for key in MissingStep.values
            if (s := steps.get(key)) is not None
        ],
        "closed_at": episode.closed_at,
        "closed_by": episode.closed_by_id,
    }


def step_content(step: MissingEpisodeStep) -> dict[str, Any]:
    """The signed content of one recorded step."""
    return {
        "type": "missing_episode_step",
        "id": step.pk,
        "school_id": step.school_id,
        "episode_id": step.episode_id,
        "step": step.step,
        "done_at": step.done_at,
        "not_applicable": step.not_applicable,
        "notes": step.notes,
        "person": step.person,
        "place": step.place,
        "police_line": step.police_line,
        "incident_number": step.incident_number,
        "recorded_by": step.recorded_by_id,
        "recorder_name": step.recorder_name,
    }


def absence_content(absence: ContinuousAbsence) -> dict[str, Any]:
    """The signed content of an absence as recorded so far (start, then LA told, then end)."""
    return {
        "type": "continuous_absence",
        "id": absence.pk,
        "school_id": absence.school_id,
        "pupil_id": absence.pupil_id,
        "first_day": absence.first_day,
        "contact_attempts": absence.contact_attempts,
        "reason_known": absence.reason_known,
        "recorded_by": absence.recorded_by_id,
        "recorder_name": absence.recorder_name,
        "la_told_at": absence.la_told_at,
        "la_told_whom": absence.la_told_whom,
        "la_reference": absence.la_reference,
        "la_told_by": absence.la_told_by_id,
        "ended_on": absence.ended_on,
        "end_reason": absence.end_reason,
        "ended_by": absence.ended_by_id,
    }
