"""The roster pages: who sees what, masking, reveal, create, edit with version conflicts,
photo, family and résumé."""

from __future__ import annotations

import io
import re
from datetime import date

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, FamilyMember, ResumeEntry
from cadre_app.services.core import idcard
from tests.factories import CadreFactory

OWN_ID = idcard.make("110105", date(1995, 3, 8), 11)
OTHER_ID = idcard.make("120101", date(1990, 7, 1), 22)


def _events(app, action):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def _cadre(app, staff_no):
    with app.app_context():
        cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == staff_no))
        db.session.expunge(cadre)
        return cadre


def form_for(cadre_values: dict, **changes) -> dict:
    data = {
        "staff_no": "N0001",
        "name": "赵新",
        "gender": "女",
        "birth_date": "1993-04-05",
        "id_number": idcard.make("310104", date(1993, 4, 5), 28),
        "department_id": str(cadre_values["budget"]),
        "rank": "一级科员",
        "political_status": "中共党员",
        "party_join_date": "2015.06",
        "work_start_date": "2016年7月",
        "phone": "13912345678",
    }
    data.update(changes)
    return data


# --- list -------------------------------------------------------------------------------------


def test_hr_sees_everyone_manager_only_led_sections(hr_client, manager_client):
    hr = hr_client.get("/cadres/").get_data(as_text=True)
    assert "李晓明" in hr and "王芳" in hr
    mgr = manager_client.get("/cadres/").get_data(as_text=True)
    assert "李晓明" in mgr and "王芳" not in mgr


def test_list_is_a_whole_section_others_may_not_use(cadre_client, login_as):
    assert cadre_client.get("/cadres/").status_code == 403
    assert login_as("admin").get("/cadres/").status_code == 403
    assert login_as("auditor").get("/cadres/").status_code == 403


def test_search_filter_sort_and_paginate(app, hr_client, org):
    with app.app_context():
        for i in range(60):
            CadreFactory(
                staff_no=f"P{i:03d}",
                name=f"批量{chr(0x4E00 + i)}",
                birth_date=date(1980 + i % 20, 1, 15),
                department_id=org["budget"],
                rank="四级主任科员" if i % 2 else "一级科员",
            )
        db.session.commit()
    found = hr_client.get("/cadres/?q=T0002").get_data(as_text=True)
    assert "王芳" in found and "李晓明" not in found
    by_name = hr_client.get("/cadres/?q=晓明").get_data(as_text=True)
    assert "李晓明" in by_name and "王芳" not in by_name
    treasury = hr_client.get(f"/cadres/?department={org['treasury']}").get_data(as_text=True)
    assert "共 1 人" in treasury
    page1 = hr_client.get("/cadres/?sort=staff_no").get_data(as_text=True)
    assert "共 62 人" in page1 and "P000" in page1 and "P055" not in page1
    page2 = hr_client.get("/cadres/?sort=staff_no&page=2").get_data(as_text=True)
    assert "P055" in page2
    desc = hr_client.get("/cadres/?sort=staff_no&dir=desc").get_data(as_text=True)
    assert desc.index("T0002") < desc.index("P059")
    ranked = hr_client.get("/cadres/?rank=四级主任科员").get_data(as_text=True)
    assert "共 31 人" in ranked
    aged = hr_client.get("/cadres/?age_min=40&age_max=45&on=2026-01-01").get_data(as_text=True)
    # born 1981-1985 (ages 40..45 on 2026-01-01, birthdays on 15 January not yet reached)
    assert "共 " in aged and "P001" in aged and "P008" not in aged


def test_young_cadre_filter_uses_the_stated_date(hr_client):
    # 李晓明 born 1995-03-08: 35 on 2030-03-08, 36 a day later... on 2031-03-08 he is 36.
    assert "李晓明" in hr_client.get("/cadres/?young=1&on=2031-03-07").get_data(as_text=True)
    assert "李晓明" not in hr_client.get("/cadres/?young=1&on=2031-03-08").get_data(as_text=True)


