"""The PDF engine (services/pdf.py): real WeasyPrint, real fonts, nothing stubbed.

A canary HTTP server on 127.0.0.1 counts requests: rendering hostile markup must leave it at
zero, and the fetcher must refuse every URL outside ``data:`` and the app's static files."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pypdf
import pytest
from jinja2 import ChoiceLoader, FileSystemLoader

from cadre_app.extensions import db
from cadre_app.models import Cadre
from cadre_app.services.core import pdf

# --- helpers shared with test_appointment_form.py -------------------------------------------


class Canary:
    """An HTTP server that answers everything and counts what it was asked."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                canary.paths.append(self.path)
                body = b"root:x:0:0:canary"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"


@contextmanager
def canary_server() -> Iterator[Canary]:
    canary = Canary()
    thread = threading.Thread(target=canary.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield canary
    finally:
        canary.server.shutdown()
        canary.server.server_close()


def hostile_markup(base: str) -> list[str]:
    """Markup that would make a careless renderer fetch from ``base`` or read local files."""
    return [
        f"<img src={base}/a>",
        f"<link rel=attachment href={base}/b>",
        f"<link rel=stylesheet href={base}/c.css>",
        "<link rel=attachment href=file:///etc/passwd>",
        "<img src=file:///etc/passwd>",
        f'<style>@import url("{base}/d.css"); body {{ background: url({base}/e.png) }}</style>',
    ]


def pdf_reader(content: bytes) -> pypdf.PdfReader:
    assert content.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(content))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pdf_reader(content).pages)


def embedded_fonts(content: bytes) -> list[dict[str, Any]]:
    """Each embedded font: its /BaseFont name and which font-file streams it carries."""
    reader = pdf_reader(content)
    found: dict[str, dict[str, Any]] = {}
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            inner = descendants[0].get_object() if descendants else font
            descriptor = inner["/FontDescriptor"].get_object()
            found[str(font["/BaseFont"])] = {
                "name": str(font["/BaseFont"]),
                "files": {
                    key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor
                },
            }
    return list(found.values())


def has_embedded_files(content: bytes) -> bool:
    root = pdf_reader(content).trailer["/Root"].get_object()
    names = root.get("/Names")
    return bool(names) and "/EmbeddedFiles" in names.get_object()


def cut_text(document: Any) -> list[str]:
    """The start of each ``div.fit`` text box whose content runs past its bottom in the
    laid-out ``document`` (the text its ``overflow: hidden`` hides)."""
    cut = []
    for page in document.pages:
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            children = getattr(box, "children", [])
            element = getattr(box, "element", None)
            classes = (element.get("class") or "").split() if element is not None else []
            if "fit" in classes and children:
                bottom = box.content_box_y() + box.height
                end = max(child.position_y + child.margin_height() for child in children)
                if end > bottom + 0.5:  # px
                    cut.append("".join(element.itertext())[:20])
            else:
                stack.extend(children)
    return cut


@contextmanager
def extra_templates(app: Any, directory: Path) -> Iterator[None]:
    """Let the app's Jinja environment also load templates from ``directory``."""
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([FileSystemLoader(str(directory)), original])
    try:
        yield
    finally:
        app.jinja_env.loader = original
        app.jinja_env.cache.clear()


def write_template(directory: Path, name: str, body: str) -> None:
    path = directory / "pdf" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '{% extends "pdf/_base.html" %}{% block body %}' + body + "{% endblock %}",
        encoding="utf-8",
    )


# --- the fetcher ---------------------------------------------------------------------------


def test_fetcher_serves_data_uris_and_static_files(app, app_ctx):
    fetcher = pdf.make_fetcher()
    favicon = Path(app.static_folder) / "favicon.svg"
    response = fetcher.fetch(pdf.BASE_URL + "static/favicon.svg")
    assert response.read() == favicon.read_bytes()
    assert response.content_type == "image/svg+xml"
    assert fetcher.fetch("data:text/plain;base64,5Lit5paH").read() == "中文".encode()
    assert fetcher.fetch("data:,a%20b").read() == b"a b"


