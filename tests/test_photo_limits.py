"""Issue 16, point 2: a photo over the pixel limit is refused from its header, before it is
decoded, wherever a photo enters (cadre upload, honour roll, inside an .lrmx); every photo is
stored normalised (a JPEG of at most 600×800, upright, without metadata) so that a PDF never
decodes more than that; ``flask photos normalise`` brings photos stored before into shape.

The 13000×13000 PNG is written by hand: 1 bit per pixel, all black, ~20 KB on disk and
169 megapixels (2.2 GB as RGB once decoded).
"""

from __future__ import annotations

import base64
import struct
import time
import zlib
from functools import cache
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, CadrePhoto, HonourEntry, ImportUpload
from cadre_app.services.core import photos
from cadre_app.services.records import appointment_form, lrmx
from tests.conftest import count_rows
from tests.test_lrmx import _minimal
from tests.test_pdf import pdf_reader

TOO_MANY_PIXELS = "照片像素过多（上限 2500 万像素），请缩小后再上传。"
QUICK_SECONDS = 3.0


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def huge_png(side: int = 13000) -> bytes:
    """A 1-bit greyscale PNG of ``side``×``side`` black pixels."""
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + the packed pixels
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * side, 9))
        + _chunk(b"IEND", b"")
    )


def phone_photo() -> bytes:
    """A phone's portrait photo as phones store it: the sensor's landscape pixels (3200×2400)
    with EXIF orientation 6 (turn 90° clockwise to show), a GPS position and a camera model.
    Red on the left of the sensor, blue on the right: upright, red is on top."""
    image = Image.new("RGB", (3200, 2400), (220, 20, 20))
    image.paste((20, 20, 220), (1600, 0, 3200, 2400))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x0110] = "Phone X"  # Model
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0)}  # GPSInfo: a place
    out = BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def _upload_photo(client, cadre_id: int, data: bytes, name: str = "photo.png"):
    return client.post(f"/cadres/{cadre_id}/photo", data={"photo": (BytesIO(data), name)})


