"""flask users create, seed-demo, doctor."""

from __future__ import annotations

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre, Holiday, Role, User
from cadre_app.services.core import holiday_sync, queue
from cadre_app.services.demo import DEMO_PASSWORD
from tests.conftest import count_rows, login, office_today


def test_users_create_reads_password_from_stdin(app, runner, org):
    result = runner.invoke(
        args=["users", "create", "zhang", "--role", "hr", "--password-stdin"],
        input="Str0ng-Pass\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "zhang"))
        assert user.role is Role.HR and user.must_change_password
        assert user.password_hash.startswith("scrypt:")
    client = app.test_client()
    login(client, "zhang", "Str0ng-Pass")
    assert client.get("/").headers["Location"] == "/auth/password"


def test_users_create_links_a_cadre(app, runner, org):
    result = runner.invoke(
        args=["users", "create", "lxm", "--role", "cadre", "--cadre", "T0001", "--password-stdin"],
        input="Str0ng-Pass\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "lxm"))
        assert user.cadre.staff_no == "T0001"


def test_users_create_refuses_weak_password_unknown_cadre_and_duplicates(app, runner, org):
    weak = runner.invoke(
        args=["users", "create", "a", "--role", "hr", "--password-stdin"], input="password\n"
    )
    assert weak.exit_code != 0 and "至少三类" in weak.output
    unknown = runner.invoke(
        args=["users", "create", "b", "--role", "cadre", "--cadre", "NOPE", "--password-stdin"],
        input="Str0ng-Pass\n",
    )
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
    runner.invoke(
        args=["users", "create", "c", "--role", "hr", "--password-stdin"], input="Str0ng-Pass\n"
    )
    dup = runner.invoke(
        args=["users", "create", "c", "--role", "hr", "--password-stdin"], input="Str0ng-Pass\n"
    )
    assert dup.exit_code != 0 and "已存在" in dup.output
    bad_role = runner.invoke(
        args=["users", "create", "d", "--role", "root", "--password-stdin"], input="Str0ng-Pass\n"
    )
    assert bad_role.exit_code != 0
    assert count_rows(app, User) == 1


def test_seed_demo_is_idempotent_and_logins_work(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for name in ("admin", "hr", "manager", "cadre", "auditor"):
        assert name in first.output
    assert DEMO_PASSWORD in first.output
    cadres = count_rows(app, Cadre)
    assert 100 <= cadres <= 150
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "未作改动" in second.output
    assert count_rows(app, Cadre) == cadres and count_rows(app, User) == 5
    for name in ("admin", "hr", "manager", "cadre", "auditor"):
        client = app.test_client()
        assert login(client, name, DEMO_PASSWORD).status_code == 302, name
        assert client.get("/").status_code == 200
    cadre_client = app.test_client()
    login(cadre_client, "cadre", DEMO_PASSWORD)
    assert cadre_client.get("/me").status_code == 200
    manager_client = app.test_client()
    login(manager_client, "manager", DEMO_PASSWORD)
    assert "预算处" in manager_client.get("/").get_data(as_text=True)
    with app.app_context():  # the demo manager is 预算处's 处长, and every login has a name
        from cadre_app.models import SectionHead

        head = db.session.scalar(sa.select(SectionHead))
        assert (head.department.name, head.user.username) == ("预算处", "manager")
        assert all(u.real_name for u in db.session.scalars(sa.select(User)))


def test_seed_demo_refuses_a_database_with_real_accounts(app, runner, make_user):
    make_user("real", Role.HR)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "生产" in result.output
    assert count_rows(app, Cadre) == 0


def test_doctor_reports_each_check(runner):
    result = runner.invoke(args=["doctor"])
    for label in ("数据库", "数据库迁移", "中文字体", "HarfBuzz", "时区", "SECRET_KEY", "任务队列"):
        assert label in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert all(line.startswith(("OK", "WARN", "FAIL")) for line in lines)
    # Empty tables: no holiday calendar for this year or next, a warning and its fix.
    assert f"WARN 节假日日历 {office_today().year}: 尚无节假日与调休" in result.output
    # The test key is set and the database is migrated.
    assert "OK   数据库迁移" in result.output and "OK   SECRET_KEY" in result.output
    assert f"OK   时区: Asia/Shanghai，今天是 {office_today():%Y-%m-%d}" in result.output
    assert "OK   任务队列: SQLite " in result.output


def test_doctor_tells_whether_a_worker_is_running(app, runner, queue_worker):
    """A consumer reports itself at start (and every minute) in the queue's storage."""
    result = runner.invoke(args=["doctor"])
    assert "OK   后台任务进程: 运行中" in result.output
    queue_worker.stop(graceful=True)  # its periodic heartbeat would write the time again
    queue.huey.storage.delete_data(queue._BEAT_KEY)
    result = runner.invoke(args=["doctor"])
    assert "WARN 后台任务进程: 未检测到" in result.output and "flask worker" in result.output
    assert result.exit_code == 0  # a warning, not a failure: the worker may start later


def test_seed_demo_if_empty_leaves_a_real_database_alone(app, runner, make_user):
    make_user("real", Role.HR)
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "未写入演示数据" in result.output
    assert count_rows(app, Cadre) == 0


def test_demo_cadres_pass_every_roster_rule(app, runner):

    from cadre_app.services.roster import operations as roster

    seeded = runner.invoke(args=["seed-demo"])
    assert seeded.exit_code == 0
    this_year = office_today().year
    if this_year in holiday_sync.known_years():  # the demo syncs the calendar it can
        assert f"已同步 {this_year}" in seeded.output
        assert count_rows(app, Holiday) > 0
    with app.app_context():
        cadres = db.session.scalars(sa.select(Cadre)).all()
        assert len({c.department_id for c in cadres}) == 8
        for cadre in cadres:
            values = roster.snapshot(cadre)
            assert roster.validate(values, today=office_today()) == [], (cadre.staff_no, values)
            assert cadre.id_number and cadre.resume and cadre.family
        assert (
            roster.uniqueness_problems({"id_number": cadres[0].id_number}, cadre_id=cadres[0].id)
            == []
        )


def test_doctor_refuses_an_unknown_time_zone(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", "Asia/Beijing")  # no such zone
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "FAIL 时区: BABEL_DEFAULT_TIMEZONE 无效" in result.output


def test_cli_imports_refuse_a_file_that_is_no_workbook(app, runner, org, tmp_path):
    """Both imports end alike on a whole-file error: the reason, exit 1, nothing written."""
    path = tmp_path / "名册.xlsx"
    path.write_bytes(b"not a workbook")
    for args in (["roster", "import", str(path)], ["evaluations", "import", str(path)]):
        args += ["--year", "2025"] if args[0] == "evaluations" else []
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert "error: 这不是 Excel 工作簿（.xlsx）文件。" in result.output
    assert count_rows(app, Cadre) == 2  # conftest's two
