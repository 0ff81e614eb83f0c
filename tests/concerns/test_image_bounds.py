"""Uploaded images cost bounded memory (ADR 0031): refused from the header above 40 megapixels, a
PNG rewritten chunk by chunk without decoding, a JPEG decoded at most at 12.6 megapixels, Pillow's
own bomb guard set to the same limit; metadata goes and the pixels stay."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from concerns.uploads import MAX_PIXELS, clean_upload, pillow_limits
from tests.support.peak_memory import peak_growth


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, rows: bytes | None = None, interlace: int = 0) -> bytes:
    """An 8-bit RGB PNG written by hand (quick at any size): one colour unless `rows` are given,
    every row with filter byte 0."""
    if rows is None:
        row = b"\0" + b"\xc8\x1e\x1e" * width
        deflate = zlib.compressobj(9)
        body = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    else:
        body = zlib.compress(rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, interlace)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"tEXt", b"Author\0Jo Reed at 14 Elm Road")
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def _refusal(name: str, data: bytes) -> str:
    with pytest.raises(ValidationError) as error:
        clean_upload(SimpleUploadedFile(name, data))
    return error.value.messages[0]


def test_an_image_over_40_megapixels_is_refused_from_its_header_with_its_size() -> None:
    """The issue's 20000 x 20000 PNG (1.6 GB once decoded): its image data is left empty here,
    which proves no pixel is decoded before the refusal (and keeps the test quick)."""
    assert _refusal("bruise.png", _png(20_000, 20_000, rows=b"")) == (
        "The selected image is too large: 20,000 × 20,000 pixels (400 megapixels). An image can "
        "be at most 40 megapixels: take a screenshot of it, or save it smaller"
    )
    # Just over the limit, where Pillow only warns: refused all the same.
    assert _refusal("bruise.png", _png(7_000, 6_000, rows=b"")).startswith(
        "The selected image is too large: 7,000 × 6,000 pixels (42 megapixels)."
    )


def test_pillows_own_guard_is_at_the_same_limit_and_its_warning_an_error() -> None:
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        pillow_limits()  # what the app sets at start-up (ConcernsConfig.ready), again here
        with pytest.raises(Image.DecompressionBombWarning):
            Image.open(io.BytesIO(_png(7_000, 6_000, rows=b"")))


def test_a_png_loses_its_text_and_keeps_every_pixel() -> None:
    source = Image.new("RGBA", (31, 17))
    source.putdata([(x * 8 % 256, x * 3 % 256, 90, x % 256) for x in range(31 * 17)])
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 14 Elm Road")
    info.add_itxt("Location", "51.5, -0.1")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    source.save(out, "PNG", pnginfo=info, exif=exif, dpi=(300, 300))
    clean = clean_upload(SimpleUploadedFile("mark.png", out.getvalue()))
    for word in (b"Elm Road", b"51.5", b"PhoneMaker", b"tEXt", b"iTXt", b"eXIf", b"pHYs"):
        assert word not in clean.content
    with Image.open(io.BytesIO(clean.content)) as cleaned:
        assert cleaned.tobytes() == source.tobytes()
        assert cleaned.mode == "RGBA"


def test_an_interlaced_png_is_rewritten_whole() -> None:
    """Adam7: seven passes of rows of different lengths, followed one by one."""
    width, height = 9, 10
    colour = [bytes([x * 20, y * 20, 100]) for y in range(height) for x in range(width)]
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2))
    rows = b""
    for x0, y0, dx, dy in (*passes, (0, 1, 1, 2)):
        for y in range(y0, height, dy):
            row = b"".join(colour[y * width + x] for x in range(x0, width, dx))
            rows += b"\0" + row if row else b""
    original = _png(width, height, rows, interlace=1)
    clean = clean_upload(SimpleUploadedFile("mark.png", original))
    with Image.open(io.BytesIO(original)) as a, Image.open(io.BytesIO(clean.content)) as b:
        assert a.tobytes() == b.tobytes()
        assert b"".join(colour) == b.tobytes()


def test_a_png_whose_pixels_are_not_what_its_header_says_is_refused() -> None:
    row = b"\0" + b"\x10\x20\x30" * 4
    for rows in (row * 5, row * 3):  # five rows, or three, where the header says four
        assert _refusal("mark.png", _png(4, 4, rows)) == (
            "The selected PNG is damaged or incomplete"
        )
    bad_filter = (b"\x07" + b"\x10\x20\x30" * 4) * 4
    assert _refusal("mark.png", _png(4, 4, bad_filter)) == (
        "The selected PNG is damaged or incomplete"
    )


def test_a_photo_is_turned_upright_and_loses_its_exif() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone on its side
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, "JPEG", exif=exif, comment=b"Elm Road")
    clean = clean_upload(SimpleUploadedFile("photo.jpg", out.getvalue()))
    assert b"PhoneMaker" not in clean.content
    assert b"Elm Road" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as cleaned:
        assert cleaned.size == (30, 40)
        assert not cleaned.getexif()


def test_a_png_that_its_exif_turns_is_turned_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 8
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, "PNG", exif=exif)
    clean = clean_upload(SimpleUploadedFile("photo.png", out.getvalue()))
    with Image.open(io.BytesIO(clean.content)) as cleaned:
        assert cleaned.size == (30, 40)
        assert not cleaned.getexif()


def test_a_large_photo_is_saved_smaller_and_said() -> None:
    out = io.BytesIO()
    Image.new("RGB", (6000, 4500), (10, 20, 200)).save(out, "JPEG", quality=40)
    clean = clean_upload(SimpleUploadedFile("photo.jpg", out.getvalue()))
    with Image.open(io.BytesIO(clean.content)) as cleaned:
        assert cleaned.size == (3000, 2250)
    assert clean.changes == ("The photo was 6,000 × 4,500 pixels; it was saved at 3,000 × 2,250.",)


def test_a_large_progressive_jpeg_is_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 20, 200)).save(out, "JPEG", quality=40, progressive=True)
    assert _refusal("photo.jpg", out.getvalue()).startswith(
        "The selected image is too large: 4,000 × 3,000 pixels, saved as a progressive JPEG"
    )


# --- Peak memory, measured ----------------------------------------------------------------------


def test_the_issues_113_kb_png_is_cleaned_in_bounded_memory(tmp_path: Path) -> None:
    """A single-colour PNG just under the limit (6,000 x 6,600: about 115 KB, 158 MB once
    decoded). Before ADR 0031 cleaning it grew the process by 450 to 600 MB."""
    data = _png(6_000, 6_600)
    assert len(data) < 200 * 1024
    path = tmp_path / "bruise.png"
    path.write_bytes(data)
    measured = peak_growth("image", path)
    assert measured["outcome"] == "accepted"
    assert measured["growth_mb"] < 100, measured


def test_a_40_megapixel_jpeg_is_cleaned_in_bounded_memory(tmp_path: Path) -> None:
    """A JPEG just under the limit, taken on its side: decoded at half size, then turned."""
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    Image.new("RGB", (6000, 6600), (200, 30, 30)).save(out, "JPEG", quality=40, exif=exif)
    path = tmp_path / "bruise.jpg"
    path.write_bytes(out.getvalue())
    measured = peak_growth("image", path)
    assert measured["outcome"] == "accepted"
    assert measured["growth_mb"] < 100, measured