def test_the_hostile_png_is_small_and_huge(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # only to read its size here
    data = huge_png()
    assert len(data) < 100_000 and len(data) < photos.PHOTO_MAX_BYTES
    with Image.open(BytesIO(data)) as image:
        assert image.size == (13000, 13000)


def test_the_check_reads_the_header_only(app_ctx):
    started = time.perf_counter()
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.check_photo(huge_png())
    assert str(refused.value) == TOO_MANY_PIXELS and refused.value.kind == "pixels"
    assert time.perf_counter() - started < 0.5  # decoding it would take seconds and 2.2 GB
    with pytest.raises(photos.PhotoRefused, match="像素过多"):
        photos.normalise(huge_png())


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_the_pixel_limit_is_a_setting(app, app_ctx, monkeypatch):
    small = BytesIO()
    Image.new("RGB", (300, 400), "white").save(small, "PNG")
    photos.check_photo(small.getvalue())
    monkeypatch.setitem(app.config, "PHOTO_MAX_PIXELS", 100_000)
    with pytest.raises(photos.PhotoRefused, match="上限 10 万像素"):
        photos.check_photo(small.getvalue())


def test_a_huge_photo_upload_is_refused(app, hr_client, org):
    started = time.perf_counter()
    response = _upload_photo(hr_client, org["own_cadre"], huge_png())
    assert time.perf_counter() - started < QUICK_SECONDS
    assert response.status_code == 400 and TOO_MANY_PIXELS in response.get_data(as_text=True)
    assert count_rows(app, CadrePhoto) == 0


def test_an_upload_is_stored_upright_small_and_without_metadata(app, hr_client, org):
    original = phone_photo()
    assert len(original) < photos.PHOTO_MAX_BYTES
    response = _upload_photo(hr_client, org["own_cadre"], original, "IMG_0001.jpg")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(CadrePhoto, org["own_cadre"])
        assert stored.content_type == "image/jpeg"
        data = stored.data
    assert len(data) < len(original) and len(data) < 100_000
    with Image.open(BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (600, 800)  # portrait, fits 600×800
        assert "exif" not in image.info and not image.getexif()  # no GPS, no camera
        top, bottom = image.getpixel((300, 100)), image.getpixel((300, 700))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]  # turned the right way
    served = hr_client.get(f"/cadres/{org['own_cadre']}/photo")
    assert served.data == data and served.headers["Content-Type"] == "image/jpeg"


def test_the_pdf_still_shows_the_stored_photo(app, hr_client, org):
    assert _upload_photo(hr_client, org["own_cadre"], phone_photo()).status_code == 302
    response = hr_client.get(f"/records/{org['own_cadre']}/appointment-form.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    images = [image for page in pdf_reader(response.data).pages for image in page.images]
    assert images and len({image.data for image in images}) == 1  # the photo (maybe reused)
    width, height = images[0].image.size
    assert width <= 600 and height <= 800


def test_a_huge_photo_inside_an_lrmx_is_refused(app, hr_client, runner, tmp_path):
    content = _minimal(ZhaoPian=base64.b64encode(huge_png()).decode())
    message = f"照片（ZhaoPian）：{TOO_MANY_PIXELS}"
    with app.app_context(), pytest.raises(lrmx.LrmxError) as refused:
        lrmx.parse_lrmx(content)
    assert message in str(refused.value)
    cadres = count_rows(app, Cadre)
    started = time.perf_counter()
    response = hr_client.post(
        "/records/lrmx/import",
        data={"file": (BytesIO(content), "赵新.lrmx")},
        content_type="multipart/form-data",
    )
    assert time.perf_counter() - started < QUICK_SECONDS
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    path = tmp_path / "赵新.lrmx"
    path.write_bytes(content)
    result = runner.invoke(
        args=["records", "import-lrmx", str(path), "--department", "预算处", "--rank", "一级科员"]
    )
    assert result.exit_code == 1 and message in result.stderr
    assert (count_rows(app, Cadre), count_rows(app, ImportUpload), count_rows(app, CadrePhoto)) == (
        cadres,
        0,
        0,
    )


def test_a_photo_inside_an_lrmx_is_stored_normalised(app, runner, tmp_path, org):
    content = _minimal(ZhaoPian=base64.b64encode(phone_photo()).decode())
    path = tmp_path / "赵新.lrmx"
    path.write_bytes(content)
    result = runner.invoke(
        args=["records", "import-lrmx", str(path), "--department", "预算处", "--rank", "一级科员"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        photo = db.session.scalar(sa.select(CadrePhoto))
        assert photo.content_type == "image/jpeg"
        with Image.open(BytesIO(photo.data)) as image:
            assert image.size == (600, 800) and "exif" not in image.info


def test_honour_roll_photos_are_checked_and_normalised(app, org, login_as):
    hr = login_as("hr")
    form = {
        "quarter": "2025-3",
        "kind": "individual",
        "staff_no": "T0001",
        "title": "先进个人",
        "deeds": "事迹。",
    }
    refused = hr.post(
        "/honours/nominate",
        data=form | {"photo": (BytesIO(huge_png()), "huge.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and TOO_MANY_PIXELS in refused.get_data(as_text=True)
    assert count_rows(app, HonourEntry) == 0
    accepted = hr.post(
        "/honours/nominate",
        data=form | {"photo": (BytesIO(phone_photo()), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[-2000:]
    with app.app_context():
        entry = db.session.scalar(sa.select(HonourEntry))
        assert entry.photo_type == "image/jpeg"
        with Image.open(BytesIO(entry.photo)) as image:
            assert image.size == (600, 800) and "exif" not in image.info


def test_a_legacy_huge_photo_is_never_decoded_for_a_pdf(app_ctx):
    started = time.perf_counter()
    legacy = CadrePhoto(cadre_id=1, content_type="image/png", data=huge_png())
    assert appointment_form.photo_data_uri(legacy) is None
    assert time.perf_counter() - started < 0.5


def test_photos_normalise_command(app, runner, org):
    """Photos stored before normalisation: a large PNG, an already normal JPEG, a huge PNG."""
    large = BytesIO()
    Image.new("RGBA", (1200, 1600), (10, 200, 10, 255)).save(large, "PNG")
    normal = photos.normalise(phone_photo())
    with app.app_context():
        db.session.add_all(
            [
                CadrePhoto(
                    cadre_id=org["own_cadre"], content_type="image/png", data=large.getvalue()
                ),
                CadrePhoto(cadre_id=org["other_cadre"], content_type="image/jpeg", data=normal),
            ]
        )
        db.session.commit()
    result = runner.invoke(args=["photos", "normalise"])
    assert result.exit_code == 0, result.output
    assert "干部照片：规范化 1 张，原已规范 1 张，未处理 0 张" in result.output
    with app.app_context():
        own = db.session.get(CadrePhoto, org["own_cadre"])
        assert own.content_type == "image/jpeg"
        with Image.open(BytesIO(own.data)) as image:
            assert image.format == "JPEG" and image.size == (600, 800)
        assert db.session.get(CadrePhoto, org["other_cadre"]).data == normal  # byte for byte
        events = db.session.scalars(
            sa.select(AuditEvent.summary).where(AuditEvent.object_type == "cadre_photo")
        ).all()
        assert len(events) == 1 and "照片规范化" in events[0]
        # one stored before the pixel limit existed: listed, left alone, never decoded
        db.session.get(CadrePhoto, org["other_cadre"]).data = huge_png()
        db.session.commit()
    again = runner.invoke(args=["photos", "normalise"])
    assert again.exit_code == 1
    assert "干部照片：规范化 0 张，原已规范 1 张，未处理 1 张" in again.stdout
    assert "未处理（须重新上传）：T0002 王芳：照片像素过多" in again.stderr
