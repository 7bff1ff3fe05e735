"""身份证号 and 手机号 encrypted at rest (issue 16, point 11): the database holds ciphertext, the
app reads plain text, a lookup by 身份证号 goes through the blind index, keys rotate, a wrong
key fails loudly, and migration 0024 encrypts and decrypts existing rows."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from cadre_app import create_app, normalise_database_url
from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, ImportUpload
from cadre_app.models.roster import ID_NUMBER_CONTEXT
from cadre_app.services.core import crypto, idcard
from cadre_app.services.roster import operations as roster
from tests.conftest import TEST_BLIND_INDEX_KEY, TEST_DATA_KEYS, base_config, database_url
from tests.factories import CadreFactory

NUMBER = idcard.make("110105", date(1991, 5, 17), 31)
PHONE = "13912345678"
NEW_KEY = base64.b64encode(b"n" * 32).decode()
OTHER_KEY = base64.b64encode(b"o" * 32).decode()


def _stored(cadre_id: int) -> sa.Row:
    """The row as the database holds it, read around the model."""
    return db.session.execute(
        sa.text("SELECT id_number, phone, id_number_index FROM cadre WHERE id = :id"),
        {"id": cadre_id},
    ).one()


@pytest.fixture
def cadre(app_ctx: None) -> Cadre:
    made = CadreFactory(id_number=NUMBER, phone=PHONE, birth_date=date(1991, 5, 17))
    db.session.flush()
    return made


def test_the_database_holds_ciphertext_and_the_app_reads_plain_text(cadre: Cadre):
    stored = _stored(cadre.id)
    assert stored.id_number.startswith("t1:") and stored.phone.startswith("t1:")
    for raw in stored:
        assert NUMBER not in raw and PHONE not in raw and NUMBER[-8:] not in raw
    assert stored.id_number_index and NUMBER not in stored.id_number_index
    other = CadreFactory(phone=PHONE)
    db.session.flush()
    assert _stored(other.id).phone != stored.phone  # a fresh nonce each time

    db.session.expire_all()
    again = db.session.get(Cadre, cadre.id)
    assert (again.id_number, again.phone) == (NUMBER, PHONE)
    assert db.session.scalar(sa.select(Cadre.phone).where(Cadre.id == cadre.id)) == PHONE


def test_a_lookup_by_id_number_goes_through_the_blind_index(cadre: Cadre):
    lowered = NUMBER[:-1] + NUMBER[-1].lower()
    assert db.session.scalar(sa.select(Cadre).where(Cadre.id_number_is(lowered))) is cadre
    assert db.session.scalars(sa.select(Cadre.id).where(Cadre.id_number_in([NUMBER]))).all() == [
        cadre.id
    ]
    with pytest.raises(TypeError, match="盲索引"):
        sa.select(Cadre).where(Cadre.id_number == NUMBER)
    with pytest.raises(TypeError):
        sa.select(Cadre).where(Cadre.phone.in_([PHONE]))
    assert db.session.scalar(sa.select(sa.func.count()).where(Cadre.phone.is_not(None))) >= 1


def test_a_duplicate_id_number_is_refused_by_the_rule_and_by_the_database(cadre: Cadre):
    problems = roster.uniqueness_problems({"id_number": NUMBER}, cadre_id=None)
    assert [p.message for p in problems] == [
        f"身份证号已被 {cadre.name}（工号 {cadre.staff_no}）使用。"
    ]
    assert roster.uniqueness_problems({"id_number": NUMBER}, cadre_id=cadre.id) == []
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        CadreFactory(id_number=NUMBER, birth_date=date(1991, 5, 17))
        db.session.flush()


def test_every_way_of_writing_a_cadre_fills_its_blind_index(app_ctx: None):
    """ORM objects, Core ``insert(Cadre)`` with dicts (imports, bench) and ORM updates: every
    row with a 身份证号 carries the index of that number."""
    made = CadreFactory()
    db.session.flush()
    numbers = [idcard.make("310101", date(1985, 1, 2), 40 + i) for i in range(3)]
    db.session.execute(
        sa.insert(Cadre),
        [
            {
                "staff_no": f"CORE{i}",
                "name": f"批量{i}",
                "gender": "女",
                "birth_date": date(1985, 1, 2),
                "department_id": made.department_id,
                "id_number": number,
                "phone": PHONE,
                "created_at": datetime(2026, 1, 1),
                "updated_at": datetime(2026, 1, 1),
            }
            for i, number in enumerate(numbers)
        ]
        + [
            {
                "staff_no": "CORE-none",
                "name": "无证号",
                "gender": "女",
                "birth_date": date(1985, 1, 2),
                "department_id": made.department_id,
                "created_at": datetime(2026, 1, 1),
                "updated_at": datetime(2026, 1, 1),
            }
        ],
    )
    made.id_number = numbers[0][:-4] + "9999"
    made.id_number = idcard.make("320102", made.birth_date, 77)
    db.session.flush()

    rows = db.session.execute(sa.select(Cadre.id_number, Cadre.id_number_index)).all()
    assert len(rows) == 5
    for number, index in rows:
        expected = (
            crypto.blind_index(idcard.normalise(number), ID_NUMBER_CONTEXT) if number else None
        )
        assert index == expected, number
    assert db.session.scalar(sa.select(Cadre.name).where(Cadre.id_number_is(numbers[2]))) == "批量2"


def test_rotation_re_encrypts_with_the_newest_key_and_the_old_one_can_go(
    app: Flask, runner, cadre: Cadre, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(app.config, "DATA_ENCRYPTION_KEYS", {**TEST_DATA_KEYS, "t2": NEW_KEY})
    CadreFactory(phone="13800000000")  # written after the new key came: already t2
    db.session.commit()
    updated_at = cadre.updated_at

    result = runner.invoke(args=["crypto", "rotate"])
    assert result.exit_code == 0, result.output
    assert "cadre.id_number: re-encrypted" in result.output
    assert "cadre.phone: re-encrypted" in result.output
    assert "unchanged 1" in result.output  # the phone written with t2
    stored = _stored(cadre.id)
    assert stored.id_number.startswith("t2:") and stored.phone.startswith("t2:")
    db.session.expire_all()
    assert db.session.get(Cadre, cadre.id).updated_at == updated_at  # not an edit of the record
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert "密钥轮换" in event.summary and event.actor_name.startswith("cli:")

    again = runner.invoke(args=["crypto", "rotate"])
    assert again.exit_code == 0 and "re-encrypted 0" in again.output
    assert _stored(cadre.id) == stored  # idempotent: nothing rewritten

    monkeypatch.setitem(app.config, "DATA_ENCRYPTION_KEYS", {"t2": NEW_KEY})  # t1 retired
    db.session.expire_all()
    assert (db.session.get(Cadre, cadre.id).id_number, db.session.get(Cadre, cadre.id).phone) == (
        NUMBER,
        PHONE,
    )


def test_a_wrong_or_missing_key_fails_loudly_never_garbage(
    app: Flask, cadre: Cadre, monkeypatch: pytest.MonkeyPatch
):
    cadre_id = cadre.id
    db.session.commit()
    monkeypatch.setitem(app.config, "DATA_ENCRYPTION_KEYS", {"t1": OTHER_KEY})
    db.session.expire_all()
    with pytest.raises(crypto.DecryptionError, match="无法用密钥 't1' 解密"):
        db.session.get(Cadre, cadre_id).id_number  # noqa: B018
    db.session.rollback()
    monkeypatch.setitem(app.config, "DATA_ENCRYPTION_KEYS", {"t9": OTHER_KEY})
    with pytest.raises(crypto.DecryptionError, match="没有该密钥"):
        db.session.scalar(sa.select(Cadre.phone).where(Cadre.id == cadre_id))
    db.session.rollback()
    tampered = _stored(cadre_id).phone[:-2] + (
        "AA" if _stored(cadre_id).phone[-2:] != "AA" else "BB"
    )
    monkeypatch.setitem(app.config, "DATA_ENCRYPTION_KEYS", dict(TEST_DATA_KEYS))
    with pytest.raises(crypto.DecryptionError, match="篡改"):
        crypto.decrypt(tampered, "cadre.phone")
    with pytest.raises(crypto.DecryptionError):  # copied into another column: refused too
        crypto.decrypt(_stored(cadre_id).phone, "cadre.id_number")


def test_reindex_follows_a_new_blind_index_key(
    app: Flask, runner, cadre: Cadre, monkeypatch: pytest.MonkeyPatch
):
    db.session.commit()
    monkeypatch.setitem(app.config, "BLIND_INDEX_KEY", OTHER_KEY)
    assert db.session.scalar(sa.select(Cadre.id).where(Cadre.id_number_is(NUMBER))) is None
    result = runner.invoke(args=["crypto", "reindex"])
    assert result.exit_code == 0, result.output
    assert "cadre.id_number_index: reindexed" in result.output
    assert db.session.scalar(sa.select(Cadre.id).where(Cadre.id_number_is(NUMBER))) == cadre.id
    assert "reindexed 0" in runner.invoke(args=["crypto", "reindex"]).output


def test_production_refuses_to_start_without_keys_and_any_malformed_key():
    for missing in ("DATA_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        with pytest.raises(crypto.CryptoConfigError, match=missing):
            create_app(base_config(TESTING=False, **{missing: None}))
    with pytest.raises(crypto.CryptoConfigError, match="32 字节"):
        create_app(base_config(DATA_ENCRYPTION_KEYS={"k1": "short"}))
    with pytest.raises(crypto.CryptoConfigError, match="不能与"):
        create_app(base_config(BLIND_INDEX_KEY=TEST_DATA_KEYS["t1"]))
    hexed = create_app(
        base_config(
            TESTING=False,
            DATA_ENCRYPTION_KEYS="a:" + "ab" * 32 + ",b:" + NEW_KEY,
            BLIND_INDEX_KEY=TEST_BLIND_INDEX_KEY,
        )
    )
    with hexed.app_context():
        assert crypto.current_keys().newest == "b"


def test_doctor_reports_the_keys(app: Flask, runner, cadre: Cadre, monkeypatch):
    db.session.commit()
    output = runner.invoke(args=["doctor"]).output
    assert "OK   数据加密密钥: 密钥环 t1（加密用 t1）" in output
    monkeypatch.setitem(app.config, "DATA_ENCRYPTION_KEYS", {"t2": NEW_KEY})
    output = runner.invoke(args=["doctor"]).output
    assert "FAIL 数据加密密钥" in output and "没有该密钥" in output


@contextmanager
def _scratch_database(tmp_path: Path) -> Iterator[str]:
    """A new empty database beside the tests' own: a SQLite file, or on the PostgreSQL server
    of DATABASE_URL a database of its own, dropped afterwards."""
    url = database_url()
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    server = sa.make_url(normalise_database_url(url))
    name = f"{server.database}_m0024"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_migration_0024_encrypts_existing_rows_and_its_downgrade_decrypts(tmp_path: Path):
    with _scratch_database(tmp_path) as url:
        _migration_round_trip(url)


def _migration_round_trip(url: str) -> None:
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade(revision="0019_structure")
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO organisation (id, name) VALUES (1, '局')"))
            connection.execute(
                sa.text(
                    "INSERT INTO department (id, organisation_id, name, sort_order) "
                    "VALUES (1, 1, '处', 0)"
                )
            )
            for i, (number, phone) in enumerate(
                [(NUMBER, PHONE), (None, "13700000000"), (NUMBER[:-1] + "X", None)], start=1
            ):
                connection.execute(
                    sa.text(
                        "INSERT INTO cadre (id, staff_no, name, gender, birth_date, department_id,"
                        " id_number, phone, created_at, updated_at) VALUES (:i, :no, '某', '男',"
                        " '1991-05-17', 1, :number, :phone, '2026-01-01', '2026-01-01')"
                    ),
                    {"i": i, "no": f"M{i}", "number": number, "phone": phone},
                )

            connection.execute(
                sa.text(
                    'INSERT INTO "user" (id, username, password_hash, role, created_at)'
                    " VALUES (1, 'hr', 'x', 'hr', '2026-01-01')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO import_upload (id, token, kind, user_id, filename, content,"
                    " created_at) VALUES (1, :token, 'roster', 1, 'a.xlsx', :content,"
                    " '2026-01-01')"
                ),
                {"token": "u" * 43, "content": b"PK " + NUMBER.encode()},
            )

        upgrade()
        raw = db.session.execute(sa.text("SELECT content FROM import_upload")).scalar_one()
        assert bytes(raw).startswith(b"t1:") and NUMBER.encode() not in bytes(raw)
        assert db.session.get(ImportUpload, 1).content == b"PK " + NUMBER.encode()
        assert _stored(1).id_number.startswith("t1:") and PHONE not in _stored(1).phone
        assert _stored(2).id_number is None and _stored(2).id_number_index is None
        assert db.session.get(Cadre, 1).phone == PHONE
        assert db.session.get(Cadre, 3).id_number == NUMBER[:-1] + "X"
        assert db.session.scalar(sa.select(Cadre.id).where(Cadre.id_number_is(NUMBER))) == 1
        assert (
            db.session.scalar(sa.select(Cadre.id).where(Cadre.id_number_is(NUMBER[:-1] + "x"))) == 3
        )
        db.session.remove()

        downgrade(revision="0019_structure")
        rows = db.session.execute(
            sa.text("SELECT id, id_number, phone FROM cadre ORDER BY id")
        ).all()
        assert [tuple(r) for r in rows] == [
            (1, NUMBER, PHONE),
            (2, None, "13700000000"),
            (3, NUMBER[:-1] + "X", None),
        ]
        raw = db.session.execute(sa.text("SELECT content FROM import_upload")).scalar_one()
        assert bytes(raw) == b"PK " + NUMBER.encode()
        db.session.remove()
        upgrade()  # and up again: the round trip is repeatable
        assert db.session.get(Cadre, 2).phone == "13700000000"
        db.session.remove()
        db.engine.dispose()


def test_a_row_written_around_the_model_is_caught_by_doctor_and_repaired_by_reindex(
    runner, cadre: Cadre
):
    db.session.execute(
        sa.text("UPDATE cadre SET id_number_index = NULL WHERE id = :id"), {"id": cadre.id}
    )
    db.session.commit()
    output = runner.invoke(args=["doctor"]).output
    assert "FAIL 数据加密密钥: cadre.id_number 有 1 个值没有盲索引" in output
    result = runner.invoke(args=["crypto", "reindex"])
    assert "cadre.id_number_index: reindexed 1" in result.output
    assert db.session.scalar(sa.select(Cadre.id).where(Cadre.id_number_is(NUMBER))) == cadre.id
    assert "OK   数据加密密钥" in runner.invoke(args=["doctor"]).output


def test_the_audit_log_keeps_no_plain_phone_or_id_number(app_ctx: None, org: dict[str, int]):
    """What the roster keeps encrypted must not sit in plain text in the log's snapshots."""
    cadre = roster.create_cadre(
        {
            "name": "赵明远",
            "gender": "男",
            "birth_date": date(1991, 5, 17),
            "id_number": NUMBER,
            "phone": PHONE,
            "department_id": org["budget"],
            "rank": "一级科员",
        },
        actor="hr",
        today=date(2026, 12, 1),
    )
    roster.update_cadre(
        cadre,
        {"phone": "13698765432"},
        expected_version=cadre.version,
        actor="hr",
        today=date(2026, 12, 1),
    )
    logged = " ".join(
        str(row)
        for row in db.session.execute(sa.text("SELECT before, after FROM audit_event")).all()
    )
    assert "139****5678" in logged and "136****5432" in logged
    for plain in (PHONE, "13698765432", NUMBER):
        assert plain not in logged


