"""The manager's dashboard lists the open talks they conduct (issue 15, point 3): nearest
deadline first, overdue in red; closed talks and talks about themselves are not listed."""

from __future__ import annotations

from datetime import timedelta

from cadre_app.extensions import db
from cadre_app.models import Role, TalkState
from tests.conftest import PASSWORD, login, office_today
from tests.factories import CadreFactory, TalkFactory


def test_the_manager_sees_the_open_talks_they_conduct(app, org, make_user, client):
    today = office_today()
    with app.app_context():
        subject = CadreFactory(staff_no="T0100", name="赵云", department_id=org["budget"])
        other = CadreFactory(staff_no="T0101", name="钱多", department_id=org["budget"])
        head = org["other_cadre"]  # 王芳 conducts
        TalkFactory(
            subject=subject,
            conductor_id=head,
            state=TalkState.APPROVED,
            due_date=today - timedelta(days=3),
        )
        TalkFactory(
            subject=other,
            conductor_id=head,
            state=TalkState.APPROVED,
            due_date=today + timedelta(days=5),
        )
        TalkFactory(subject=other, conductor_id=head, state=TalkState.CLOSED)
        TalkFactory(subject_id=head, conductor_id=head, state=TalkState.APPROVED)  # about them
        db.session.commit()
    make_user("head1", Role.MANAGER, cadre_id=org["other_cadre"], section_ids=(org["budget"],))
    make_user("head2", Role.MANAGER, section_ids=(org["budget"],))  # no cadre linked
    assert login(client, "head1", PASSWORD).status_code == 302
    html = client.get("/").get_data(as_text=True)
    panel = html.split('data-testid="talks-conducted-panel"')[1].split("</div>\n</div>")[0]
    assert "2 次谈话尚未办结" in panel
    assert panel.index("赵云") < panel.index("钱多")  # the overdue one first
    assert 'data-overdue="3"' in panel and "逾期 3 天" in panel
    assert "王芳" not in panel
    client.post("/auth/logout")
    assert login(client, "head2", PASSWORD).status_code == 302
    assert 'data-testid="talks-conducted-panel"' not in client.get("/").get_data(as_text=True)
