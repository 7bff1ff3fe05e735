"""Issue 14's end-to-end story through the web, as the office lives it, CSRF on: HR builds an
organisation from nothing (sections, six cadres through the roster form), imports and decides
last year's 年度考核, creates a position and a round, runs the eligibility (the excluded say
why, in words), curates the shortlist and shares it with one manager, who records a view and a
recommendation; 民主推荐 with codes printed as slips and ballots cast on /ballot/<code>; the
round walks through 确定考察对象, 考察 and 讨论决定 (a meeting with its quorum and majority)
to 任前公示 across a holiday, where 任职 is refused before the end and with an objection
unhandled, then made; afterwards the cadre holds the new rank (or leading post), a 简历 line
for it and a 任职谈话.

Every step is a form read from the page it is on (``Forms``) and posted back with its CSRF
token and hidden fields. Set up without a route: the organisation row (the roster import
creates it; no page does) and the user accounts (``make_user``). "Today" is the office's
clock (``cadre_app.clock.today``) set by the test and moved on for 任职.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from html.parser import HTMLParser
from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre, ResumeEntry, Role, Talk
from cadre_app.models.selection import (
    EligibilityRun,
    RoundCandidate,
    SelectionRound,
    Stage,
)
from cadre_app.services.core import idcard
from tests.conftest import PASSWORD
from tests.evaluation_workbooks import build_scores, score_row
from tests.factories import OrganisationFactory

#: The office's "today" for the whole story: a Thursday before the 清明 holiday.
DAY_ONE = date(2026, 4, 2)
#: 清明节 (Monday 6 April 2026), entered by HR on the working-day calendar.
QINGMING = date(2026, 4, 6)
#: Five working days from Thursday 2 April, the weekend and 清明 left out.
PUBLICITY_END = date(2026, 4, 9)
APPOINTED = date(2026, 4, 10)

#: The roster: staff number -> (name, section, 职级, 任现职级时间, 2025 grade, born).
ROSTER = {
    "S001": ("张伟", "预算处", "四级主任科员", "2023-03-01", "称职", date(1988, 5, 12)),
    # 1 year 7 months in rank: eligible only because 2025 was 优秀 (six months off the wait)
    "S002": ("刘洋", "预算处", "四级主任科员", "2024-09-01", "优秀", date(1990, 8, 3)),
    "S003": ("陈静", "预算处", "四级主任科员", "2021-05-01", "基本称职", date(1986, 2, 20)),
    "S004": ("赵磊", "国库处", "四级主任科员", "2025-03-01", "称职", date(1991, 11, 9)),
    "S005": ("孙丽", "国库处", "一级科员", "2020-07-01", "称职", date(1993, 6, 30)),
    "S006": ("周敏", "国库处", "四级主任科员", "2022-01-01", "称职", date(1987, 9, 15)),
}
ELIGIBLE = ("S001", "S002", "S006")
#: Why the others are excluded, as the eligibility page words it.
REASONS = {
    "S003": "上年度（2025）考核为基本称职",
    "S004": "任现职级 1 年 1 个月（自 2025-03-01），需满 2 年",
    "S005": "现任一级科员，需为四级主任科员及以上",
}
WINNER, RUNNER_UP, STRUCK = "S002", "S001", "S006"

#: The two kinds of post: a 职级 (rank and date in rank change, no 试用期) and a first
#: leading post (the 领导职务 changes, a 试用期 of one year).
KINDS = {
    "rank": {"post_kind": "职级", "target_level": "三级主任科员", "title": "预算处三级主任科员"},
    "leading": {"post_kind": "领导职务", "target_level": "乡科级副职", "title": "预算处副处长"},
}


# --- the forms of a page, as a browser would post them ------------------------------------------


class Forms(HTMLParser):
    """Every <form> of a page: its action, method and fields with the values the page gives
    (hidden fields such as csrf_token and version, ticked boxes, selected options, text)."""

    def __init__(self, html: str, url: str = ""):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: dict[str, Any] | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or self.url,  # none: the page's own URL
                "method": (a.get("method") or "get").lower(),
                "enctype": a.get("enctype") or "",
                "fields": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        if tag == "input":
            fields.append(
                {
                    "name": a.get("name"),
                    "type": (a.get("type") or "text").lower(),
                    "value": a.get("value") or "",
                    "checked": "checked" in a,
                }
            )
        elif tag == "select":
            self._select = {"name": a.get("name"), "type": "select", "options": []}
            self._select["multiple"] = "multiple" in a
            fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
            self._select["options"].append(self._option)
        elif tag == "textarea":
            self._textarea = {"name": a.get("name"), "type": "textarea", "value": ""}
            fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None

    def find(self, action: str, **hidden: str) -> dict[str, Any]:
        """The one form posting to ``action`` (its path; the query is ignored) whose fields
        have the given values (``target="inspection"``: which step form)."""
        found = [
            f
            for f in self.forms
            if f["action"].split("?")[0].split("#")[0] == action
            and all(
                any(x["name"] == k and x.get("value") == v for x in f["fields"])
                for k, v in hidden.items()
            )
        ]
        assert len(found) == 1, (action, hidden, [f["action"] for f in self.forms])
        return found[0]


def _option_value(option: dict[str, Any]) -> str:
    return option["value"] if option["value"] is not None else option["text"].strip()


def form_data(form: dict[str, Any], values: dict[str, Any]) -> MultiDict:
    """What the browser sends: the page's values, with ``values`` typed in (True ticks a box,
    False or None leaves it unticked, a list selects several). Every name must be a field of
    the form: a field renamed or dropped from the page fails here."""
    names = {f["name"] for f in form["fields"] if f["name"]}
    unknown = set(values) - names
    assert not unknown, f"not fields of the form to {form['action']}: {unknown} (has {names})"
    data = MultiDict()
    for f in form["fields"]:
        name = f["name"]
        if not name or name in values or f["type"] in ("submit", "button", "file"):
            continue
        if f["type"] in ("checkbox", "radio"):
            if f["checked"]:
                data.add(name, f["value"])
        elif f["type"] == "select":
            chosen = [o for o in f["options"] if o["selected"]]
            if not chosen and not f["multiple"] and f["options"]:
                chosen = f["options"][:1]
            for option in chosen:
                data.add(name, _option_value(option))
        else:
            data.add(name, f["value"])
    boxes = {f["name"]: f for f in form["fields"] if f["type"] == "checkbox"}
    for name, value in values.items():
        if value is None or value is False:
            continue
        if value is True:
            data.add(name, boxes[name]["value"] if name in boxes else "y")
        elif isinstance(value, list):
            for item in value:
                data.add(name, str(item))
        elif isinstance(value, tuple):  # a file: (BytesIO, filename)
            data.add(name, value)
        else:
            data.add(name, str(value))
    return data


def html_of(response: Any) -> str:
    return response.get_data(as_text=True)


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html_of(response)


def submit(
    client: FlaskClient,
    url: str,
    action: str,
    *,
    match: dict[str, str] | None = None,
    html: str | None = None,
    **values: Any,
) -> Any:
    """Open ``url`` (or use its ``html``), fill in the form posting to ``action`` and send it."""
    html = html if html is not None else page(client, url)
    form = Forms(html, url).find(action, **(match or {}))
    assert form["method"] == "post"
    data = form_data(form, values)
    multipart = form["enctype"] == "multipart/form-data"
    return client.post(
        form["action"],
        data=data,
        content_type="multipart/form-data" if multipart else None,
    )


def sign_in(app: Any, username: str) -> FlaskClient:
    client = app.test_client()
    response = submit(client, "/auth/login", "/auth/login", username=username, password=PASSWORD)
    assert response.status_code == 302, html_of(response)
    return client


def expect(response: Any, status: int, *words: str) -> str:
    text = html_of(response)
    assert response.status_code == status, (status, response.status_code, text[:3000])
    for word in words:
        assert word in text, (word, re.findall(r"[^<>]*工作日[^<>]*", text))
    return text


def section_of(html: str, marker: str, end: str = "</tr>") -> str:
    assert marker in html, marker
    return html.split(marker, 1)[1].split(end, 1)[0]


# --- the story ------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def office_day(monkeypatch) -> dict[str, date]:
    """The office's today, set by the story (``office_day["today"] = ...``)."""
    now = {"today": DAY_ONE}
    monkeypatch.setattr(clock, "today", lambda: now["today"])
    return now