def test_fetcher_refuses_everything_else(app, app_ctx):
    fetcher = pdf.make_fetcher()
    with canary_server() as canary:
        hostile = [
            f"{canary.url}/x",
            "http://127.0.0.1/static/favicon.svg",
            "http://localhost/static/favicon.svg",
            "https://cadre-app.invalid/static/favicon.svg",
            "http://cadre-app.invalid:8080/static/favicon.svg",
            "http://user@cadre-app.invalid/static/favicon.svg",
            "http://cadre-app.invalid/static/favicon.svg?x=1",
            "http://cadre-app.invalid/etc/passwd",
            "http://cadre-app.invalid/static/../../../../etc/passwd",
            "http://cadre-app.invalid/static/%2e%2e/%2e%2e/wsgi.py",
            "http://cadre-app.invalid/static/..%2f..%2fwsgi.py",
            "http://cadre-app.invalid/static/%5c..%5cwsgi.py",
            "http://cadre-app.invalid/static//etc/passwd",
            "http://cadre-app.invalid/static/%2Fetc%2Fpasswd",
            "http://cadre-app.invalid/static/",
            "file:///etc/passwd",
            "file://localhost/etc/passwd",
            "ftp://127.0.0.1/x",
            "gopher://127.0.0.1/x",
            "//127.0.0.1/x",
            "/etc/passwd",
        ]
        for url in hostile:
            with pytest.raises(pdf.FetchRefused):
                fetcher.fetch(url)
        assert canary.paths == []


def test_rendering_hostile_markup_fetches_nothing(app, app_ctx, tmp_path):
    """A template that deliberately carries hostile URLs: nothing reaches the canary, no file
    is read or attached."""
    with canary_server() as canary:
        markup = hostile_markup(canary.url) + [
            f'<p style="background: url({canary.url}/f.png)">背景</p>',
            f"<a rel=attachment href={canary.url}/g>附件</a>",
            f"<iframe src={canary.url}/h></iframe><object data={canary.url}/i></object>",
            f"<embed src={canary.url}/j><img srcset='{canary.url}/k 2x'>",
            f"<svg><image href='{canary.url}/l' width=10 height=10 /></svg>",
            f"<style>@font-face {{ font-family: X; src: url({canary.url}/m.woff) }}</style>",
            '<img src="/static/../../../../etc/passwd"><img src="/static/favicon.svg">',
            "<p>正文：干部任免审批表</p>",
        ]
        write_template(tmp_path, "_test_hostile.html", "\n".join(markup))
        with extra_templates(app, tmp_path):
            content = pdf.render_pdf("_test_hostile.html", {}, title="测试", author="测试单位")
        assert canary.paths == []
    assert not has_embedded_files(content)
    assert b"root:x" not in content
    assert "干部任免审批表" in pdf_text(content)


def test_the_canary_does_catch_a_renderer_that_fetches(app, app_ctx):
    """Control: WeasyPrint's own fetcher on the same markup does reach the canary, so the
    silence above is the fetcher's doing."""
    import weasyprint

    with canary_server() as canary:
        weasyprint.HTML(string="".join(hostile_markup(canary.url))).write_pdf()
        assert canary.paths


def test_user_text_is_escaped_not_markup(app, app_ctx, tmp_path):
    write_template(tmp_path, "_test_escape.html", "<p>{{ data.text }}</p>")
    with canary_server() as canary, extra_templates(app, tmp_path):
        text = " ".join(hostile_markup(canary.url))
        content = pdf.render_pdf("_test_escape.html", {"text": text}, title="t", author="a")
        assert canary.paths == []
    printed = "".join(pdf_text(content).split())  # lines wrap anywhere
    assert "<imgsrc=http://127.0.0.1" in printed  # printed as text, not obeyed
    assert "<linkrel=attachmenthref=file:///etc/passwd>" in printed
    assert not has_embedded_files(content)


# --- fonts, metadata, merging ---------------------------------------------------------------


def test_metadata_and_one_subset_cjk_font(app, app_ctx, tmp_path):
    write_template(tmp_path, "_test_plain.html", "<h1>{{ data.title }}</h1><p>页码 1995.03</p>")
    before = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1)
    with extra_templates(app, tmp_path):
        content = pdf.render_pdf(
            "_test_plain.html",
            {"title": "干部任免审批表"},
            title="标题",
            author=app.config["ORGANISATION_NAME"],
            subject="主题",
        )
    meta = pdf_reader(content).metadata
    assert (meta.title, meta.author, meta.subject) == (
        "标题",
        app.config["ORGANISATION_NAME"],
        "主题",
    )
    created = meta.creation_date
    assert created.astimezone(UTC).replace(tzinfo=None) >= before, created
    fonts = embedded_fonts(content)
    assert len(fonts) == 1, fonts  # one face: CJK and Latin alike
    assert "CJK" in fonts[0]["name"] and fonts[0]["name"][7:8] == "+", fonts
    assert fonts[0]["name"][1:7].isupper() and fonts[0]["files"] & {"/FontFile2", "/FontFile3"}
    assert "干部任免审批表" in pdf_text(content)