def test_a_bad_list_parameter_keeps_the_page_and_the_other_filters(hr_client, org):
    """A wrong parameter answers 400 with the list itself, a message naming it, and every
    other filter still applied (issue 10, item 14)."""
    response = hr_client.get("/cadres/?page=abc&q=李晓明&age_min=-5")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "页码“abc”无效" in html and "最小年龄“-5”无效" in html
    assert "李晓明" in html and "王芳" not in html  # the search still applies
    assert 'value="李晓明"' in html  # and stays in the search box
    dated = hr_client.get("/cadres/?on=2023-02-30")
    assert dated.status_code == 400 and "已按今天计算年龄" in dated.get_data(as_text=True)


def test_bad_list_parameters_are_400(hr_client):
    assert hr_client.get("/cadres/?page=abc").status_code == 400
    assert hr_client.get("/cadres/?on=2023-02-30").status_code == 400
    assert hr_client.get("/cadres/?age_min=-3").status_code == 400


# --- profile and access -----------------------------------------------------------------------


def test_profile_access(hr_client, manager_client, cadre_client, login_as, org):
    own, other = org["own_cadre"], org["other_cadre"]
    assert hr_client.get(f"/cadres/{own}").status_code == 200
    assert hr_client.get(f"/cadres/{other}").status_code == 200
    assert manager_client.get(f"/cadres/{own}").status_code == 200
    assert manager_client.get(f"/cadres/{other}").status_code == 404
    assert cadre_client.get(f"/cadres/{own}").status_code == 200
    assert cadre_client.get(f"/cadres/{other}").status_code == 404
    assert cadre_client.get("/cadres/999999").status_code == 404
    assert login_as("auditor").get(f"/cadres/{own}").status_code == 403


def test_me_shows_own_record_with_tabs(cadre_client):
    for tab in ("basic", "resume", "family"):
        response = cadre_client.get(f"/me?tab={tab}")
        assert response.status_code == 200
        assert "李晓明" in response.get_data(as_text=True)
    assert "编辑" not in cadre_client.get("/me").get_data(as_text=True)


def test_id_numbers_masked_in_html_for_every_role(hr_client, manager_client, cadre_client, org):
    own = org["own_cadre"]
    for client in (hr_client, manager_client, cadre_client):
        html = client.get(f"/cadres/{own}").get_data(as_text=True)
        assert OWN_ID not in html
        assert idcard.mask(OWN_ID) in html


def test_hr_reveal_is_audited_and_others_cannot(app, hr_client, manager_client, org):
    own = org["own_cadre"]
    response = hr_client.post(f"/cadres/{own}/reveal-id")
    assert response.status_code == 200 and OWN_ID in response.get_data(as_text=True)
    events = _events(app, "reveal")
    assert len(events) == 1 and events[0].object_id == str(own) and events[0].actor_name == "hr1"
    assert manager_client.post(f"/cadres/{own}/reveal-id").status_code == 403
    assert OWN_ID not in hr_client.get(f"/cadres/{own}").get_data(as_text=True)


# --- create and edit --------------------------------------------------------------------------


def test_create_cadre(app, hr_client, org):
    response = hr_client.post("/cadres/new", data=form_for(org))
    assert response.status_code == 302, response.get_data(as_text=True)
    cadre = _cadre(app, "N0001")
    assert cadre.birth_date == date(1993, 4, 5)
    assert cadre.party_join_date == date(2015, 6, 1) and cadre.work_start_date == date(2016, 7, 1)
    created = _events(app, "create")
    assert created and created[0].after["id_number"] == idcard.mask(cadre.id_number)


def test_create_refuses_bad_input_and_writes_nothing(app, hr_client, org):
    bad_checksum = form_for(org)
    bad_checksum["id_number"] = bad_checksum["id_number"][:17] + (
        "0" if bad_checksum["id_number"][17] != "0" else "1"
    )
    cases = [
        (bad_checksum, "校验位错误"),
        (form_for(org, staff_no="T0001"), "已被 李晓明"),
        (form_for(org, id_number=OWN_ID), "已被 李晓明"),
        (form_for(org, birth_date="1993-02-30"), "不存在"),
        (form_for(org, gender="男"), "性别"),
        (form_for(org, party_join_date="2010.01"), "18"),
        (form_for(org, phone="12345"), "手机号"),
        (form_for(org, name=""), "必填"),
    ]
    for data, fragment in cases:
        response = hr_client.post("/cadres/new", data=data)
        assert response.status_code == 400, fragment
        assert fragment in response.get_data(as_text=True), fragment
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Cadre)) == 2
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "create")
            )
            == 0
        )


