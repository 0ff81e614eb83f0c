"""Checking and cleaning uploaded files: images and PDFs only, judged by content, not by name.

Memory is bounded whatever the file claims (ADR 0031): an image's size is read from its header and
refused above `MAX_PIXELS` before any pixel is decoded; a PNG is rewritten chunk by chunk without
decoding it; a JPEG is decoded at most at `REENCODE_MAX_PIXELS` (libjpeg scales a larger one down
as it decodes); a PDF is opened with qpdf and cleaned of what can run or carry (`pdf_clean`).
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from .pdf_clean import pdf_clean

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refused from the header, before decoding: decompression bombs
# The most pixels decoded at once (a phone's 12-megapixel photo, 4032 x 3024, fits): Pillow holds
# 4 bytes a pixel, and turning a photo upright holds two copies, so about 100 MB at most.
REENCODE_MAX_PIXELS = 4096 * 3072
# A progressive JPEG cannot be decoded smaller: libjpeg holds every coefficient of the whole
# picture (up to 6 bytes a pixel) beside the decoded pixels, so about 100 MB at this size.
PROGRESSIVE_MAX_PIXELS = 10_000_000
ALLOWED_IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", {"jpg", "jpeg"}),
    "MPO": (
        "image/jpeg",
        {"jpg", "jpeg"},
    ),  # phones' multi-picture JPEGs; the first picture is kept
    "PNG": ("image/png", {"png"}),
}
PDF_EXTENSIONS = {"pdf"}
EXIF_ORIENTATION = 0x0112


def pillow_limits() -> None:
    """Pillow's own guard at our limit, its warning an error: every image it opens in this process
    (uploads, and WeasyPrint's when it draws the CP-file PDF) is held to `MAX_PIXELS`."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    warnings.simplefilter("error", Image.DecompressionBombWarning)


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    name: str
    sha256: str
    # What cleaning took out of the file or changed, in words for the person who uploaded it.
    changes: tuple[str, ...] = field(default=())


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def clean_upload(upload: UploadedFile) -> CleanFile:
    """A JPEG, PNG or PDF whose content matches its name, with image metadata removed and a PDF's
    scripts, embedded files and actions that reach outside it removed."""
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
        cleaned = pdf_clean(data)
        content = cleaned.content
        return CleanFile(
            content,
            "application/pdf",
            name,
            hashlib.sha256(content).hexdigest(),
            changes=cleaned.removed,
        )

    image_format, size = _image_header(data)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError("The selected file must be a JPG, PNG or PDF", code="type")
    content_type, extensions = ALLOWED_IMAGE_FORMATS[image_format]
    if ext not in extensions:
        raise ValidationError(
            f"The selected file is a {image_format} image but its name ends in .{ext or '(none)'}",
            code="mismatch",
        )
    content, changes = _strip_metadata(data, image_format, size)
    return CleanFile(
        content, content_type, name, hashlib.sha256(content).hexdigest(), changes=changes
    )


def _too_large(width: int, height: int) -> ValidationError:
    return ValidationError(
        f"The selected image is too large: {width:,} × {height:,} pixels "
        f"({width * height / 1_000_000:,.0f} megapixels). An image can be at most "
        f"{MAX_PIXELS // 1_000_000} megapixels: take a screenshot of it, or save it smaller",
        code="too_big",
    )


def _image_header(data: bytes) -> tuple[str | None, tuple[int, int]]:
    """The image's format and size from its header alone; refused above `MAX_PIXELS`."""
    try:
        # Pillow's bomb warning (past MAX_IMAGE_PIXELS) is an error here wherever it is raised.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:  # reads the header; decodes nothing
                image_format, size = probe.format, probe.size
                if size[0] * size[1] > MAX_PIXELS:
                    raise _too_large(*size)
                probe.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        declared = _header_size(data)
        raise (
            _too_large(*declared)
            if declared
            else ValidationError("The selected image is too large", code="too_big")
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, struct.error) as exc:
        raise ValidationError("The selected file must be a JPG, PNG or PDF", code="type") from exc
    return image_format, size


def _header_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's width and height from its IHDR (Pillow refuses to open a bomb, so cannot say)."""
    if data.startswith(_PNG_SIGNATURE) and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    return None


def _strip_metadata(
    data: bytes, image_format: str, size: tuple[int, int]
) -> tuple[bytes, tuple[str, ...]]:
    """The pixels only: EXIF (camera, time, GPS location), comments and every other kind of
    metadata are gone, and a photo turned upright by the orientation its EXIF gave."""
    if image_format == "PNG" and not _png_turned(data):
        return _png_without_metadata(data), ()
    return _reencoded(data, image_format, size)


def _png_turned(data: bytes) -> bool:
    """Whether a PNG's EXIF (an eXIf chunk) turns it: then its pixels are turned upright."""
    if b"eXIf" not in data:
        return False
    with Image.open(io.BytesIO(data)) as image:
        return image.getexif().get(EXIF_ORIENTATION, 1) != 1


def _reencoded(
    data: bytes, image_format: str, size: tuple[int, int]
) -> tuple[bytes, tuple[str, ...]]:
    """Decoded (at most `REENCODE_MAX_PIXELS`), turned upright, encoded afresh without metadata."""
    width, height = size
    changes: tuple[str, ...] = ()
    with Image.open(io.BytesIO(data)) as image:
        if image.info.get("progressive") and width * height > PROGRESSIVE_MAX_PIXELS:
            raise ValidationError(
                f"The selected image is too large: {width:,} × {height:,} pixels, saved as a "
                f"progressive JPEG, which can be at most {PROGRESSIVE_MAX_PIXELS // 1_000_000} "
                "megapixels. Save it as an ordinary JPEG, or smaller, and upload it again",
                code="too_big",
            )
        if width * height > REENCODE_MAX_PIXELS:
            if image_format == "PNG":  # a PNG cannot be decoded smaller
                raise ValidationError(
                    f"The selected image is too large to turn upright: {width:,} × {height:,} "
                    "pixels. Save it upright, or smaller, and upload it again",
                    code="too_big",
                )
            scale = next(s for s in (2, 4, 8) if width * height <= REENCODE_MAX_PIXELS * s * s)
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale: only the smaller picture is held.
            image.draft("RGB", (width // scale, height // scale))
            if image.width * image.height > REENCODE_MAX_PIXELS:
                raise _too_large(width, height)
            changes = (
                f"The photo was {width:,} × {height:,} pixels; it was saved at "
                f"{image.width:,} × {image.height:,}.",
            )
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        if image_format in ("JPEG", "MPO"):
            pixels = image if image.mode == "RGB" else image.convert("RGB")
        else:  # palette and grey PNGs keep their colours and transparency as RGBA
            pixels = image if image.mode in ("RGB", "RGBA") else image.convert("RGBA")
        pixels.info = {}  # no comment, ICC profile or text travels on from the original
        out = io.BytesIO()
        if image_format in ("JPEG", "MPO"):
            pixels.save(out, "JPEG", quality=90)
        else:
            pixels.save(out, "PNG", optimize=True)
        return out.getvalue(), changes


# --- PNG, chunk by chunk ------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Kept: what the pixels mean. Every other chunk (text, EXIF, time, ICC profile, physical size,
# animation frames) is metadata, and goes.
_PNG_KEPT = (b"IHDR", b"PLTE", b"tRNS")
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples a pixel
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
# Adam7 interlacing: each pass's first column and row, and its steps across and down.
_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
_PNG_CHUNK = 64 * 1024


def _not_png() -> ValidationError:
    return ValidationError("The selected PNG is damaged or incomplete", code="damaged")


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The PNG's chunks (type, data), each one's CRC checked, ending at IEND."""
    chunks: list[tuple[bytes, bytes]] = []
    pos = len(_PNG_SIGNATURE)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length] or b"\0\0\0\0")
        if len(body) != length or zlib.crc32(kind + body) != crc:
            raise _not_png()
        chunks.append((kind, body))
        pos += 12 + length
        if kind == b"IEND":
            return chunks
    raise _not_png()


def _png_rows(width: int, height: int, bits: int, interlaced: bool) -> list[tuple[int, int]]:
    """Each pass's row length in bytes (its filter byte first) and number of rows."""
    if not interlaced:
        return [(1 + (width * bits + 7) // 8, height)]
    passes = []
    for x0, y0, dx, dy in _ADAM7:
        across, down = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
        if across > 0 and down > 0:
            passes.append((1 + (across * bits + 7) // 8, down))
    return passes


class _PngRows:
    """Follows the decompressed image data row by row: each row's filter byte is one of the five
    PNG defines, and the data is exactly as long as the header says, never longer."""

    def __init__(self, passes: list[tuple[int, int]]) -> None:
        self.passes = passes
        self.pos = 0  # bytes into the current pass

    def feed(self, data: bytes) -> None:
        i = 0
        while i < len(data):
            if not self.passes:
                raise _not_png()  # more pixels than the header declares: cut off here
            row, rows = self.passes[0]
            n = min(len(data) - i, row * rows - self.pos)
            filters = data[i + (-self.pos % row) : i + n : row]
            if filters and max(filters) > 4:
                raise _not_png()
            self.pos += n
            i += n
            if self.pos == row * rows:
                self.passes.pop(0)
                self.pos = 0

    def done(self) -> bool:
        return not self.passes


def _png_without_metadata(data: bytes) -> bytes:
    """The PNG rewritten with only IHDR, PLTE, tRNS, its image data (decompressed and compressed
    afresh in chunks, so never whole in memory) and IEND."""
    chunks = _png_chunks(data)
    kinds = [kind for kind, _ in chunks]
    if kinds[0] != b"IHDR" or kinds.count(b"IHDR") != 1 or len(chunks[0][1]) != 13:
        raise _not_png()
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    if (
        depth not in _PNG_DEPTHS.get(colour, ())
        or (compression, filtering) != (0, 0)
        or interlace not in (0, 1)
        or (colour == 3 and b"PLTE" not in kinds)
    ):
        raise _not_png()
    rows = _PngRows(_png_rows(width, height, depth * _PNG_CHANNELS[colour], interlace == 1))
    out = io.BytesIO()
    out.write(_PNG_SIGNATURE)
    for kind, body in chunks:
        if kind in _PNG_KEPT:
            _write_chunk(out, kind, body)
    inflate, deflate = zlib.decompressobj(), zlib.compressobj(6)
    pending = b""
    try:
        for kind, body in chunks:
            if kind != b"IDAT":
                continue
            piece = inflate.decompress(body, _PNG_CHUNK)
            while piece:
                rows.feed(piece)
                pending += deflate.compress(piece)
                if len(pending) >= _PNG_CHUNK:
                    _write_chunk(out, b"IDAT", pending)
                    pending = b""
                piece = inflate.decompress(inflate.unconsumed_tail, _PNG_CHUNK)
    except zlib.error as exc:
        raise _not_png() from exc
    if not rows.done():
        raise _not_png()
    _write_chunk(out, b"IDAT", pending + deflate.flush())
    _write_chunk(out, b"IEND", b"")
    return out.getvalue()


def _write_chunk(out: io.BytesIO, kind: bytes, body: bytes) -> None:
    out.write(struct.pack(">I", len(body)) + kind + body)
    out.write(struct.pack(">I", zlib.crc32(kind + body)))