def test_render_many_makes_one_document_with_fonts_embedded_once(app, app_ctx, tmp_path):
    write_template(tmp_path, "_test_many.html", "<p>{{ data.name }}：干部任免审批表</p>")
    names = ["李晓明", "王芳", "张三"]
    with extra_templates(app, tmp_path):
        merged = pdf.render_many(
            [("_test_many.html", {"name": n}) for n in names], title="批量", author="单位"
        )
        single = pdf.render_pdf("_test_many.html", {"name": "李晓明"}, title="t", author="a")
    assert len(pdf_reader(merged).pages) == 3
    assert all(name in pdf_text(merged) for name in names)
    assert len(embedded_fonts(merged)) == 1
    assert len(merged) < 2 * len(single)
    with pytest.raises(ValueError):
        pdf.render_many([], title="t", author="a")


def test_join_keeps_page_order_and_the_first_parts_information(app, app_ctx, tmp_path):
    """A batch's merged parts are joined here: the pages in order, the title, author and
    creation date of the first part, nothing attached."""
    write_template(tmp_path, "_test_join.html", "<h1>{{ data.name }}</h1><p>干部任免审批表</p>")
    with extra_templates(app, tmp_path):
        parts = [
            pdf.render_many(
                [("_test_join.html", {"name": n}) for n in names], title="批量", author="单位"
            )
            for names in (["李晓明", "王芳"], ["张三"])
        ]
    joined = pdf.join(parts)
    reader = pdf_reader(joined)
    texts = [page.extract_text() for page in reader.pages]
    assert all(name in text for name, text in zip(["李晓明", "王芳", "张三"], texts, strict=True))
    first = pdf_reader(parts[0]).metadata
    assert (reader.metadata.title, reader.metadata.author) == ("批量", "单位")
    assert reader.metadata.creation_date == first.creation_date
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert len(embedded_fonts(joined)) == 2  # each part keeps its own subset
    assert pdf.join(parts[:1]) is parts[0]
    with pytest.raises(ValueError):
        pdf.join([])


def test_named_stylesheets_are_parsed_once_and_applied(app, app_ctx, tmp_path):
    """A template names its print stylesheets; each is parsed once per process (same
    object) and its rules reach the PDF (form.css sets A4, records.css a landscape page)."""
    assert pdf.stylesheet("form.css") is pdf.stylesheet("form.css")
    for bad in ("../secret.css", "form.html", "/etc/x.css", "FORM.CSS"):
        with pytest.raises(ValueError):
            pdf.stylesheet(bad)
    path = tmp_path / "pdf" / "_test_sheets.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '{% extends "pdf/_base.html" %}{% block stylesheets %}form.css records.css{% endblock %}'
        '{% block body %}<section class="report"><p>排名表</p></section>{% endblock %}',
        encoding="utf-8",
    )
    with extra_templates(app, tmp_path):
        content = pdf.render_pdf("_test_sheets.html", {}, title="t", author="a")
    box = pdf_reader(content).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape


def test_pdf_templates_name_their_stylesheets_instead_of_including_them():
    """An included stylesheet would be parsed again on every render."""
    folder = Path(pdf.__file__).resolve().parent.parent / "templates" / "pdf"
    for template in folder.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert '.css" %}' not in text and ".css' %}" not in text, template.name


def test_data_must_be_plain(app, app_ctx, org):
    cadre = db.session.get(Cadre, org["own_cadre"])
    with pytest.raises(TypeError, match="plain"):
        pdf.render_pdf("appointment_form.html", {"cadre": cadre}, title="t", author="a")
    with pytest.raises(TypeError):
        pdf.render_pdf("appointment_form.html", {"rows": [{"x": object()}]}, title="t", author="a")


def test_no_cjk_font_refuses_instead_of_printing_boxes(app, app_ctx, monkeypatch):
    """PDF_REQUIRE_FONT_FAMILIES lists the families a PDF may use; none installed (here: an
    empty list, or a family this machine lacks) refuses with the package to install."""
    for families in ([], ["No Such Font CJK"]):
        monkeypatch.setitem(app.config, "PDF_REQUIRE_FONT_FAMILIES", families)
        with pytest.raises(pdf.PdfUnavailable, match="fonts-noto-cjk"):
            pdf.render_pdf("appointment_form.html", {}, title="t", author="a")


def test_the_default_family_is_installed_here_and_harfbuzz_is_reported(app, app_ctx):
    assert pdf.cjk_font_family() in pdf.DEFAULT_FONT_FAMILIES
    assert isinstance(pdf.harfbuzz_subset_available(), bool)
