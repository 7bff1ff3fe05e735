"""Anonymity that survives a database dump (issue 13, point 5; DOMAIN.md). After a few
ballots cast through the page, every column of every row of every table, the audit log and
everything the app logged are searched: no used code (in any spelling), no hash of a used
code, and no ballot id outside the ballot tables themselves. The ballot rows hold exactly
id, box, group and day; the ids are random; on SQLite the ballot tables are WITHOUT ROWID, so
their rows are stored in id order, not in the order of casting. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re
from io import BytesIO, StringIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from cadre_app.clock import today
from cadre_app.extensions import db
from cadre_app.models import Ballot, BallotCode, BallotEntry
from cadre_app.services.ballots import codes
from tests.ballot_support import ballot_form, make_assessment

BALLOT_TABLES = {"ballot", "ballot_entry"}
#: SQLite: the ballot table's rows as stored (a scan of the table itself, not of a covering
#: index: cast_on is in none).
SCAN = "SELECT id, cast_on FROM ballot NOT INDEXED"


@pytest.fixture
def captured_log():
    """Everything logged while the test runs, at any level, by any logger."""
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    app_logger = logging.getLogger("cadre_app")
    app_level = app_logger.level
    app_logger.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    app_logger.setLevel(app_level)


def _dump() -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, value as text)] for every column of every row."""
    dump: dict[str, list[tuple[str, str]]] = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table)).mappings().all()
        dump[table.name] = [(column, str(value)) for row in rows for column, value in row.items()]
    return dump


def test_nothing_left_ties_a_code_to_a_ballot(app, hr_client, captured_log):
    with app.test_request_context():
        assessment = make_assessment(n_positive=3, n_negative=2)
        db.session.commit()
        group_id = next(g.id for g in assessment.box.groups if g.name == "同事")
        forms = [
            ballot_form(assessment, rating=1),
            ballot_form(assessment, rating=2, ticked=(0,)),
            ballot_form(assessment, rating=3, ticked=(0, 1), overall=3),
        ]
        assessment_id = assessment.id
    # HR prints the slips through the page (as in the office), raters cast three ballots
    pdf = hr_client.post(
        f"/assessments/{assessment_id}/codes/{group_id}/issue", data={"count": "4"}
    )
    assert pdf.status_code == 200
    with app.test_request_context():
        hashes = set(db.session.scalars(sa.select(BallotCode.code_hash)))
    # the codes come back from the slips' text, as a rater reads them
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    printed = [c.replace("-", "") for c in re.findall(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", text)]
    assert len(set(printed)) == 4
    used, unused = printed[:3], printed[3]
    rater = app.test_client()
    for code, form in zip(used, forms, strict=True):
        assert rater.get(f"/ballot/{code}").status_code == 200
        assert rater.post(f"/ballot/{code}", data=form).status_code == 303
    rater.get(f"/ballot/{used[0]}")  # a used code tried again: refused, logged as any request

    with app.test_request_context():
        used_hashes = {codes.hash_code(c) for c in used}
        assert used_hashes <= hashes  # they were the issued ones
        ballot_ids = set(db.session.scalars(sa.select(Ballot.id)))
        assert len(ballot_ids) == 3
        dump = _dump()
        remaining = set(db.session.scalars(sa.select(BallotCode.code_hash)))
        assert remaining == {codes.hash_code(unused)}  # used codes are gone

        spellings = {s for c in used for s in (c, codes.display(c), c.lower())}
        everything = "\n".join(f"{t}.{c}={v}" for t, cells in dump.items() for c, v in cells)
        log = captured_log.getvalue()
        for secret in spellings | used_hashes:
            assert secret not in everything, f"{secret} in the database"
            assert secret not in log, f"{secret} in the log"
        for ballot_id in ballot_ids:
            assert ballot_id not in log
            holders = {(t, c) for t, cells in dump.items() for c, v in cells if ballot_id in v}
            assert holders == {("ballot", "id"), ("ballot_entry", "ballot_id")}, holders

        # ballot rows: box, group, day; nothing else
        columns = {t: [c.name for c in db.metadata.tables[t].columns] for t in BALLOT_TABLES}
        assert columns == {
            "ballot": ["id", "box_id", "group_id", "cast_on"],
            "ballot_entry": ["ballot_id", "subject", "answers"],
        }
        inspector = sa.inspect(db.engine)
        assert [c["name"] for c in inspector.get_columns("ballot")] == columns["ballot"]
        assert [c["name"] for c in inspector.get_columns("ballot_entry")] == columns["ballot_entry"]
        rows = db.session.execute(sa.select(Ballot.id, Ballot.group_id, Ballot.cast_on)).all()
        assert {r.cast_on for r in rows} == {today()}
        assert {r.group_id for r in rows} == {group_id}
        assert all(re.fullmatch(r"[0-9a-f]{32}", r.id) for r in rows)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotEntry)) == 6

        # the audit log: issuing is recorded with counts, casting not at all
        audit = [(t, c, v) for t, cells in dump.items() if t == "audit_event" for c, v in cells]
        actions = [v for _t, c, v in audit if c == "action"]
        assert "issue_codes" in actions and not any("cast" in a for a in actions)

        if db.engine.dialect.name == "sqlite":
            for table in ("ballot", "ballot_entry", "ballot_code"):
                sql = db.session.scalar(
                    sa.text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
                )
                assert "WITHOUT ROWID" in sql, table
            physical = [r[0] for r in db.session.execute(sa.text(SCAN))]
            assert physical == sorted(physical)  # stored by random id, not by time of casting
        else:
            kinds = {c["name"]: str(c["type"]) for c in inspector.get_columns("ballot")}
            assert kinds["cast_on"] == "DATE"


