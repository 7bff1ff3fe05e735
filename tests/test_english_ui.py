"""The English UI says everything in English but the data (issue 10, point 15). Each demo
role signs in, switches to English and crawls every page it reaches (tests/test_crawl.py);
any Chinese text left on a page must be data: a value stored in the database (names,
sections, posts, the log), the organisation's name, the language switcher's 中文, or on an
import page the workbook's own Chinese headers and cell values. Stored terms the UI
translates (grades, talk kinds and sources: cadre_app.i18n.TERMS) never count as data:
stored in Chinese, they must be shown in English."""

from __future__ import annotations

import re
from collections import defaultdict

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.i18n import TERMS
from cadre_app.models import Cadre, Evaluation, EvaluationCycle, enums
from cadre_app.models.secondments import HOST_TYPES, SECONDMENT_KINDS
from cadre_app.services.evaluations import excel as evaluation_excel
from cadre_app.services.roster import excel as roster_excel
from cadre_app.services.roster.rules import COMMON_DEGREES
from cadre_app.services.secondments import excel as secondment_excel
from cadre_app.services.training import excel as training_excel
from tests.conftest import login
from tests.test_crawl import DEMO_PASSWORD, ROLES, crawl, demo_data  # noqa: F401

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
#: Markup that is not read as text; then the tags themselves.
HIDDEN = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<title>.*?</title>", re.S)
TAG = re.compile(r"<[^>]*>")
#: Attributes a reader sees (not ``value``: an option's value is what is stored).
SEEN_ATTRIBUTES = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"')
PUNCTUATION = {"（", "）", "，", "：", "、", "；", "。", "“", "”"}
#: On import pages: what the workbook itself must say (headers, sheet names, cell values).
WORKBOOK = {
    "处室",  # the import also reads a column headed 处室
    *roster_excel.HEADER,
    roster_excel.SHEET,
    *evaluation_excel.HEADER,
    evaluation_excel.SHEET,
    *secondment_excel.HEADER,  # the 挂职锻炼 workbook: header, sheet, 类别 and 单位类型
    secondment_excel.SHEET,
    *SECONDMENT_KINDS,
    *HOST_TYPES,
    *training_excel.HEADER,  # the 培训记录 workbook: its header, sheet and 是否结业's 是/否
    training_excel.SHEET,
    "是",
    "否",
    "优秀",
    "称职",
    "基本称职",
    "不称职",
    "年",  # the date example 1990年01月
    "月",
    "分",  # a score may be written 88.5分
}


def chinese_runs(html: str) -> set[str]:
    html = HIDDEN.sub(" ", html)
    text = TAG.sub("\n", html) + "\n" + "\n".join(SEEN_ATTRIBUTES.findall(html))
    return set(CJK.findall(text.replace("&nbsp;", " ")))


def stored_text() -> set[str]:
    """Every Chinese run in the database's text and JSON columns (the data)."""
    found: set[str] = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON):
                for value in db.session.scalars(sa.select(column)):
                    if value:
                        found.update(CJK.findall(str(value)))
    return found


def vocabulary() -> set[str]:
    """The roster's official terms (职级, 政治面貌, 学历, 领导职务 …: models.enums), which
    the roster shows and offers as stored, in Chinese, in both languages."""
    return {
        word
        for value in vars(enums).values()
        if isinstance(value, tuple)
        for item in value
        if isinstance(item, str)
        for word in CJK.findall(item)
    } | {word for value in COMMON_DEGREES for word in CJK.findall(value)}


def test_the_english_ui_shows_chinese_only_in_data(app, demo_data):  # noqa: F811
    seen: dict[str, set[str]] = defaultdict(set)
    for role in ROLES:
        client = app.test_client()
        assert login(client, role, DEMO_PASSWORD).status_code == 302
        client.post("/auth/language", data={"lang": "en", "next": "/"})

        def read(endpoint: str, html: str, role: str = role) -> None:
            assert 'lang="en"' in html, endpoint
            extra = WORKBOOK if "import" in endpoint else set()
            for run in chinese_runs(html) - extra:
                seen[run].add(f"{role} {endpoint}")

        crawl(app, client, on_page=read)
    with app.app_context():  # after the crawl: its downloads are in the log too
        data = stored_text() | vocabulary() | set(CJK.findall(app.config["ORGANISATION_NAME"]))
    translated = {str(term._args[0]) for term in TERMS}  # noqa: SLF001 - the msgids
    # the audit page shows a personal summary only up to its record's label (the part before
    # the first colon or bracket, issue 16): the stored text's parts, though some are words
    # with a translation (a talk's kind), are data there
    labels = {run.split("：")[0].split("（")[0] for run in data if "：" in run or "（" in run}
    allowed = (data - translated) | labels | {"中文"} | PUNCTUATION
    chrome = {run: sorted(where)[:3] for run, where in seen.items() if run not in allowed}
    assert not chrome, repr(chrome)[:4000]


def test_grades_are_stored_in_chinese_and_shown_in_english(app, demo_data):  # noqa: F811
    """HR in English picks "Excellent": the record keeps 优秀; pages show Excellent."""
    with app.app_context():
        cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == "G00003"))
        cadre_id = cadre.id
    client = app.test_client()
    login(client, "hr", DEMO_PASSWORD)
    client.post("/auth/language", data={"lang": "en", "next": "/"})
    url = f"/evaluations/2025/scores/{cadre_id}"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<option (selected )?value="优秀">Excellent</option>', page)
    assert re.search(r'<option (selected )?value="基本称职">Basically competent</option>', page)
    response = client.post(
        url,
        data={
            "ordinary": "95",
            "democratic": "95",
            "leader": "95",
            "proposed_grade": "优秀",
            "reason": "Score sheet re-checked",  # a correction: the demo's 2025 has scores
        },
    )
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(
            sa.select(Evaluation.proposed_grade)
            .join(EvaluationCycle)
            .where(Evaluation.cadre_id == cadre_id, EvaluationCycle.year == 2025)
        )
    assert stored == "优秀"
    ranking = client.get("/evaluations/2025/ranking").get_data(as_text=True)
    assert "Excellent" in ranking and "Incompetent" in ranking  # the bottom-grade setting
    assert "优秀" not in "".join(chinese_runs(ranking))