def _edit_form(client, cadre_id):
    html = client.get(f"/cadres/{cadre_id}/edit").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body
        )
        fields[name] = (chosen.group(1) or chosen.group(2)) if chosen else ""
    fields.pop("csrf_token", None)
    return {k: v.replace("&#39;", "'") for k, v in fields.items()}


def test_edit_saves_and_bumps_version(app, hr_client, org):
    own = org["own_cadre"]
    data = _edit_form(hr_client, own)
    assert data["version"] == "1" and data["name"] == "李晓明"
    data["position_title"] = "预算处科员"
    response = hr_client.post(f"/cadres/{own}/edit", data=data)
    assert response.status_code == 302
    cadre = _cadre(app, "T0001")
    assert cadre.position_title == "预算处科员" and cadre.version == 2
    event = _events(app, "update")[0]
    assert event.before == {"position_title": None}
    assert event.after == {"position_title": "预算处科员", "version": 2}


def test_stale_save_answers_409_and_shows_the_other_change(app, login_as, org):
    own = org["own_cadre"]
    first, second = login_as("hr"), login_as("hr")
    form_a, form_b = _edit_form(first, own), _edit_form(second, own)
    form_a["position_title"] = "科员甲"
    assert first.post(f"/cadres/{own}/edit", data=form_a).status_code == 302
    form_b["phone"] = "13700000000"
    response = second.post(f"/cadres/{own}/edit", data=form_b)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "科员甲" in html and "hr1" in html and 'data-testid="conflict"' in html
    cadre = _cadre(app, "T0001")
    assert cadre.position_title == "科员甲" and cadre.phone is None  # nothing overwritten
    # The same form posted twice: the second is stale too.
    assert first.post(f"/cadres/{own}/edit", data=form_a).status_code == 409


def test_edit_invalid_input_is_400_and_nothing_changes(app, hr_client, org):
    own = org["own_cadre"]
    data = _edit_form(hr_client, own)
    data["rank_since"] = "2099-01-01"
    response = hr_client.post(f"/cadres/{own}/edit", data=data)
    assert response.status_code == 400 and "不能晚于今天" in response.get_data(as_text=True)
    assert _cadre(app, "T0001").version == 1


def test_manager_and_cadre_cannot_edit(manager_client, cadre_client, org):
    own = org["own_cadre"]
    assert manager_client.get(f"/cadres/{own}/edit").status_code == 403
    assert cadre_client.post(f"/cadres/{own}/edit", data={"name": "x"}).status_code == 403
    assert manager_client.get("/cadres/new").status_code == 403


# --- photo, family, résumé --------------------------------------------------------------------


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_photo_upload_checks_type_and_size(app, hr_client, manager_client, cadre_client, org):
    own, url = org["own_cadre"], f"/cadres/{org['own_cadre']}/photo"
    png = _png()
    fake = hr_client.post(url, data={"photo": (io.BytesIO(b"not an image"), "a.png")})
    assert fake.status_code == 400 and "JPEG 或 PNG" in fake.get_data(as_text=True)
    big = hr_client.post(url, data={"photo": (io.BytesIO(png + b"0" * (6 * 1024 * 1024)), "b.png")})
    assert big.status_code == 400 and "6 MB" in big.get_data(as_text=True)
    ok = hr_client.post(url, data={"photo": (io.BytesIO(png), "c.png")})
    assert ok.status_code == 302
    served = cadre_client.get(url)
    assert served.status_code == 200  # stored normalised: a JPEG of the same size
    assert served.headers["Content-Type"] == "image/jpeg"
    from PIL import Image

    with Image.open(io.BytesIO(served.data)) as stored:
        assert stored.format == "JPEG" and stored.size == (30, 40)
    assert manager_client.get(f"/cadres/{org['other_cadre']}/photo").status_code == 404
    assert f"/cadres/{own}/photo" in hr_client.get(f"/cadres/{own}").get_data(as_text=True)


