"""PDFs: a Jinja template under ``templates/pdf/`` plus plain data, turned into bytes by
WeasyPrint (STYLE.md habit 7).

- ``render_pdf`` makes one document, ``render_many`` one merged document from many
  (a batch of 200 forms is one PDF: the CJK font is embedded once, not 200 times), and
  ``join`` puts merged documents laid out by other workers together (the parts of a
  batch export, ``batch_jobs.join_parts``).
- A CJK font is required. The families a PDF may use are the app setting
  ``PDF_REQUIRE_FONT_FAMILIES`` (most preferred first; default ``DEFAULT_FONT_FAMILIES``);
  the first one fontconfig has installed is used, looked up once per process. None
  installed raises ``PdfUnavailable`` (views answer 503 with its message): a form is never
  printed with tofu boxes. Setting the list to ``[]`` makes every render refuse.
- WeasyPrint fetches nothing but ``data:`` URIs and the app's own static files
  (``StaticOnlyFetcher``): user text that slips into markup can never reach the network or
  the disk. Jinja autoescaping keeps user text out of markup in the first place.
- WeasyPrint is imported with this module (about 0.5 s), so a worker pays it at start, not
  in its first request.
- Templates extend ``pdf/_base.html`` and get ``data`` (the plain dict) and
  ``pdf_font_family``; they link static files by path (``/static/...``), never with
  ``url_for(..., _external=True)`` (PDFs are also made outside requests).
- A template names its print stylesheets (``templates/pdf/*.css``) in its ``stylesheets``
  block; each is parsed once per process (``stylesheet``) and given to WeasyPrint as a
  user-origin sheet, so the template's own ``<style>`` (author origin: the font and the
  rules computed from the data) wins where both set a property. Parsing form.css and
  records.css from ``<style>`` cost every render ~5 ms.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import mimetypes
import re
import threading
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import pypdf
import weasyprint
from flask import current_app
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from cadre_app.clock import utcnow
from cadre_app.services.core import health

log = logging.getLogger(__name__)

#: Relative URLs in PDF templates resolve against this base. ``.invalid`` never resolves
#: (RFC 2606), and the fetcher maps only its ``/static/...`` paths, to files on disk.
BASE_URL = "http://cadre-app.invalid/"
_BASE_HOST = urlsplit(BASE_URL).netloc

#: Preferred CJK families: one serif face for the forms (each embedded face costs
#: 130-170 KB even when subset), then fallbacks found on common servers.
DEFAULT_FONT_FAMILIES: tuple[str, ...] = (
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
)
_FAMILY_NAME = re.compile(r"^[A-Za-z0-9 _.-]{1,64}$")
_PLAIN_TYPES = (str, int, float, bool, Decimal, date, datetime, time, type(None))


class PdfUnavailable(RuntimeError):
    """The server cannot print forms (no CJK font). The message says what to install."""


class FetchRefused(ValueError):
    """A PDF template asked for a URL outside ``data:`` and the app's static files."""


# --- fonts -------------------------------------------------------------------------------


@cache
def _installed_cjk_families() -> frozenset[str]:
    """Asks fontconfig once per process (``fc-list`` takes tens of milliseconds)."""
    return frozenset(health.cjk_font_families())


def cjk_font_family() -> str:
    """The CJK family PDFs use: the first of ``PDF_REQUIRE_FONT_FAMILIES`` that is installed.
    Raises PdfUnavailable when none is."""
    wanted = current_app.config.get("PDF_REQUIRE_FONT_FAMILIES", DEFAULT_FONT_FAMILIES)
    installed = _installed_cjk_families()
    for family in wanted or ():
        if family in installed and _FAMILY_NAME.match(family):
            return family
    raise PdfUnavailable(
        "服务器未安装中文字体，无法生成 PDF（否则汉字会显示为方框）。"
        f"请系统管理员安装 Debian 软件包 {health.CJK_FONT_PACKAGE}"
        f"（apt-get install {health.CJK_FONT_PACKAGE}）后重启服务。"
    )


@cache
def harfbuzz_subset_available() -> bool:
    """True when WeasyPrint subsets fonts with HarfBuzz (about 250 ms per form). Without it
    WeasyPrint falls back to fontTools and takes seconds; logged once per process."""
    available = health.harfbuzz_subset_available()
    if not available:
        log.warning(
            "HarfBuzz subsetting unavailable: PDFs will take seconds each; install %s",
            health.HARFBUZZ_SUBSET_PACKAGE,
        )
    return available


_local = threading.local()
_STYLESHEETS_META = re.compile(r'<meta name="stylesheets" content="([^"]*)">')
_STYLESHEET_NAME = re.compile(r"^[a-z0-9_-]{1,64}\.css$")
_parsed_lock = threading.Lock()
_parsed: dict[tuple[str, str], weasyprint.CSS] = {}