@pytest.mark.committed
def test_closing_rekeys_the_ballots_so_system_columns_and_order_tell_nothing(app):
    """While voting goes on, PostgreSQL's ``xmin`` of each ballot row names its own
    transaction and rows lie in the order they came (README: the residual). Closing writes
    every ballot again under a new random id in one transaction, in the order of the new ids;
    ``scrub_storage`` then rewrites the tables without the dead rows."""
    from cadre_app.services.ballots import operations

    with app.test_request_context():
        assessment = make_assessment(n_positive=2, n_negative=1, subjects=2)
        plain = [operations.issue_codes(g, 2, actor="hr") for g in assessment.box.groups[:2]]
        db.session.commit()
        box_id = assessment.box_id
        for n, code in enumerate(c for codes_ in plain for c in codes_):
            subjects = [s.id for s in assessment.subjects]
            operations.cast(
                code, {s: f"{n % 4 + 1}{n % 4 + 1}|{n % 2}|{n % 4 + 1}" for s in subjects}
            )
            db.session.commit()
        postgres = db.engine.dialect.name == "postgresql"
        read = sa.select(Ballot.id, Ballot.group_id, Ballot.cast_on).where(Ballot.box_id == box_id)
        before = db.session.execute(read).all()
        answers = lambda: sorted(  # noqa: E731
            db.session.execute(
                sa.select(Ballot.group_id, BallotEntry.subject, BallotEntry.answers).join(
                    Ballot, Ballot.id == BallotEntry.ballot_id
                )
            ).all()
        )
        kept = answers()
        if postgres:
            xmins = set(db.session.scalars(sa.text("SELECT xmin::text FROM ballot")))
            assert len(xmins) == 4  # one transaction per ballot while voting
        operations.close_box(assessment.box)
        db.session.commit()
        operations.scrub_storage()
        after = db.session.execute(read).all()
        assert len(after) == 4 and not {r.id for r in before} & {r.id for r in after}
        assert sorted((r.group_id, r.cast_on) for r in before) == sorted(
            (r.group_id, r.cast_on) for r in after
        )
        assert answers() == kept  # the tally reads the same
        if postgres:
            assert len(set(db.session.scalars(sa.text("SELECT xmin::text FROM ballot")))) == 1
            physical = db.session.scalars(sa.text("SELECT id FROM ballot ORDER BY ctid")).all()
        else:
            physical = [r[0] for r in db.session.execute(sa.text(SCAN))]
        assert physical == sorted(physical)


@pytest.mark.committed
def test_scrubbing_gives_up_rather_than_wait_on_a_lock(app):
    with app.app_context():
        from cadre_app.services.ballots import operations

        if db.engine.dialect.name != "postgresql":
            assert operations.scrub_storage() is True  # nothing to do on SQLite
            return
        with db.engine.connect() as holder:
            holder.exec_driver_sql("LOCK TABLE ballot IN ACCESS SHARE MODE")
            assert operations.scrub_storage(lock_timeout_ms=200) is False
            holder.rollback()
        assert operations.scrub_storage() is True
