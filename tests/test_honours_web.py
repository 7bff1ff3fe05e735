"""The honour roll through its pages, as the people use it: the manager nominates for their
own section (and is refused another), HR returns one with a reason, the manager revises it,
HR approves and publishes the quarter, a cadre reads the roll; before publication the
entries are 404 for those who may not see them; forms posted twice, stale edits, bad photos;
the honour on the profile, in 奖惩情况 only when chosen, and in the selection comparison."""

from __future__ import annotations

import re
from io import BytesIO

import sqlalchemy as sa
from PIL import Image

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, HonourEntry, HonourState
from cadre_app.services.records import appointment_form
from tests.conftest import office_today

S = HonourState
QUARTER = "2025-3"


def jpeg(size=(60, 80)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def _nominate(client, **changes):
    data = {
        "quarter": QUARTER,
        "kind": "individual",
        "staff_no": "T0001",
        "title": "先进个人",
        "deeds": "第一段事迹。\n第二段事迹。",
    } | changes
    return client.post("/honours/nominate", data=data, content_type="multipart/form-data")


def _entry_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _entry(app, entry_id) -> HonourEntry:
    with app.app_context():
        entry = db.session.get(HonourEntry, entry_id)
        db.session.expunge(entry)
        return entry


def test_from_nomination_to_publication_and_reading(app, org, login_as):
    manager, hr, cadre = login_as("manager"), login_as("hr"), login_as("cadre")
    # the manager nominates their section and one of its cadres, with a photo
    section_id = _entry_id(
        _nominate(manager, kind="section", department_id=str(org["budget"]), title="先进处室")
    )
    person_id = _entry_id(_nominate(manager, photo=(BytesIO(jpeg()), "me.jpg")))
    assert _entry(app, person_id).state is S.NOMINATED
    assert _entry(app, person_id).nominated_by == "manager1"
    # not yet published: the cadre (even the one nominated) sees nothing of it
    for url in (f"/honours/entries/{person_id}", f"/honours/entries/{person_id}/photo"):
        assert cadre.get(url).status_code == 404
    assert manager.get(f"/honours/entries/{person_id}/photo").data[:2] == b"\xff\xd8"
    assert "data-entry-id" not in cadre.get("/honours/").get_data(as_text=True)
    # HR returns the section entry: a reason is required
    version = _entry(app, section_id).version
    refused = hr.post(
        f"/honours/entries/{section_id}/step",
        data={"target": "returned", "version": version, "reason": " "},
    )
    assert refused.status_code == 400 and "退回须写明原因" in refused.get_data(as_text=True)
    assert _entry(app, section_id).state is S.NOMINATED
    response = hr.post(
        f"/honours/entries/{section_id}/step",
        data={"target": "returned", "version": version, "reason": "请补充具体成效。"},
    )
    assert response.status_code == 302
    assert _entry(app, section_id).state is S.RETURNED
    page = manager.get(f"/honours/entries/{section_id}").get_data(as_text=True)
    assert "请补充具体成效。" in page
    assert "1 条提名被退回" in manager.get("/").get_data(as_text=True)
    # the manager revises it: saving submits it again
    entry = _entry(app, section_id)
    response = manager.post(
        f"/honours/entries/{section_id}/edit",
        data={"title": "先进处室", "deeds": "补充了成效。", "version": entry.version},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    entry = _entry(app, section_id)
    assert (entry.state, entry.deeds, entry.return_reason) == (S.NOMINATED, "补充了成效。", None)
    # HR approves both, listing the individual in 奖惩情况
    person = _entry(app, person_id)
    response = hr.post(
        f"/honours/entries/{person_id}/edit",
        data={
            "title": person.title,
            "deeds": person.deeds,
            "in_rewards": "y",
            "version": person.version,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and _entry(app, person_id).in_rewards
    for entry_id in (section_id, person_id):
        version = _entry(app, entry_id).version
        response = hr.post(
            f"/honours/entries/{entry_id}/step", data={"target": "approved", "version": version}
        )
        assert response.status_code == 302
    # approved is not published: still 404 for the cadre, the manager may not edit any more
    assert cadre.get(f"/honours/entries/{person_id}").status_code == 404
    assert manager.get(f"/honours/entries/{person_id}/edit").status_code == 302
    manage = hr.get("/honours/manage").get_data(as_text=True)
    assert "发布已通过的 2 条" in manage
    # HR publishes the quarter; a second post changes nothing
    response = hr.post("/honours/2025/3/publish")
    assert response.status_code == 302 and response.headers["Location"] == "/honours/2025/3"
    again = hr.post("/honours/2025/3/publish", follow_redirects=True)
    assert "已处理（表单可能提交了两次）" in again.get_data(as_text=True)
    with app.app_context():
        published = db.session.scalars(sa.select(HonourEntry)).all()
        assert {e.state for e in published} == {S.PUBLISHED}
        assert all(e.published_by == "hr1" and e.approved_by == "hr1" for e in published)
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "honour_entry")
        ).all()
        assert len(events) == 2 + 1 + 2 + 2 + 2  # create, return, two edits, approve, publish
    # the cadre reads the roll, with its past quarters, the entry and the photo
    roll = cadre.get("/honours/").get_data(as_text=True)
    assert "2025年第三季度" in roll and "李晓明" in roll and "预算处" in roll
    assert "补充了成效。" in roll and 'data-testid="past-quarters"' in roll
    assert 'href="/honours/manage"' not in roll
    assert cadre.get(f"/honours/entries/{person_id}").status_code == 200
    assert cadre.get(f"/honours/entries/{person_id}/photo").status_code == 200
    # on the cadre's profile, and in 奖惩情况
    me = cadre.get("/me?tab=honours").get_data(as_text=True)
    assert 'data-testid="honours-tab"' in me and "先进个人" in me
    with app.app_context():
        own = db.session.get(Cadre, org["own_cadre"])
        data = appointment_form.form_data(own, None, today=office_today())
        assert data["奖惩情况"][-1] == "2025年第三季度被评为光荣榜“先进个人”"


def test_the_manager_may_not_nominate_another_section_or_its_cadres(app, org, login_as):
    manager = login_as("manager")
    response = _nominate(manager, staff_no="T0002")
    assert response.status_code == 400
    assert "只能为本人分管的处室提名" in response.get_data(as_text=True)
    response = _nominate(manager, kind="section", department_id=str(org["treasury"]))
    assert response.status_code == 400
    page = manager.get("/honours/nominate").get_data(as_text=True)
    assert "预算处" in page and "国库处" not in page  # only the sections they lead are offered
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HonourEntry)) == 0