@pytest.mark.parametrize("kind", ["rank", "leading"])
def test_roster_to_appointment(app, make_user, csrf_on, office_day, tmp_path, kind):
    post = KINDS[kind]
    with app.app_context():  # no page makes the organisation (the roster import does)
        OrganisationFactory(name="某市财政局")
        db.session.commit()
    make_user("hr_e2e", Role.HR)
    hr = sign_in(app, "hr_e2e")
    bare = hr.post("/cadres/departments", data={"name": "办公室", "sort_order": "9"})
    assert bare.status_code == 400  # CSRF on: a post without the page's token is refused

    # 1. roster: two sections, six cadres through the roster form ----------------------------
    for order, name in enumerate(("预算处", "国库处"), start=1):
        created = submit(
            hr, "/cadres/departments", "/cadres/departments", name=name, sort_order=order
        )
        assert created.status_code == 302, html_of(created)
    sections = _sections(app)
    for serial, (staff_no, (name, section, rank, since, _grade, born)) in enumerate(
        ROSTER.items(), start=10
    ):
        made = submit(
            hr,
            "/cadres/new",
            "/cadres/new",
            staff_no=staff_no,
            name=name,
            gender="男" if serial % 2 else "女",
            birth_date=born.isoformat(),
            id_number=idcard.make("110105", born, serial),
            department_id=sections[section],
            rank=rank,
            rank_since=since,
            political_status="中共党员",
            work_start_date="2012-07-01",
            ft_education="大学本科",
            position_title=f"{section}{rank}",
        )
        assert made.status_code == 302, html_of(made)[:3000]
    ids = _cadre_ids(app)
    winner = ids[WINNER]
    resume = submit(
        hr,
        f"/cadres/{winner}?tab=resume",
        f"/cadres/{winner}/resume",
        start="2024.09",
        description="预算处四级主任科员",
    )
    assert resume.status_code == 302, html_of(resume)[:3000]

    make_user("mgr_budget", Role.MANAGER, section_ids=(sections["预算处"],))
    make_user("mgr_treasury", Role.MANAGER, section_ids=(sections["国库处"],))
    make_user("zhangwei", Role.CADRE, cadre_id=ids[RUNNER_UP])

    # 2. evaluations: the 2025 scores imported, ranked, confirmed, publicised, decided --------
    rows = [
        score_row(no, ROSTER[no][0], 90 - n, 88, 86, ROSTER[no][4]) for n, no in enumerate(ROSTER)
    ]
    uploaded = submit(
        hr,
        "/evaluations/import",
        "/evaluations/import",
        year="2025",
        file=(BytesIO(build_scores(rows)), "2025年度考核.xlsx"),
    )
    assert uploaded.status_code == 302, html_of(uploaded)[:3000]
    preview = uploaded.headers["Location"]
    expect(hr.get(preview), 200, "新增 6 人")
    assert submit(hr, preview, f"{preview}/confirm").status_code == 302
    ranking = "/evaluations/2025/ranking"
    assert submit(hr, ranking, "/evaluations/2025/rank").status_code == 302
    confirmed = submit(hr, ranking, "/evaluations/2025/confirm", confirmed=True)
    assert confirmed.status_code == 302, html_of(confirmed)[:3000]
    publicised = submit(
        hr, ranking, "/evaluations/2025/publicity", start="2026-01-05", confirmed=True
    )
    assert publicised.status_code == 302, html_of(publicised)[:3000]
    decided = submit(hr, ranking, "/evaluations/2025/decide", confirmed=True)
    assert decided.status_code == 302, html_of(decided)[:3000]

    # 3. a position and a round; eligibility on the position's page ---------------------------
    made = submit(
        hr,
        "/selection/positions/new",
        "/selection/positions/new",
        title=post["title"],
        department_id=sections["预算处"],
        post_kind=post["post_kind"],
        target_level=post["target_level"],
        places="1",
        min_rank="四级主任科员",
        party_member=True,
    )
    assert made.status_code == 302, html_of(made)[:3000]
    eligibility_url = made.headers["Location"]
    position_id = int(re.search(r"/positions/(\d+)/eligibility", eligibility_url).group(1))
    expect(hr.get(eligibility_url), 200, "尚无资格审查结果")
    run = submit(hr, eligibility_url, eligibility_url)  # the date: today, as the page offers
    assert run.status_code == 302, html_of(run)[:3000]
    html = expect(hr.get(run.headers["Location"]), 200, "共 6 人，其中符合条件 3 人。")
    for no, cadre_id in ids.items():
        row = section_of(html, f'<tr data-cadre="{cadre_id}">')
        if no in ELIGIBLE:
            assert "符合" in row and "不符合" not in row, (no, row)
            assert "text-danger" not in row, (no, row)  # no failing reason
        else:
            assert "不符合" in row and REASONS[no] in row, (no, row)
            assert row.count("text-danger") == 1, (no, row)  # that reason, and it alone
    with app.app_context():
        stored = db.session.scalar(sa.select(EligibilityRun))
        assert stored.on_date == DAY_ONE and stored.eligible_count == 3
        assert stored.rules["conditions"]["min_rank"] == "四级主任科员"  # the rule set kept

    created = submit(
        hr,
        f"/selection/rounds/new?position={position_id}",
        "/selection/rounds/new",
        title=f"2026年{post['title']}选任",
        reason=f"{post['title']}空缺",
    )
    assert created.status_code == 302, html_of(created)[:3000]
    round_url = created.headers["Location"]
    round_id = int(round_url.rstrip("/").rsplit("/", 1)[1])
    expect(hr.get(round_url), 200, 'data-stage="motion"', f"{post['title']}空缺")

    # 4. the shortlist: the eligible of the run, one struck off with a reason; shared ---------
    shortlist = f"/selection/rounds/{round_id}/shortlist"
    html = page(hr, shortlist)
    offered = set(re.findall(r'id="eligible-(\d+)"', html))
    assert offered == {str(ids[no]) for no in ELIGIBLE}  # the excluded are not offered
    added = submit(hr, shortlist, f"{shortlist}/eligible", html=html)
    assert added.status_code == 302, html_of(added)[:3000]
    candidate = _candidates(app, round_id)
    assert set(candidate) == set(ELIGIBLE)
    struck = submit(
        hr,
        shortlist,
        f"{shortlist}/{candidate[STRUCK]}/remove",
        reason="本次选任限预算处人选",
    )
    assert struck.status_code == 302, html_of(struck)[:3000]
    with app.app_context():
        manager_id = _user_id("mgr_budget")
    shared = submit(
        hr, shortlist, f"/selection/rounds/{round_id}/reviewers", reviewers=[manager_id]
    )
    assert shared.status_code == 302, html_of(shared)[:3000]
    html = page(hr, shortlist)
    assert "<del>周敏</del>" in html and "本次选任限预算处人选" in html
    order = re.findall(r'data-staff-no="(S\d+)"', html)
    assert order.index(WINNER) < order.index(RUNNER_UP)  # 优秀 scores above 称职

    # 5. the assigned manager reviews; nobody else sees the round ----------------------------
    manager = sign_in(app, "mgr_budget")
    reviews = page(manager, "/selection/reviews")
    listed = section_of(reviews, f'data-round="{round_id}"', "</section>")
    assert re.findall(r'data-testid="candidate" data-staff-no="(S\d+)"', listed) == [
        WINNER,
        RUNNER_UP,
    ]
    for absent in ("周敏", "陈静", "赵磊", "孙丽"):  # not the roster, not the struck
        assert absent not in listed, absent
    viewed = submit(
        manager,
        "/selection/reviews",
        f"/selection/reviews/{candidate[WINNER]}",
        view="同意",
        reason="年度考核优秀，业务骨干",
        recommended=True,
    )
    assert viewed.status_code == 302, html_of(viewed)[:3000]
    viewed = submit(
        manager,
        "/selection/reviews",
        f"/selection/reviews/{candidate[RUNNER_UP]}",
        view="暂缓",
        reason="再历练一年",
    )
    assert viewed.status_code == 302
    reviews = page(manager, "/selection/reviews")
    mine = section_of(reviews, f'id="candidate-{candidate[WINNER]}"', "</article>")
    mine = section_of(mine, 'data-testid="my-view"', "</div>")
    assert "同意" in mine and ">推荐<" in mine and "年度考核优秀，业务骨干" in mine
    compare = f"/selection/compare?round={round_id}&cadre={winner}&cadre={ids[RUNNER_UP]}"
    expect(manager.get(compare), 200, "刘洋", "张伟")
    html = page(hr, shortlist)  # HR reads the manager's view beside the candidate
    assert "年度考核优秀，业务骨干" in section_of(html, f'data-staff-no="{WINNER}"')

    other = sign_in(app, "mgr_treasury")
    assert 'data-testid="no-rounds"' in page(other, "/selection/reviews")
    assert other.get(compare).status_code == 404
    token = _token(page(other, "/selection/reviews"))
    stranger = other.post(
        f"/selection/reviews/{candidate[WINNER]}",
        data={"csrf_token": token, "view": "不同意", "reason": "x"},
    )
    assert stranger.status_code == 404
    cadre = sign_in(app, "zhangwei")  # 张伟 is a candidate and must not learn it
    for url in (round_url, shortlist, "/selection/reviews", compare):
        assert (
            cadre.get(url).status_code
            == cadre.get(url.replace(str(round_id), "999999")).status_code
        )
        assert cadre.get(url).status_code in (403, 404), url  # 404 for the round's pages
    assert "选任" not in page(cadre, "/")
    assert other.get(round_url).status_code == other.get("/selection/rounds/999999").status_code

    # 6. 民主推荐: the box opened, codes printed, ballots cast on the phone page -------------
    step = _stepper(hr, round_url, round_id)
    bare = hr.post(f"/selection/rounds/{round_id}/step", data={"target": "recommendation"})
    assert bare.status_code == 400  # no token
    step(Stage.RECOMMENDATION, documents="党组会议纪要〔2026〕5号")
    recommendation = f"/selection/rounds/{round_id}/recommendation"
    opened = submit(hr, recommendation, f"{recommendation}/open")  # the page's defaults
    assert opened.status_code == 303, html_of(opened)[:3000]
    html = page(hr, recommendation)
    codes: list[str] = []
    for group, count in (("处级领导干部", 3), ("科级及以下干部", 4)):
        form = Forms(html).forms
        action = next(
            f["action"]
            for f in form
            if f["action"].endswith("/issue")
            and f["action"] in section_of(html, f'data-testid="codes-group-{group}"', "</tr>")
        )
        slips = submit(hr, recommendation, action, html=html, count=str(count))
        assert slips.status_code == 200 and slips.mimetype == "application/pdf"
        codes += _codes_of(slips.data, tmp_path / f"{group}.pdf")
        html = page(hr, recommendation)
    assert len(codes) == 7 and len(set(codes)) == 7
    # five raters name 刘洋, one 张伟, one abstains
    chosen = [candidate[WINNER]] * 5 + [candidate[RUNNER_UP], None]
    for code, pick in zip(codes, chosen, strict=True):
        rater = app.test_client()
        entered = submit(rater, "/ballot/", "/ballot/", code=code)
        assert entered.status_code == 303, html_of(entered)[:2000]
        ballot_url = entered.headers["Location"]
        ballot = page(rater, ballot_url)
        assert "最多推荐 1 人" in ballot and "刘洋" in ballot and "张伟" in ballot
        assert "周敏" not in ballot  # struck off: not on the ballot
        cast = submit(rater, ballot_url, ballot_url, html=ballot, c=[pick] if pick else None)
        assert cast.status_code == 303, html_of(cast)[:3000]
        assert rater.get(ballot_url).status_code in (403, 404)  # a code votes once
    assert hr.get(f"{recommendation}/results").status_code == 409  # not before closing
    closed = submit(
        hr, recommendation, f"{recommendation}/close", confirm=True, reason="推荐人已全部投票"
    )
    assert closed.status_code == 303, html_of(closed)[:3000]
    tally = expect(hr.get(f"{recommendation}/results"), 200, "收回有效票 7 张，其中弃权 1 张")
    row = section_of(tally, f'data-testid="whole-{candidate[WINNER]}"')
    assert 'data-testid="votes">5<' in row and "71.4%" in row
    row = section_of(tally, f'data-testid="whole-{candidate[RUNNER_UP]}"')
    assert 'data-testid="votes">1<' in row
    whole = section_of(tally, 'data-testid="results-whole"', "</table>")
    assert "周敏" not in whole  # struck off before the ballot opened: never on it
    # put back on the list after the ballot closed, she still was never on it
    add = f"/selection/rounds/{round_id}/shortlist/add"
    readded = submit(hr, f"{shortlist}?q={STRUCK}", add, reason="补充考虑")
    assert readded.status_code == 302, html_of(readded)[:3000]
    again = expect(hr.get(f"{recommendation}/results"), 200, "收回有效票 7 张")
    assert "周敏" not in section_of(again, 'data-testid="results-whole"', "</table>")
    struck_again = submit(
        hr, shortlist, f"{shortlist}/{candidate[STRUCK]}/remove", reason="本次选任限预算处人选"
    )
    assert struck_again.status_code == 302, html_of(struck_again)[:3000]

    # 7. 确定考察对象 → 考察 → 讨论决定 with a meeting that has its quorum and majority ------
    step(Stage.CANDIDATES, outcome="刘洋得票最多")
    mark = f"/selection/rounds/{round_id}/candidates/{candidate[WINNER]}"
    assert submit(hr, round_url, mark, inspected=True).status_code == 302
    step(Stage.INSPECTION)
    noted = submit(
        hr, round_url, mark, inspected=True, integrity_received=True, inspection_notes="政治坚定"
    )
    assert noted.status_code == 302, html_of(noted)[:3000]
    step(Stage.DECISION)
    meeting = f"/selection/rounds/{round_id}/meeting"
    short = submit(
        hr,
        round_url,
        meeting,
        meeting_on=DAY_ONE.isoformat(),
        members_entitled="9",
        members_present="5",
        **{f"votes_{candidate[WINNER]}": "5"},
    )
    assert short.status_code == 302
    expect(hr.get(round_url), 200, "不足应到会成员的三分之二（至少 6 人）")
    refused = step(Stage.PUBLICITY, status=400)
    assert "会议不能作出决定" in refused
    held = submit(
        hr,
        round_url,
        meeting,
        meeting_on=DAY_ONE.isoformat(),
        members_entitled="9",
        members_present="7",
        **{f"votes_{candidate[WINNER]}": "6"},
    )
    assert held.status_code == 302, html_of(held)[:3000]
    expect(
        hr.get(round_url),
        200,
        "达到应到会成员的三分之二（至少 6 人），会议有效",
        "赞成 6 票，超过应到会成员 9 人的半数（至少 5 票），通过",
    )
    step(Stage.PUBLICITY)

    # 8. 任前公示 across 清明: five working days; 任职 refused before the end and with an
    # objection open, then made --------------------------------------------------------------
    holiday = submit(
        hr, "/talks/holidays", "/talks/holidays", day=QINGMING.isoformat(), name="清明节"
    )
    assert holiday.status_code == 302, html_of(holiday)[:3000]
    publicity = f"/selection/rounds/{round_id}/publicity"
    four = submit(
        hr, round_url, publicity, publicity_start=DAY_ONE.isoformat(), publicity_end="2026-04-08"
    )
    expect(four, 400, "只有 4 个工作日", f"最早可于 {PUBLICITY_END.isoformat()} 结束")
    five = submit(
        hr,
        round_url,
        publicity,
        publicity_start=DAY_ONE.isoformat(),
        publicity_end=PUBLICITY_END.isoformat(),
    )
    assert five.status_code == 302, html_of(five)[:3000]
    early = step(Stage.APPOINTMENT, status=400, appointed_on=DAY_ONE.isoformat())
    assert f"任前公示至 {PUBLICITY_END.isoformat()} 结束，公示期满前不能任职" in early

    office_day["today"] = date(2026, 4, 3)
    objection = submit(
        hr,
        round_url,
        f"/selection/rounds/{round_id}/objections",
        received_on="2026-04-03",
        candidate_id=str(candidate[WINNER]),
        content="来信反映其工作作风问题",
    )
    assert objection.status_code == 302, html_of(objection)[:3000]

    office_day["today"] = APPOINTED
    unhandled = step(Stage.APPOINTMENT, status=400, appointed_on=APPOINTED.isoformat())
    assert "还有 1 条公示期间收到的反映未处理完毕" in unhandled
    with app.app_context():
        assert db.session.get(Cadre, winner).rank == "四级主任科员"  # nothing done yet
    objection_id = int(
        re.search(rf"/selection/rounds/{round_id}/objections/(\d+)", page(hr, round_url)).group(1)
    )
    handled = submit(
        hr,
        round_url,
        f"/selection/rounds/{round_id}/objections/{objection_id}",
        handled_on=APPOINTED.isoformat(),
        handling="经核查，反映问题不属实",
    )
    assert handled.status_code == 302, html_of(handled)[:3000]
    step(Stage.APPOINTMENT, appointed_on=APPOINTED.isoformat(), documents="任职通知〔2026〕8号")

    # 9. 任职: the cadre's rank or post, the 简历 line, the 任职谈话; the 试用期 -------------
    with app.app_context():
        cadre_row = db.session.get(Cadre, winner)
        assert cadre_row.position_title == post["title"]
        if kind == "rank":
            assert cadre_row.rank == "三级主任科员" and cadre_row.rank_since == APPOINTED
        else:
            assert cadre_row.leadership_level == "乡科级副职"
            assert cadre_row.rank == "四级主任科员"  # a leading post leaves the 职级 alone
        lines = db.session.scalars(
            sa.select(ResumeEntry).where(ResumeEntry.cadre_id == winner).order_by(ResumeEntry.start)
        ).all()
        assert [(e.description, e.end) for e in lines] == [
            ("预算处四级主任科员", APPOINTED),
            (post["title"], None),
        ]
        assert lines[-1].start == APPOINTED
        talks = db.session.scalars(sa.select(Talk).where(Talk.subject_id == winner)).all()
        assert [t.kind for t in talks] == ["任职谈话"]
        assert post["title"] in talks[0].reason
        runner_up = db.session.get(Cadre, ids[RUNNER_UP])
        assert runner_up.rank == "四级主任科员" and runner_up.leadership_level is None
        assert not db.session.scalar(
            sa.select(Talk).where(Talk.subject_id == ids[RUNNER_UP], Talk.kind == "任职谈话")
        )
        done = db.session.get(SelectionRound, round_id)
        assert done.stage is Stage.APPOINTMENT and done.appointed_on == APPOINTED
        expected_end = date(2027, 4, 9) if kind == "leading" else None
        assert done.probation_end == expected_end
    html = page(hr, round_url)
    assert 'data-stage="appointment"' in html and "干部任免审批表" in html
    if kind == "leading":
        assert "试用期一年" in html and "2027-04-09" in html
        step(Stage.PROBATION)
        assert "2027-04-09" in page(hr, round_url)
    else:
        assert "此次任职不适用试用期" in html
    profile = page(hr, f"/cadres/{winner}")
    assert post["title"] in profile and "任职谈话" in page(hr, "/talks/")
    if kind == "rank":
        assert "三级主任科员" in profile