def _font_config() -> FontConfiguration:
    """One fontconfig set-up per thread, reused across renders (Pango font maps are not
    shared between threads)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


# --- what WeasyPrint may fetch ------------------------------------------------------------


class StaticOnlyFetcher(URLFetcher):
    """Serves ``data:`` URIs and files under the app's static folder, read from disk
    (``http://cadre-app.invalid/static/css/x.css``, which is what ``/static/css/x.css``
    becomes against BASE_URL). Everything else raises FetchRefused: other schemes
    (https, file, ftp), other hosts and ports, credentials, queries, paths outside the static
    folder however encoded. Nothing here opens a socket, so there are no redirects to
    follow."""

    def __init__(self, static_folder: str | Path | None, static_url_path: str | None) -> None:
        super().__init__(allowed_protocols=("data", "http"), allow_redirects=False)
        self.static_root = Path(static_folder).resolve() if static_folder else None
        self.prefix = (static_url_path or "/static").rstrip("/") + "/"

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return _data_response(url)
        if scheme == "http":
            return self._static_response(url)
        raise FetchRefused(f"PDF 不允许读取外部地址：{url[:200]}")

    def _static_response(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        path = unquote(parts.path)
        if (
            parts.netloc != _BASE_HOST
            or parts.query
            or self.static_root is None
            or not path.startswith(self.prefix)
            or "\\" in path
            or "\x00" in path
        ):
            raise FetchRefused(f"PDF 只能读取本系统的静态文件：{url[:200]}")
        target = (self.static_root / path[len(self.prefix) :]).resolve()
        if not target.is_relative_to(self.static_root) or not target.is_file():
            raise FetchRefused(f"静态文件不存在或越出静态目录：{url[:200]}")
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, target.read_bytes(), headers={"Content-Type": content_type})


def _data_response(url: str) -> URLFetcherResponse:
    """Decode ``data:[<media type>][;base64],<data>`` (RFC 2397) without urllib."""
    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise FetchRefused("data: 地址格式有误")
    params = header.split(";")
    is_base64 = params[-1].strip().lower() == "base64"
    if is_base64:
        params = params[:-1]
    media_type = (params[0].strip() or "text/plain") if params else "text/plain"
    try:
        body = (
            base64.b64decode(unquote_to_bytes(payload), validate=False)
            if is_base64
            else unquote_to_bytes(payload)
        )
    except (binascii.Error, ValueError) as error:
        raise FetchRefused("data: 地址的 base64 内容有误") from error
    content_type = ";".join([media_type, *(p.strip() for p in params[1:] if p.strip())])
    return URLFetcherResponse(url, body, headers={"Content-Type": content_type})


def make_fetcher() -> StaticOnlyFetcher:
    """The fetcher for the current app."""
    return StaticOnlyFetcher(current_app.static_folder, current_app.static_url_path)


# --- rendering ----------------------------------------------------------------------------


def _check_plain(value: Any, where: str = "data") -> None:
    """PDF data is plain dicts, lists and scalars, never ORM objects (STYLE.md habit 7)."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")
    elif not isinstance(value, _PLAIN_TYPES):
        raise TypeError(f"PDF data must be plain values; {where} is {type(value).__name__}")


def _html(template: str, data: dict[str, Any], font_family: str) -> str:
    _check_plain(data)
    jinja_template = current_app.jinja_env.get_template(f"pdf/{template}")
    return jinja_template.render(data=data, pdf_font_family=font_family)


def stylesheet(name: str) -> weasyprint.CSS:
    """``templates/pdf/<name>`` parsed, once per process and version of its text."""
    if not _STYLESHEET_NAME.match(name):
        raise ValueError(f"not a PDF stylesheet name: {name!r}")
    env = current_app.jinja_env
    assert env.loader is not None
    source = env.loader.get_source(env, f"pdf/{name}")[0]
    key = (name, source)
    with _parsed_lock:
        parsed = _parsed.get(key)
    if parsed is None:
        parsed = weasyprint.CSS(string=source, base_url=BASE_URL, url_fetcher=make_fetcher())
        with _parsed_lock:
            _parsed[key] = parsed
    return parsed


def _stylesheets(html: str) -> list[weasyprint.CSS]:
    """The stylesheets the rendered template names in its ``stylesheets`` block."""
    found = _STYLESHEETS_META.search(html)
    return [stylesheet(name) for name in found.group(1).split()] if found else []


