"""The body map drawing: front and back outlines with numbered marks, one drawing per pupil, and
the same as a numbered list in words (docs/adr/0043). One template serves the concern's page,
"Check your answers", the print view and the CP-file PDF."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from ..body_outline import body_map_figures, outline_shapes

register = template.Library()


def _pupils(who: Any) -> list[tuple[Any, str]]:
    """(pupil id, name) pairs from a concern's involvements, or from one pupil."""
    if who is None:
        return []
    if hasattr(who, "date_of_birth"):  # one pupil (the CP-file PDF: that pupil's marks)
        return [(who.pk, who.display_name)]
    return [(i.pupil_id, i.pupil.display_name) for i in who]


@register.inclusion_tag("concerns/_body_map_drawing.html")
def body_map_drawing(
    marks: Iterable[Any], pupils: Any = None, heading: str = "h3", pdf: bool = False
) -> dict[str, Any]:
    """Draw `marks` (BodyMapMark rows, in the order made) for `pupils` (a concern's
    involvements, or one pupil). `heading` is the element naming each pupil's drawing."""
    figures = body_map_figures(list(marks), _pupils(pupils))
    return {
        "figures": figures,
        "shapes": outline_shapes(),
        "sides": [("front", "Front"), ("back", "Back")],
        "heading": heading,
        "several": len(figures) > 1,
        "pdf": pdf,
    }