def test_family_and_resume(app, hr_client, org):
    own = org["own_cadre"]
    added = hr_client.post(
        f"/cadres/{own}/family",
        data={
            "relation": "父亲",
            "name": "李大山",
            "birth_date": "1965.03",
            "political_status": "群众",
        },
    )
    assert added.status_code == 302
    bad = hr_client.post(
        f"/cadres/{own}/resume",
        data={"start": "2019.07", "end": "2018.01", "description": "某单位"},
    )
    assert bad.status_code == 400 and "截止年月不能早于起始年月" in bad.get_data(as_text=True)
    hr_client.post(
        f"/cadres/{own}/resume", data={"start": "2017.07", "end": "", "description": "预算处科员"}
    )
    page = hr_client.get(f"/cadres/{own}?tab=resume").get_data(as_text=True)
    assert "2017.07--" in page and "预算处科员" in page
    with app.app_context():
        member = db.session.scalar(sa.select(FamilyMember))
        entry = db.session.scalar(sa.select(ResumeEntry))
        member_id, entry_id = member.id, entry.id
    assert (
        hr_client.post(f"/cadres/{org['other_cadre']}/family/{member_id}/delete").status_code == 404
    )
    ticked = {"confirmed": "1"}
    assert (
        hr_client.post(f"/cadres/{own}/family/{member_id}/delete", data=ticked).status_code == 302
    )
    assert hr_client.post(f"/cadres/{own}/resume/{entry_id}/delete", data=ticked).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FamilyMember)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResumeEntry)) == 0


def test_resume_and_family_lines_are_corrected_and_deleted_only_when_confirmed(app, hr_client, org):
    """A résumé line or family member is corrected on its own page (the add form's checks,
    audited before/after); deleting one asks for a ticked confirmation, and without it
    nothing is deleted (400)."""
    from cadre_app.models import AuditEvent

    own = org["own_cadre"]
    hr_client.post(
        f"/cadres/{own}/resume", data={"start": "2017.07", "end": "", "description": "预算处科员"}
    )
    hr_client.post(
        f"/cadres/{own}/family",
        data={
            "relation": "父亲",
            "name": "李大山",
            "birth_date": "1965.03",
            "political_status": "群众",
        },
    )
    with app.app_context():
        entry_id = db.session.scalar(sa.select(ResumeEntry.id))
        member_id = db.session.scalar(sa.select(FamilyMember.id))
    page = hr_client.get(f"/cadres/{own}?tab=resume").get_data(as_text=True)
    assert f'href="/cadres/{own}/resume/{entry_id}/edit"' in page
    assert f"/resume/{entry_id}/delete" not in page  # no one-click deletion on the profile
    form = hr_client.get(f"/cadres/{own}/resume/{entry_id}/edit").get_data(as_text=True)
    assert 'value="2017.07"' in form and 'value="预算处科员"' in form
    assert 'name="confirmed" value="1"' in form
    bad = hr_client.post(
        f"/cadres/{own}/resume/{entry_id}/edit",
        data={"start": "2019.07", "end": "2018.01", "description": "预算处副科长"},
    )
    assert bad.status_code == 400 and "截止年月不能早于起始年月" in bad.get_data(as_text=True)
    saved = hr_client.post(
        f"/cadres/{own}/resume/{entry_id}/edit",
        data={"start": "2017.07", "end": "2020.06", "description": "预算处副科长"},
    )
    assert saved.status_code == 302
    changed = hr_client.post(
        f"/cadres/{own}/family/{member_id}/edit",
        data={
            "relation": "父亲",
            "name": "李大山",
            "birth_date": "1965.04",
            "political_status": "党员",
        },
    )
    assert changed.status_code == 400  # 政治面貌 checked as on add
    changed = hr_client.post(
        f"/cadres/{own}/family/{member_id}/edit",
        data={
            "relation": "父亲",
            "name": "李大山",
            "birth_date": "1965.04",
            "political_status": "群众",
        },
    )
    assert changed.status_code == 302
    with app.app_context():
        entry = db.session.get(ResumeEntry, entry_id)
        assert entry.description == "预算处副科长" and entry.end.strftime("%Y.%m") == "2020.06"
        assert db.session.get(FamilyMember, member_id).birth_date.strftime("%Y.%m") == "1965.04"
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "update").order_by(AuditEvent.id)
        ).all()
        kinds = [(e.object_type, e.object_id) for e in events]
        assert ("resume_entry", str(entry_id)) in kinds and (
            "family_member",
            str(member_id),
        ) in kinds
    for path in (f"resume/{entry_id}", f"family/{member_id}"):
        unticked = hr_client.post(f"/cadres/{own}/{path}/delete")
        assert unticked.status_code == 400 and "不能恢复" in unticked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ResumeEntry, entry_id) is not None
        assert db.session.get(FamilyMember, member_id) is not None
    ticked = hr_client.post(f"/cadres/{own}/resume/{entry_id}/delete", data={"confirmed": "1"})
    assert ticked.status_code == 302