# --- helpers of the story ---------------------------------------------------------------------


def _stepper(hr: FlaskClient, round_url: str, round_id: int):
    """Post the round page's step form to ``target`` (the form the page offers for it)."""

    def step(target: Stage, *, status: int = 302, **values: Any) -> str:
        response = submit(
            hr,
            round_url,
            f"/selection/rounds/{round_id}/step",
            match={"target": target.value},
            **values,
        )
        text = html_of(response)
        assert response.status_code == status, (target, response.status_code, text[:3000])
        return text

    return step


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _codes_of(content: bytes, path: Any) -> list[str]:
    """The codes typed on the slips PDF (``ABCD-EFGH-JKMN``), as a rater reads them."""
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b", text)


def _sections(app: Any) -> dict[str, int]:
    from cadre_app.models import Department

    with app.app_context():
        return dict(db.session.execute(sa.select(Department.name, Department.id)).all())


def _cadre_ids(app: Any) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Cadre.staff_no, Cadre.id)).all())


def _candidates(app: Any, round_id: int) -> dict[str, int]:
    with app.app_context():
        return dict(
            db.session.execute(
                sa.select(Cadre.staff_no, RoundCandidate.id)
                .join(Cadre, Cadre.id == RoundCandidate.cadre_id)
                .where(RoundCandidate.round_id == round_id)
            ).all()
        )


def _user_id(username: str) -> int:
    from cadre_app.models import User

    return db.session.scalar(sa.select(User.id).where(User.username == username))
