"""Photos kept in the database (a cadre's photo, an honour roll entry's photo, the photo of an
imported ``.lrmx``): one check of what may be stored, one normal form they are stored in, and
one way to hand a stored photo to a PDF.

- ``check_photo``: a JPEG or PNG of at most 6 MB and at most ``PHOTO_MAX_PIXELS`` (read from
  the header, before anything is decoded: a 481 KB PNG can hold 13000×13000 pixels, 2.2 GB
  once decoded) that really is an image; returns its content type, or raises
  ``PhotoRefused`` with the Chinese message the form shows.
- ``normalise``: the checked photo as it is stored: a JPEG of at most ``PHOTO_STORED_SIZE``
  (600×800, a form's photo), EXIF orientation applied, metadata (EXIF with its GPS, ICC,
  comments) dropped, transparency on white. An already normal JPEG is kept byte for byte, so
  exporting and importing again changes nothing.
- ``data_uri``: a stored photo as a ``data:`` URI for WeasyPrint, scaled down (as a JPEG on
  white) when it is taller than the print needs; a photo that does not decode, or one stored
  before photos were normalised that is over the pixel limit, gives None rather than failing
  (or stalling) the document.

Pillow's own guard (``Image.MAX_IMAGE_PIXELS``) is set to the same limit whenever this module
opens an image, so any other image Pillow opens in the process (WeasyPrint's) is bounded too.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _

#: A phone's picture (3-5 MB) is welcome: it is stored normalised (a small JPEG), and the
#: pixel limit, read from the header, guards the decoding.
PHOTO_MAX_BYTES = 6 * 1024 * 1024
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
#: Defaults of the settings PHOTO_MAX_PIXELS and PHOTO_STORED_SIZE (config.py).
PHOTO_MAX_PIXELS = 25_000_000
PHOTO_STORED_SIZE = (600, 800)
JPEG_QUALITY = 85
#: What a stored (normal) photo carries no more of.
_METADATA = frozenset({"exif", "icc_profile", "comment", "xmp", "photoshop", "adobe"})


class PhotoRefused(ValueError):
    """The file may not be stored as a photo; the message says why, in the reader's language.
    ``kind``: empty, bytes, type or pixels."""

    def __init__(self, message: str, kind: str = "type"):
        super().__init__(message)
        self.kind = kind


def max_pixels() -> int:
    if has_app_context():
        return int(current_app.config.get("PHOTO_MAX_PIXELS", PHOTO_MAX_PIXELS))
    return PHOTO_MAX_PIXELS


def stored_size() -> tuple[int, int]:
    """(width, height) a stored photo fits in."""
    if has_app_context():
        width, height = current_app.config.get("PHOTO_STORED_SIZE", PHOTO_STORED_SIZE)
        return int(width), int(height)
    return PHOTO_STORED_SIZE


def _pil() -> Any:
    """Pillow's Image module with its decompression-bomb guard at our limit: it warns above
    the limit and refuses to open above twice it."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels()
    return Image


def _too_many_pixels() -> PhotoRefused:
    return PhotoRefused(
        _(
            "照片像素过多（上限 %(limit)s 万像素），请缩小后再上传。",
            limit=f"{max_pixels() / 10_000:g}",
        ),
        "pixels",
    )


def check_photo(data: bytes) -> str:
    """The content type of ``data`` when it may be stored as a photo (JPEG or PNG, at most
    PHOTO_MAX_BYTES and PHOTO_MAX_PIXELS, a sound file); raises PhotoRefused otherwise. Only
    the header is read to learn the size: nothing is decoded."""
    Image = _pil()
    from PIL import UnidentifiedImageError

    if not data:
        raise PhotoRefused(_("照片文件为空。"), "empty")
    if len(data) > PHOTO_MAX_BYTES:
        raise PhotoRefused(
            _("照片不能超过 %(mb)d MB。", mb=PHOTO_MAX_BYTES // (1024 * 1024)), "bytes"
        )
    pixels = 0
    try:
        with Image.open(BytesIO(data)) as image:
            kind, pixels = image.format, image.width * image.height
            if pixels <= max_pixels():
                image.verify()
    except Image.DecompressionBombError:  # over twice the limit: Pillow refuses to open it
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    if pixels > max_pixels():
        raise _too_many_pixels()
    if kind not in PHOTO_TYPES:
        raise PhotoRefused(_("照片须为 JPEG 或 PNG 图片。"))
    return PHOTO_TYPES[kind]


def _is_normal(image: Any, bound: tuple[int, int]) -> bool:
    return (
        image.format == "JPEG"
        and image.mode in ("RGB", "L")
        and image.width <= bound[0]
        and image.height <= bound[1]
        and not (_METADATA & set(image.info))
    )


def normalise(data: bytes) -> bytes:
    """The photo as it is stored (see the module's docstring); raises PhotoRefused for what
    ``check_photo`` refuses or what does not decode."""
    check_photo(data)
    Image = _pil()
    from PIL import ImageOps

    bound = stored_size()
    try:
        with Image.open(BytesIO(data)) as image:
            if _is_normal(image, bound):
                return data
            side = max(bound)
            image.draft("RGB", (side, side))  # a JPEG decodes at 1/2, 1/4 or 1/8 when it can
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail(bound, Image.Resampling.LANCZOS)
            if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, "white")  # transparent areas print white
                flat.paste(rgba, mask=rgba.getchannel("A"))
            else:
                flat = upright.convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoRefused(_("照片须为 JPEG 或 PNG 图片。")) from None
    out = BytesIO()
    flat.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


@dataclass
class Sweep:
    """What normalising the stored photos of one kind did: the labels (工号, entry) of those
    re-stored, how many were normal already, and (label, reason) of those left as they are
    because they are refused (over the pixel limit: never decoded, never printed)."""

    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)

    def add(self, label: str, data: bytes) -> bytes | None:
        """The normal form of one stored photo, or None when it stays as it is."""
        try:
            normal = normalise(data)
        except PhotoRefused as refused:
            self.refused.append((label, str(refused)))
            return None
        if normal == data:
            self.unchanged += 1
            return None
        self.changed.append(label)
        return normal


def data_uri(data: bytes | None, content_type: str | None, *, max_height: int) -> str | None:
    """The photo as a ``data:`` URI, scaled to ``max_height`` pixels when taller. None when
    there is no photo, its type is not one we store, or it does not decode."""
    if not data or content_type not in PHOTO_TYPES.values():
        return None
    Image = _pil()
    from PIL import UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            if image.width * image.height > max_pixels():
                return None  # stored before photos were normalised: never decode it
            if image.height > max_height:
                data, content_type = _scaled_jpeg(image, max_height), "image/jpeg"
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def _scaled_jpeg(image: Any, max_height: int) -> bytes:
    from PIL import Image

    image.draft("RGB", (image.width, max_height))  # fast JPEG decode at lower size
    size = (max(1, round(image.width * max_height / image.height)), max_height)
    rgba = image.convert("RGBA").resize(size)
    flat = Image.new("RGB", size, "white")  # transparent PNG areas print white
    flat.paste(rgba, mask=rgba.getchannel("A"))
    out = BytesIO()
    flat.save(out, "JPEG", quality=88)
    return out.getvalue()
