"""Checking and cleaning uploaded files: images and PDFs only, judged by content, not by name."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs
ALLOWED_IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", {"jpg", "jpeg"}),
    "MPO": (
        "image/jpeg",
        {"jpg", "jpeg"},
    ),  # phones' multi-picture JPEGs; the first picture is kept
    "PNG": ("image/png", {"png"}),
}
PDF_EXTENSIONS = {"pdf"}


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    name: str
    sha256: str


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def clean_upload(upload: UploadedFile) -> CleanFile:
    """A JPEG, PNG or PDF whose content matches its name, with image metadata removed."""
    name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-150:]
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError("The selected file must be smaller than 10MB", code="too_big")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError("The selected file must be smaller than 10MB", code="too_big")
    if not data:
        raise ValidationError("The selected file is empty", code="empty")
    ext = _extension(name)

    if data.startswith(b"%PDF-"):
        if ext not in PDF_EXTENSIONS:
            raise ValidationError(
                "The selected file is a PDF but its name does not end in .pdf", code="mismatch"
            )
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError("The selected PDF is damaged or incomplete", code="damaged")
        return CleanFile(data, "application/pdf", name, hashlib.sha256(data).hexdigest())

    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError("The selected image is too large", code="too_big")
            probe.verify()
    except Image.DecompressionBombError as exc:
        raise ValidationError("The selected image is too large", code="too_big") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError("The selected file must be a JPG, PNG or PDF", code="type") from exc
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError("The selected file must be a JPG, PNG or PDF", code="type")
    content_type, extensions = ALLOWED_IMAGE_FORMATS[image_format]
    if ext not in extensions:
        raise ValidationError(
            f"The selected file is a {image_format} image but its name ends in .{ext or '(none)'}",
            code="mismatch",
        )
    content = _strip_metadata(data, image_format)
    return CleanFile(content, content_type, name, hashlib.sha256(content).hexdigest())


def _strip_metadata(data: bytes, image_format: str) -> bytes:
    """Re-encode the pixels only: EXIF (camera, time, GPS location) and other metadata are gone.

    The orientation EXIF carried is applied to the pixels first, so the photo stays upright.
    """
    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError("The selected image is too large", code="too_big")
        upright = ImageOps.exif_transpose(image)
        if image_format in ("JPEG", "MPO"):
            pixels = upright.convert("RGB")
        else:  # palette and grey PNGs keep their colours and transparency as RGBA
            pixels = upright if upright.mode in ("RGB", "RGBA") else upright.convert("RGBA")
        clean = Image.new(pixels.mode, pixels.size)
        clean.paste(pixels)
        out = io.BytesIO()
        if image_format in ("JPEG", "MPO"):
            clean.save(out, "JPEG", quality=90)
        else:
            clean.save(out, "PNG", optimize=True)
        return out.getvalue()