def test_an_uploaded_workbook_is_kept_encrypted_and_rotates_too(
    app: Flask, runner, users, app_ctx: None, monkeypatch: pytest.MonkeyPatch
):
    workbook = b"PK\x03\x04 roster " + NUMBER.encode() + b" " + PHONE.encode()
    upload = ImportUpload(
        token="t" * 43,
        kind="roster",
        user_id=users["hr"].id,
        filename="名册.xlsx",
        content=workbook,
    )
    db.session.add(upload)
    db.session.commit()
    raw = db.session.execute(
        sa.text("SELECT content FROM import_upload WHERE id = :id"), {"id": upload.id}
    ).scalar_one()
    assert bytes(raw).startswith(b"t1:") and NUMBER.encode() not in bytes(raw)
    db.session.expire_all()
    assert db.session.get(ImportUpload, upload.id).content == workbook

    monkeypatch.setitem(app.config, "DATA_ENCRYPTION_KEYS", {**TEST_DATA_KEYS, "t2": NEW_KEY})
    result = runner.invoke(args=["crypto", "rotate"])
    assert "import_upload.content: re-encrypted 1" in result.output, result.output
    monkeypatch.setitem(app.config, "DATA_ENCRYPTION_KEYS", {"t2": NEW_KEY})
    db.session.expire_all()
    assert db.session.get(ImportUpload, upload.id).content == workbook
