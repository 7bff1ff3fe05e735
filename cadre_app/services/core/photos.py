"""Photos kept in the database (a cadre's photo, an honour roll entry's photo): one check of
what may be stored and one way to hand a stored photo to a PDF.

- ``check_photo``: a JPEG or PNG of at most 2 MB that really decodes as an image; returns its
  content type, or raises ``PhotoRefused`` with the Chinese message the form shows.
- ``data_uri``: a stored photo as a ``data:`` URI for WeasyPrint, scaled down (as a JPEG on
  white) when it is taller than the print needs; a photo that does not decode gives None
  rather than failing the document.
"""

from __future__ import annotations

import base64
from io import BytesIO
from typing import Any

from flask_babel import gettext as _

PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


class PhotoRefused(ValueError):
    """The file may not be stored as a photo; the message says why, in the reader's language."""


def check_photo(data: bytes) -> str:
    """The content type of ``data`` when it may be stored as a photo (JPEG or PNG, at most
    2 MB, decodes); raises PhotoRefused otherwise."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise PhotoRefused(_("照片文件为空。"))
    if len(data) > PHOTO_MAX_BYTES:
        raise PhotoRefused(_("照片不能超过 2 MB。"))
    try:
        with Image.open(BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        kind = None
    if kind not in PHOTO_TYPES:
        raise PhotoRefused(_("照片须为 JPEG 或 PNG 图片。"))
    return PHOTO_TYPES[kind]


def data_uri(data: bytes | None, content_type: str | None, *, max_height: int) -> str | None:
    """The photo as a ``data:`` URI, scaled to ``max_height`` pixels when taller. None when
    there is no photo, its type is not one we store, or it does not decode."""
    if not data or content_type not in PHOTO_TYPES.values():
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            if image.height > max_height:
                data, content_type = _scaled_jpeg(image, max_height), "image/jpeg"
    except (UnidentifiedImageError, OSError, ValueError):
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
