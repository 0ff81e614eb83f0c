"""The body map in the CP-file PDF (issue 20, docs/adr/0043): the outline drawn with the pupil's
numbered marks, read back from the PDF as pixels (poppler's `pdftoppm`), and the same marks as
a numbered list in words (`pdftotext`)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from PIL import Image

from tests.support.factories import PupilFactory
from tests.support.records.cp_file import concern_with_part_2, seed_categories
from tests.support.transfers import ReadPdf
from tests.support.world import World
from transfers.export.pdf import cp_file_pdf

RED = (0xD4, 0x35, 0x1C)  # a mark's fill
OUTLINE = (0xF3, 0xF2, 0xF1)  # the body's fill


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int], slack: int = 40) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(pixel[:3], colour, strict=True))


def _page_image(pdf: Path, page: int, folder: Path) -> Image.Image:
    prefix = folder / "page"
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", "60", "-png", "-singlefile",  # noqa: S607
         str(pdf), str(prefix)],
        check=True,
    )  # fmt: skip
    return Image.open(f"{prefix}.png").convert("RGB")


def test_the_cp_file_draws_the_pupils_body_map_with_numbered_marks(
    world: World, tmp_path: Path
) -> None:
    categories = seed_categories(world)
    other = PupilFactory(school=world.school)
    concern_with_part_2(world, world.pupil, categories, others=[other])
    rendered = cp_file_pdf(
        actor=world.users["dsl"], pupil=world.pupil, receiving_school="Elm School"
    )
    read = ReadPdf(rendered, tmp_path)

    # The numbered list in words, on the page with the drawing.
    line = f"Mark 1: {world.pupil.display_name}, front, right upper arm. Round bruise"
    pages = [n for n, text in enumerate(read.page_texts, start=1) if line in text]
    assert pages, "the numbered list of marks is not in the PDF"
    assert "Left and right are the child's own left and right." in read.text
    # The other pupil's mark is theirs: not in this pupil's file.
    assert "Graze on the other child's back" not in read.text

    # The drawing: the body's outline and a red numbered mark, on that page.
    image = _page_image(read.path, pages[0], tmp_path)
    access: Any = image.load()
    pixels = [(x, access[x, y]) for y in range(image.height) for x in range(image.width)]
    red_xs = [x for x, p in pixels if _near(p, RED)]
    body_xs = [x for x, p in pixels if _near(p, OUTLINE, slack=4) and p != (255, 255, 255)]
    assert len(body_xs) > 300, "no body outline drawn"
    assert len(red_xs) > 15, "no mark drawn"
    # The mark sits on the outline's left half as drawn (the child's right upper arm, front).
    front_left, front_right = min(body_xs), min(body_xs) + (max(body_xs) - min(body_xs)) // 2
    assert all(front_left - 5 <= x <= front_right for x in red_xs)
