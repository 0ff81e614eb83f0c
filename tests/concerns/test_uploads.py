"""Attachments: images and PDFs only, judged by content, size-limited, metadata stripped."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from concerns.uploads import MAX_BYTES, clean_upload
from tests.support.world import PDF_BYTES


def _jpeg_with_location() -> bytes:
    image = Image.new("RGB", (40, 30), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photo_location_and_camera_details_are_removed() -> None:
    raw = _jpeg_with_location()
    assert Image.open(io.BytesIO(raw)).getexif()  # the original carries EXIF
    clean = clean_upload(SimpleUploadedFile("photo.jpg", raw))
    assert clean.content_type == "image/jpeg"
    cleaned = Image.open(io.BytesIO(clean.content))
    assert not cleaned.getexif()
    assert b"PhoneMaker" not in clean.content
    assert cleaned.size == (40, 30)


def test_png_and_pdf_are_accepted() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10)).save(out, "PNG")
    assert clean_upload(SimpleUploadedFile("mark.png", out.getvalue())).content_type == "image/png"
    assert (
        clean_upload(SimpleUploadedFile("letter.pdf", PDF_BYTES)).content_type == "application/pdf"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.jpg", b"just some text pretending", "must be a JPG, PNG or PDF"),
        ("script.pdf", b"<script>alert(1)</script>", "must be a JPG, PNG or PDF"),
        ("letter.jpg", PDF_BYTES, "is a PDF but its name does not end in .pdf"),
        ("photo.pdf", None, "is a JPEG image but its name ends in .pdf"),
        ("empty.png", b"", "is empty"),
        ("big.pdf", b"%PDF-" + b"0" * MAX_BYTES, "must be smaller than 10MB"),
    ],
)
def test_files_that_are_not_what_they_say_are_refused(
    name: str, content: bytes | None, message: str
) -> None:
    data = _jpeg_with_location() if content is None else content
    with pytest.raises(ValidationError) as error:
        clean_upload(SimpleUploadedFile(name, data))
    assert message in error.value.messages[0]


def test_palette_png_keeps_its_colours() -> None:
    image = Image.new("P", (4, 4))
    image.putpalette([255, 0, 0] + [0, 0, 0] * 255)
    out = io.BytesIO()
    image.save(out, "PNG")
    clean = clean_upload(SimpleUploadedFile("red.png", out.getvalue()))
    assert Image.open(io.BytesIO(clean.content)).convert("RGB").getpixel((1, 1)) == (255, 0, 0)


def test_phone_multi_picture_jpeg_is_accepted() -> None:
    frames = [Image.new("RGB", (20, 10), (0, 0, 200)), Image.new("RGB", (20, 10), (0, 200, 0))]
    out = io.BytesIO()
    frames[0].save(out, "MPO", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    clean = clean_upload(SimpleUploadedFile("IMG_0001.jpg", out.getvalue()))
    assert clean.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(clean.content)).format == "JPEG"


def test_an_enormous_image_is_refused_not_a_server_error() -> None:
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")  # 81 million pixels in a small file
    with pytest.raises(ValidationError) as error:
        clean_upload(SimpleUploadedFile("bomb.png", out.getvalue()))
    assert error.value.messages == [
        "The selected image is too large: 9,000 × 9,000 pixels (81 megapixels). An image can be "
        "at most 40 megapixels: take a screenshot of it, or save it smaller"
    ]
