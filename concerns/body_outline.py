"""The body map's outline (front and back) and the body part under a mark (docs/adr/0043).

One description of the drawing serves every place it is drawn: the draft's body map, the
concern's page, "Check your answers", the print view and the CP-file PDF (the template
`concerns/_body_map_drawing.html` draws these shapes). A mark is stored as a side and x and y in
percent of the drawing (x of its width, y of its height; the drawing is 100 by 200 units), so the
body part is found from where it sits on these shapes. Left and right are the child's own: on the
front the child's right is on the viewer's left; on the back it is on the viewer's right. Pure:
no database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The drawing's size in its own units (its viewBox): y in percent is twice as many units.
WIDTH, HEIGHT = 100, 200


@dataclass(frozen=True)
class Shape:
    """One body part of the outline, in the drawing's units."""

    kind: str  # "circle", "rect" or "ellipse"
    geometry: tuple[float, ...]  # circle: cx cy r; rect: x y w h rx; ellipse: cx cy rx ry
    front: str  # its name seen from the front
    back: str  # its name seen from the back

    def name(self, side: str) -> str:
        return self.back if side == "back" else self.front

    def attrs(self) -> dict[str, float]:
        """The SVG attributes that draw it."""
        keys = {
            "circle": ("cx", "cy", "r"),
            "rect": ("x", "y", "width", "height", "rx"),
            "ellipse": ("cx", "cy", "rx", "ry"),
        }[self.kind]
        return dict(zip(keys, self.geometry, strict=True))

    def centre(self) -> tuple[float, float]:
        if self.kind == "rect":
            x, y, w, h, _ = self.geometry
            return x + w / 2, y + h / 2
        return self.geometry[0], self.geometry[1]

    def distance(self, x: float, y: float) -> float:
        """How far a point is from the shape, in drawing units (0 inside it)."""
        if self.kind == "circle":
            cx, cy, r = self.geometry
            return max(0.0, math.hypot(x - cx, y - cy) - r)
        if self.kind == "ellipse":
            cx, cy, rx, ry = self.geometry
            scaled = math.hypot((x - cx) / rx, (y - cy) / ry)
            return 0.0 if scaled <= 1 else (scaled - 1) * min(rx, ry)
        left, top, w, h, _ = self.geometry
        dx = max(left - x, 0.0, x - (left + w))
        dy = max(top - y, 0.0, y - (top + h))
        return math.hypot(dx, dy)


# Front and back share the outline; the names of the limbs swap sides.
OUTLINE: tuple[Shape, ...] = (
    Shape("circle", (50, 14, 10), "head", "back of head"),
    Shape("rect", (45, 24, 10, 6, 0), "neck", "back of neck"),
    Shape("rect", (33, 30, 34, 28, 6), "chest", "upper back"),
    Shape("rect", (35, 58, 30, 24, 4), "abdomen", "lower back"),
    Shape("rect", (35, 82, 30, 14, 4), "pelvis", "buttocks"),
    Shape("rect", (22, 32, 10, 28, 5), "right upper arm", "left upper arm"),
    Shape("rect", (68, 32, 10, 28, 5), "left upper arm", "right upper arm"),
    Shape("rect", (18, 60, 10, 26, 5), "right forearm", "left forearm"),
    Shape("rect", (72, 60, 10, 26, 5), "left forearm", "right forearm"),
    Shape("circle", (22, 92, 6), "right hand", "left hand"),
    Shape("circle", (78, 92, 6), "left hand", "right hand"),
    Shape("rect", (36, 96, 13, 40, 5), "right thigh", "left thigh"),
    Shape("rect", (51, 96, 13, 40, 5), "left thigh", "right thigh"),
    Shape("rect", (37, 136, 11, 44, 5), "right lower leg", "left lower leg"),
    Shape("rect", (52, 136, 11, 44, 5), "left lower leg", "right lower leg"),
    Shape("ellipse", (42, 186, 7, 5), "right foot", "left foot"),
    Shape("ellipse", (58, 186, 7, 5), "left foot", "right foot"),
)

# A mark further than this from every part (drawing units) is "beside the body".
NEAR = 6.0


def body_part(side: str, x: Decimal | float, y: Decimal | float) -> str:
    """The body part under a mark (x and y in percent of the drawing), as the child's own left
    and right; the nearest part when the mark sits just off the outline."""
    px, py = float(x) / 100 * WIDTH, float(y) / 100 * HEIGHT
    nearest = min(OUTLINE, key=lambda shape: shape.distance(px, py))
    if nearest.distance(px, py) > NEAR:
        return "beside the body"
    return nearest.name(side)


@dataclass
class NumberedMark:
    """A mark as every view shows it: its number in the concern, where and what was seen."""

    number: int
    side: str
    side_label: str
    x: str  # in drawing units, as the SVG takes them
    y: str
    part: str
    description: str
    pupil_name: str
    pk: Any = None


@dataclass
class BodyMapFigure:
    """One pupil's marks (or the marks naming no pupil), drawn front and back."""

    pupil_name: str
    marks: list[NumberedMark] = field(default_factory=list)
    named: bool = True

    @property
    def title(self) -> str:
        return f"Marks on {self.pupil_name}" if self.named else "Marks naming no pupil"

    def on(self, side: str) -> list[NumberedMark]:
        return [m for m in self.marks if m.side == side]

    @property
    def front(self) -> list[NumberedMark]:
        return self.on("front")

    @property
    def back(self) -> list[NumberedMark]:
        return self.on("back")


def _units(value: Decimal | float, scale: int) -> str:
    return f"{float(value) / 100 * scale:.2f}"


def body_map_figures(
    marks: Iterable[Any], pupils: Sequence[tuple[Any, str]] = ()
) -> list[BodyMapFigure]:
    """The marks numbered 1, 2, 3 in the order they were made, in one drawing per pupil (in
    the order of `pupils`, (pupil id, name) pairs). With one pupil, a mark naming none is theirs;
    with more, such marks get a drawing of their own."""
    names = {str(pk): name for pk, name in pupils}
    only = next(iter(names)) if len(names) == 1 else None
    figures: dict[str | None, BodyMapFigure] = {
        pk: BodyMapFigure(pupil_name=name) for pk, name in names.items()
    }
    for number, mark in enumerate(marks, start=1):
        key = str(mark.pupil_id) if mark.pupil_id else only
        if key not in figures:
            figures[key] = BodyMapFigure(pupil_name="no pupil named", named=False)
        figure = figures[key]
        figure.marks.append(
            NumberedMark(
                number=number,
                side=mark.side,
                side_label="Back" if mark.side == "back" else "Front",
                x=_units(mark.x, WIDTH),
                y=_units(mark.y, HEIGHT),
                part=body_part(mark.side, mark.x, mark.y),
                description=mark.description,
                pupil_name=figure.pupil_name,
                pk=mark.pk,
            )
        )
    return [f for f in figures.values() if f.marks]


def numbered_marks(
    marks: Iterable[Any], pupils: Sequence[tuple[Any, str]] = ()
) -> list[NumberedMark]:
    """Every mark numbered as the drawings number it, in number order."""
    return sorted(
        (m for f in body_map_figures(marks, pupils) for m in f.marks), key=lambda m: m.number
    )


def outline_shapes() -> list[dict[str, Any]]:
    """The outline as the template draws it: each shape's element name and attributes."""
    return [{"kind": s.kind, "attrs": s.attrs()} for s in OUTLINE]