def test_saving_again_after_a_conflict_keeps_the_other_persons_changes(app, login_as, org):
    own = org["own_cadre"]
    first, second = login_as("hr"), login_as("hr")
    form_a, form_b = _edit_form(first, own), _edit_form(second, own)
    form_a["phone"] = "13900000002"
    form_a["position_title"] = "甲的职务"
    assert first.post(f"/cadres/{own}/edit", data=form_a).status_code == 302
    form_b["position_title"] = "乙的职务"
    form_b["rewards"] = "乙填写的奖惩"
    conflict = second.post(f"/cadres/{own}/edit", data=form_b)
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert 'data-testid="both-changed"' in html and "现任职务" in html
    # The rebased form: A's phone (untouched by B) is now in it, B's own changes are kept.
    rebased = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    assert rebased["phone"] == "13900000002" and rebased["position_title"] == "乙的职务"
    assert "乙填写的奖惩" in html
    again = _edit_form_from_html(html)
    assert second.post(f"/cadres/{own}/edit", data=again).status_code == 302
    cadre = _cadre(app, "T0001")
    assert cadre.phone == "13900000002"  # not undone
    assert cadre.position_title == "乙的职务" and cadre.rewards == "乙填写的奖惩"
    assert cadre.id_number == OWN_ID  # the masked, empty ID field changed nothing


def _edit_form_from_html(html):
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body
        )
        fields[name] = (chosen.group(1) or chosen.group(2)) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[name] = body.strip()
    fields.pop("csrf_token", None)
    return fields


def test_edit_page_never_shows_the_full_id_number(hr_client, org):
    html = hr_client.get(f"/cadres/{org['own_cadre']}/edit").get_data(as_text=True)
    assert OWN_ID not in html and idcard.mask(OWN_ID) in html


def test_profile_tabs_link_to_the_profile_even_after_a_post(hr_client, cadre_client, org):
    own = org["own_cadre"]
    html = hr_client.post(f"/cadres/{own}/reveal-id").get_data(as_text=True)
    assert f'href="/cadres/{own}?tab=resume"' in html
    assert 'href="/me?tab=family"' in cadre_client.get("/me").get_data(as_text=True)


def test_pagination_has_no_link_before_the_first_page(app, hr_client, org):
    with app.app_context():
        CadreFactory.create_batch(55, name="批量", department_id=org["budget"])
        db.session.commit()
    html = hr_client.get("/cadres/").get_data(as_text=True)
    assert "page=0" not in html and "page=2" in html
    assert "显示第 1–50 人" in html
    assert "显示第 51–57 人" in hr_client.get("/cadres/?page=2").get_data(as_text=True)
    assert "page=3" not in hr_client.get("/cadres/?page=2").get_data(as_text=True)


def test_all_problems_of_a_form_are_shown_in_one_round(hr_client, org):
    data = form_for(org, birth_date="1993-02-30", phone="123")
    data["id_number"] = data["id_number"][:17] + ("0" if data["id_number"][17] != "0" else "1")
    html = hr_client.post("/cadres/new", data=data).get_data(as_text=True)
    assert "不存在" in html and "手机号应为" in html and "校验位错误" in html


def test_a_decompression_bomb_photo_is_refused_not_a_500(hr_client, org):
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)  # claims 400 megapixels
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
    bomb += chunk(b"IEND", b"")
    response = hr_client.post(
        f"/cadres/{org['own_cadre']}/photo", data={"photo": (io.BytesIO(bomb), "bomb.png")}
    )
    assert response.status_code == 400 and "JPEG 或 PNG" in response.get_data(as_text=True)


def test_the_ui_calls_a_unit_处室_in_both_the_list_and_the_section_page(hr_client, org):
    """Issue 10 item 17: one term (处室) where the pages mixed 部门 and 科室."""
    for url in ("/cadres/", "/cadres/departments"):
        html = hr_client.get(url).get_data(as_text=True)
        visible = re.sub(r"<[^>]+>", " ", html)
        assert "处室" in visible
        assert "部门" not in visible and "科室" not in visible, url