def test_hr_entries_of_other_sections_are_404_for_the_manager_until_published(app, org, login_as):
    hr, manager = login_as("hr"), login_as("manager")
    entry_id = _entry_id(_nominate(hr, staff_no="T0002"))
    for url in (f"/honours/entries/{entry_id}", f"/honours/entries/{entry_id}/edit"):
        assert manager.get(url).status_code == 404
    assert "王芳" not in manager.get("/honours/manage").get_data(as_text=True)
    assert "王芳" in hr.get("/honours/manage").get_data(as_text=True)


def test_bad_input_is_refused_with_a_message_and_nothing_written(app, org, login_as):
    hr = login_as("hr")
    cases = [
        ({"quarter": "2025-9"}, "季度的写法"),
        ({"quarter": "2999-1"}, "尚未开始"),
        ({"staff_no": "NOPE"}, "名册中没有工号为 NOPE 的干部"),
        ({"title": ""}, "请填写荣誉称号"),
        ({"deeds": " "}, "请填写事迹"),
        ({"photo": (BytesIO(b"GIF89a not a photo"), "x.gif")}, "照片须为 JPEG 或 PNG 图片"),
        ({"kind": "section", "department_id": ""}, "请选择处室"),
    ]
    for changes, message in cases:
        response = _nominate(hr, **changes)
        assert response.status_code == 400, changes
        assert message in response.get_data(as_text=True), changes
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HonourEntry)) == 0
        assert not db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "honour_entry")
        ).all()


def test_a_nomination_posted_twice_is_made_once_and_a_second_for_the_same_is_refused(
    app, org, login_as
):
    manager = login_as("manager")
    first = _entry_id(_nominate(manager))
    again = _nominate(manager)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/{first}")
    other = _nominate(manager, title="服务之星", deeds="另一份事迹")
    assert other.status_code == 400 and "已有该个人的光荣榜条目" in other.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HonourEntry)) == 1


def test_an_edit_from_a_stale_form_is_a_conflict_naming_the_change(app, org, login_as):
    hr, manager = login_as("hr"), login_as("manager")
    entry_id = _entry_id(_nominate(manager))
    stale = _entry(app, entry_id).version
    ok = hr.post(
        f"/honours/entries/{entry_id}/edit",
        data={"title": "攻坚克难标兵", "deeds": "第一段事迹。", "version": stale},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    response = manager.post(
        f"/honours/entries/{entry_id}/edit",
        data={"title": "先进个人", "deeds": "改写。", "version": stale},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "攻坚克难标兵" in html and 'data-testid="conflict"' in html
    assert _entry(app, entry_id).title == "攻坚克难标兵"


def test_the_comparison_shows_published_honours_only(app, org, login_as):
    hr = login_as("hr")
    published = _entry_id(_nominate(hr, title="先进个人"))
    version = _entry(app, published).version
    hr.post(f"/honours/entries/{published}/step", data={"target": "approved", "version": version})
    hr.post("/honours/2025/3/publish")
    _entry_id(_nominate(hr, quarter="2025-4", title="攻坚克难标兵"))  # nominated only
    ids = f"cadre={org['own_cadre']}&cadre={org['other_cadre']}"
    html = hr.get(f"/selection/compare?{ids}").get_data(as_text=True)
    assert "光荣榜尚未建立" not in html
    section = html.split('data-section="honours"')[1].split("data-section=")[0]
    assert "2025年第三季度 先进个人" in section and "攻坚克难标兵" not in section
    assert re.search(r"1 次", section) and "无" in section


def test_not_listed_in_rewards_unless_chosen(app, org, login_as):
    hr = login_as("hr")
    entry_id = _entry_id(_nominate(hr))
    version = _entry(app, entry_id).version
    hr.post(f"/honours/entries/{entry_id}/step", data={"target": "approved", "version": version})
    hr.post("/honours/2025/3/publish")
    with app.app_context():
        own = db.session.get(Cadre, org["own_cadre"])
        data = appointment_form.form_data(own, None, today=office_today())
        assert not any("光荣榜" in line for line in data["奖惩情况"])
