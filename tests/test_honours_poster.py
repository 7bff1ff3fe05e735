"""The 光荣榜 poster of a published quarter: A4 portrait (A3 on request), CJK text that
pdftotext reads back, the photos embedded, rendered to PNG with pdftoppm for a look; a quarter
not published has no poster."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from cadre_app.extensions import db
from cadre_app.models import Cadre, HonourKind, HonourState
from cadre_app.services.honours import demo as honours_demo
from cadre_app.services.honours import operations
from tests.test_pdf import pdf_reader

HR = operations.Actor("hr1", is_hr=True)
DEEDS = (
    "该同志政治立场坚定，工作勤恳踏实，在专项资金清理中摸清底数、提出整改建议。\n"
    "面对任务重、时间紧的情况，主动加班加点，带头攻坚，确保各项工作按时保质完成。"
)
needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="poppler-utils needed"
)


@pytest.fixture
def published(app, org):
    """2025 Q3 published: 预算处 (with a group photo), 李晓明 (photo) and 王芳 (none)."""
    import random

    rng = random.Random(1)
    with app.app_context():
        entries = []
        for kind, who, photo in (
            (
                HonourKind.SECTION,
                org["budget"],
                honours_demo.portrait(rng, people=5, size=(600, 400)),
            ),
            (HonourKind.INDIVIDUAL, org["own_cadre"], honours_demo.portrait(rng)),
            (HonourKind.INDIVIDUAL, org["other_cadre"], None),
        ):
            cadre = db.session.get(Cadre, who) if kind is HonourKind.INDIVIDUAL else None
            entry = operations.nominate(
                operations.Nomination(
                    year=2025,
                    quarter=3,
                    kind=kind,
                    title="先进处室" if cadre is None else "攻坚克难标兵",
                    deeds=DEEDS,
                    department_id=who if cadre is None else None,
                    cadre=cadre,
                    photo=photo,
                ),
                actor=HR,
                today=date(2026, 1, 5),
            )
            operations.step(
                entry, HonourState.APPROVED, reason=None, expected_version=entry.version, actor=HR
            )
            entries.append(entry.id)
        operations.publish_quarter(2025, 3, actor=HR)
        db.session.commit()
    return entries


def _pages_png(content: bytes, tmp_path: Path, name: str) -> list[Path]:
    pdf_path = tmp_path / f"{name}.pdf"
    pdf_path.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf_path), str(tmp_path / name)], check=True
    )
    return sorted(tmp_path.glob(f"{name}*.png"))


@needs_poppler
@pytest.mark.parametrize("size, points", [("A4", (595, 842)), ("A3", (842, 1191))])
def test_the_poster_prints_the_quarter_with_photos(
    app, published, login_as, tmp_path, size, points
):
    cadre = login_as("cadre")  # every signed-in user may print the published roll
    url = "/honours/2025/3/poster.pdf" + ("?size=A3" if size == "A3" else "")
    response = cadre.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = pdf_reader(response.data)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == points
    images = sum(len(page.images) for page in reader.pages)
    assert images == 2  # the section's and 李晓明's; 王芳 has none: her surname is printed
    path = tmp_path / "poster.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    compact = "".join(text.split())
    for words in (
        "光荣榜",
        "2025年第三季度",
        "先进处室",
        "先进个人",
        "预算处",
        "攻坚克难标兵",
        "专项资金清理",
        "李晓明",
        "王芳",
        app.config["ORGANISATION_NAME"],
    ):
        assert words in compact, words
    pngs = _pages_png(response.data, tmp_path, f"poster-{size}")
    assert pngs
    first = Image.open(pngs[0]).convert("RGB")
    red = sum(1 for px in first.getdata() if px[0] > 150 and px[1] < 80 and px[2] < 80)
    assert red > 500  # the red frame and title are drawn
    if keep := __import__("os").environ.get("HONOUR_POSTER_DIR"):
        for png in pngs:
            shutil.copy(png, Path(keep) / png.name)


def test_no_poster_for_a_quarter_not_published_and_no_other_sizes(app, org, published, login_as):
    hr = login_as("hr")
    assert hr.get("/honours/2025/4/poster.pdf").status_code == 404
    assert hr.get("/honours/2025/3/poster.pdf?size=A5").status_code == 400
    assert hr.get("/honours/2025/9/poster.pdf").status_code == 404


def test_a_photo_too_large_for_the_print_is_scaled_down(app, org):
    from cadre_app.services.core import photos

    out = BytesIO()
    Image.new("RGB", (900, 1200), (10, 20, 30)).save(out, "PNG")
    uri = photos.data_uri(out.getvalue(), "image/png", max_height=480)
    assert uri is not None and uri.startswith("data:image/jpeg;base64,")
    assert photos.data_uri(b"junk", "image/jpeg", max_height=480) is None
    assert photos.data_uri(out.getvalue(), "image/gif", max_height=480) is None
