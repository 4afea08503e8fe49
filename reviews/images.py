"""Uploaded chart images: checked by what they contain, never by what they are called, and
re-encoded before anything is stored.

A file is accepted only if its first bytes are a PNG or JPEG signature, Pillow reads and
verifies it as that same format, its name ends with that format's extension (a JPEG called
chart.png is refused: a name that lies about its content is a warning sign, and people are
better told than silently corrected), it is under the size and pixel limits, and it decodes
completely. The stored image is a fresh encoding of the decoded pixels: metadata (EXIF, text
chunks, colour profiles), trailing data and anything else hidden in the upload are left behind.
Pillow comes with WeasyPrint, which the document pipeline already needs.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

# Within the cap on every request body (settings.MAX_REQUEST_BODY), so the page says why.
MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000
MAX_SIDE = 10_000

NOT_AN_IMAGE = "The file must be a PNG or JPEG image."
TOO_LARGE = "The image must be smaller than 2 MB."
TOO_MANY_PIXELS = "The image must be at most 25 million pixels and 10,000 pixels on a side."
WRONG_EXTENSION = (
    "The file's name does not match what it contains: it is a {actual} image but is called "
    "“{name}”. Rename it with a {extension} extension, or export it again."
)
UNREADABLE = "The image could not be read: it may be damaged. Export it again and upload that."

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"

FORMATS = {
    "PNG": {"signature": PNG_SIGNATURE, "extensions": (".png",), "content_type": "image/png"},
    "JPEG": {
        "signature": JPEG_SIGNATURE,
        "extensions": (".jpg", ".jpeg"),
        "content_type": "image/jpeg",
    },
}


@dataclass(frozen=True)
class CheckedImage:
    """An image ready to store: its re-encoded bytes and what they are."""

    content: bytes
    format: str  # "PNG" or "JPEG"
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return str(FORMATS[self.format]["content_type"])

    @property
    def extension(self) -> str:
        return str(FORMATS[self.format]["extensions"][0])

    def stored_name(self) -> str:
        return f"{secrets.token_hex(16)}{self.extension}"


def _format_of(head: bytes) -> str | None:
    for name, spec in FORMATS.items():
        if head.startswith(spec["signature"]):  # type: ignore[arg-type]
            return name
    return None


def check(upload: Any) -> CheckedImage:
    """The upload (a Django UploadedFile) as a checked, re-encoded image, or ValidationError."""
    from PIL import Image, UnidentifiedImageError

    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(TOO_LARGE)
    upload.seek(0)
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ValidationError(TOO_LARGE)
    detected = _format_of(raw[:16])
    if detected is None:
        raise ValidationError(NOT_AN_IMAGE)
    name = str(getattr(upload, "name", "") or "")
    extensions = FORMATS[detected]["extensions"]
    if not name.lower().endswith(extensions):  # type: ignore[arg-type]
        raise ValidationError(
            WRONG_EXTENSION.format(actual=detected, name=name, extension=extensions[0])  # type: ignore[index]
        )
    try:
        with Image.open(io.BytesIO(raw), formats=[detected]) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise ValidationError(TOO_MANY_PIXELS)
            probe.verify()
        # verify() leaves the image unusable: decode it afresh, completely.
        with Image.open(io.BytesIO(raw), formats=[detected]) as image:
            image.load()
            return _reencoded(image, detected)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(UNREADABLE) from None


def _reencoded(image: Any, fmt: str) -> CheckedImage:
    from PIL import Image

    if fmt == "JPEG":
        pixels = image.convert("RGB")
        options: dict[str, Any] = {"quality": 90, "optimize": True}
    else:
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        pixels = image.convert("RGBA" if has_alpha else "RGB")
        options = {"optimize": True}
    # A new image holding only the pixels: no info dictionary, profile or EXIF comes along.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    buffer = io.BytesIO()
    clean.save(buffer, format=fmt, **options)
    return CheckedImage(buffer.getvalue(), fmt, clean.width, clean.height)