def render_document(template: str, data: dict[str, Any]) -> weasyprint.Document:
    """Lay out ``templates/pdf/<template>`` with ``data`` (available as ``data`` in the
    template). Raises PdfUnavailable without a CJK font."""
    font_family = cjk_font_family()
    harfbuzz_subset_available()
    source = _html(template, data, font_family)
    html = weasyprint.HTML(string=source, base_url=BASE_URL, url_fetcher=make_fetcher())
    document = html.render(font_config=_font_config(), stylesheets=_stylesheets(source))
    _drop_attachments(document)
    return document


def _drop_attachments(document: weasyprint.Document) -> None:
    """Our PDFs never carry files: forget ``<link rel=attachment>`` and attachment links
    (the fetcher would refuse them anyway)."""
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]


def _finish(
    document: weasyprint.Document, *, title: str, author: str, subject: str | None
) -> bytes:
    metadata = document.metadata
    metadata.title = title
    metadata.authors = [author] if author else []
    metadata.description = subject
    metadata.keywords = []
    metadata.generator = "cadre_app"
    metadata.created = metadata.modified = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    metadata.attachments = []
    return document.write_pdf()


def render_pdf(
    template: str, data: dict[str, Any], *, title: str, author: str, subject: str | None = None
) -> bytes:
    """One PDF from ``templates/pdf/<template>`` and plain ``data``, with its title, author
    (the organisation: config ``ORGANISATION_NAME``), subject and creation date."""
    return _finish(render_document(template, data), title=title, author=author, subject=subject)


def render_many(
    items: Iterable[tuple[str, dict[str, Any]]],
    *,
    title: str,
    author: str,
    subject: str | None = None,
) -> bytes:
    """One merged PDF: each (template, data) is laid out on its own, then all pages are
    written together, so shared fonts are embedded once. ``items`` may be an iterator:
    each item is laid out before the next one is taken (callers report progress that way)."""
    documents = [render_document(template, data) for template, data in items]
    if not documents:
        raise ValueError("render_many needs at least one document")
    pages = [page for document in documents for page in document.pages]
    return _finish(documents[0].copy(pages), title=title, author=author, subject=subject)


def join(parts: list[bytes]) -> bytes:
    """The pages of ``parts`` (PDFs from ``render_many``) in order, as one PDF with the
    document information (title, author, dates) of the first part and the bookmarks of all.
    Each part keeps its own font subset (a 200-form batch made in two processes carries two
    copies of the CJK subset, ~190 KB each), renamed so that no two subsets share a tag."""
    if not parts:
        raise ValueError("join needs at least one PDF")
    if len(parts) == 1:
        return parts[0]
    writer = pypdf.PdfWriter()
    readers = [pypdf.PdfReader(BytesIO(part)) for part in parts]
    for index, reader in enumerate(readers):
        if index:
            _retag_fonts(reader, index)
        writer.append(reader)
    if readers[0].metadata:
        writer.add_metadata(dict(readers[0].metadata))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _retag_fonts(reader: pypdf.PdfReader, index: int) -> None:
    """Give the subset fonts of ``reader`` new tags (the ``ABCDEF+`` of ``ABCDEF+Noto-Serif``).
    WeasyPrint derives the tag from the font alone, so every part has the same one, and
    PDF 32000-1 9.6.4 asks different subsets in one file to have different tags: a viewer
    may otherwise draw one part's text with the other part's glyphs."""
    renamed: dict[str, pypdf.generic.NameObject] = {}

    def new_name(name: str) -> pypdf.generic.NameObject:
        tag, plus, rest = name.lstrip("/").partition("+")
        if not plus or len(tag) != 6:
            return pypdf.generic.NameObject(name)
        digest = hashlib.md5(f"{tag}:{index}".encode(), usedforsecurity=False).digest()
        letters = "".join(chr(65 + byte % 26) for byte in digest[:6])
        return renamed.setdefault(name, pypdf.generic.NameObject(f"/{letters}+{rest}"))

    def rename(font: Any) -> None:
        for obj in (font, *(d.get_object() for d in font.get("/DescendantFonts", []))):
            if "/BaseFont" in obj:
                obj[pypdf.generic.NameObject("/BaseFont")] = new_name(str(obj["/BaseFont"]))
            descriptor = obj.get("/FontDescriptor")
            if descriptor is not None and "/FontName" in descriptor.get_object():
                descriptor = descriptor.get_object()
                descriptor[pypdf.generic.NameObject("/FontName")] = new_name(
                    str(descriptor["/FontName"])
                )

    seen: set[int] = set()

    def walk(resources: Any) -> None:
        resources = resources.get_object() if resources is not None else None
        if not resources or id(resources) in seen:
            return
        seen.add(id(resources))
        for ref in resources.get("/Font", {}).get_object().values():
            font = ref.get_object()
            if id(font) not in seen:
                seen.add(id(font))
                rename(font)
        for ref in resources.get("/XObject", {}).get_object().values():
            walk(ref.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
