"""``flask backup FILE`` / ``flask restore FILE`` (issue 16, point 12): the demo organisation
goes out and comes back with every table equal and the audit chain intact; a damaged file,
a backup of another schema version and a non-empty database are refused, writing nothing."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from cadre_app import create_app
from cadre_app.extensions import db
from cadre_app.models import Organisation
from cadre_app.services import demo
from cadre_app.services.core import audit, backup
from tests.conftest import _empty_tables, base_config

pytestmark = pytest.mark.committed


def _contents(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table as the database gives it back, in key order."""
    with app.app_context():
        out = {}
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                if table.name == "alembic_version":
                    continue
                order = list(table.primary_key.columns) or list(table.c)
                rows = connection.execute(sa.select(table).order_by(*order)).all()
                out[table.name] = [tuple(row) for row in rows]
        return out


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]


def _rewrite(path: Path, change: Any) -> None:
    """Rewrite the archive with ``change(members)`` applied (members: name -> bytes)."""
    members = _members(path)
    change(members)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _chain_ok(app: Flask) -> int:
    with app.app_context():
        problems = list(audit.verify())
        assert not problems, problems[:3]
        return db.session.scalar(sa.text("SELECT count(*) FROM audit_event"))


def test_the_demo_organisation_round_trips(app, runner, tmp_path):
    with app.app_context():
        demo.seed()
        db.session.commit()
    before = _contents(app)
    assert sum(map(len, before.values())) > 3000  # the demo really is there
    events = _chain_ok(app)
    assert events > 100

    path = tmp_path / "cadre.tar.gz"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads(_members(path)["manifest.json"])
    assert manifest["schema_revision"] == backup.code_revision(app)
    assert manifest["tables"] == {name: len(rows) for name, rows in before.items()}

    # Into a database that holds rows: refused, nothing written.
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "数据库不是空的" in result.output
    assert _contents(app) == before

    _empty_tables(app)
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert _contents(app) == before  # every table: the same rows, the same values
    assert _chain_ok(app) == events

    # New rows get fresh ids (PostgreSQL's sequences were moved past the restored ones).
    with app.app_context():
        db.session.add(Organisation(name="恢复后新建的单位"))
        db.session.commit()

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        _restores_into_sqlite(path, before)


def _restores_into_sqlite(path: Path, before: dict[str, list[tuple[Any, ...]]]) -> None:
    """A PostgreSQL backup restores into a fresh SQLite database, every table equal."""
    other = create_app(
        base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path.parent / 'other.sqlite'}")
    )
    with other.app_context():
        upgrade()
    result = other.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert _contents(other) == before
    _chain_ok(other)
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def small_backup(app, org, runner, tmp_path) -> Path:
    """A backup of the two-section organisation, the tables then emptied."""
    path = tmp_path / "small.tar.gz"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    _empty_tables(app)
    return path


def _restore_refused(app, runner, path: Path, message: str) -> None:
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not any(_contents(app).values())  # nothing written


def test_a_damaged_backup_is_refused(app, runner, small_backup):
    def flip(members: dict[str, bytes]) -> None:
        data = bytearray(members["tables/cadre.jsonl"])
        data[10] ^= 1
        members["tables/cadre.jsonl"] = bytes(data)

    _rewrite(small_backup, flip)
    _restore_refused(app, runner, small_backup, "tables/cadre.jsonl 的校验和不符")


def test_a_truncated_or_incomplete_backup_is_refused(app, runner, small_backup, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(small_backup.read_bytes()[:-200])
    _restore_refused(app, runner, cut, "备份文件损坏")
    _rewrite(small_backup, lambda members: members.pop("tables/department.jsonl"))
    _restore_refused(app, runner, small_backup, "缺少 ['tables/department.jsonl']")


def test_a_backup_of_another_schema_version_is_refused(app, runner, small_backup):
    def older(members: dict[str, bytes]) -> None:
        manifest = json.loads(members["manifest.json"])
        manifest["schema_revision"] = "0018_notifications"
        members["manifest.json"] = json.dumps(manifest).encode()

    _rewrite(small_backup, older)
    _restore_refused(app, runner, small_backup, "备份的结构版本是 0018_notifications")


def test_a_small_backup_restores_with_the_files_of_backup_file_dirs(app, runner, org, tmp_path):
    folder = Path(app.instance_path) / "backup-test-files"
    (folder / "sub").mkdir(parents=True, exist_ok=True)
    (folder / "sub" / "scan.pdf").write_bytes(b"%PDF-1.7 demo")
    app.config["BACKUP_FILE_DIRS"] = ("backup-test-files",)
    try:
        before = _contents(app)
        path = tmp_path / "files.tar.gz"
        assert runner.invoke(args=["backup", str(path)]).exit_code == 0
        assert "files/backup-test-files/sub/scan.pdf" in _members(path)
        (folder / "sub" / "scan.pdf").unlink()
        _empty_tables(app)
        result = runner.invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        assert (folder / "sub" / "scan.pdf").read_bytes() == b"%PDF-1.7 demo"
        assert _contents(app) == before
    finally:
        app.config["BACKUP_FILE_DIRS"] = ()
        for path in sorted(folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        folder.rmdir()


def test_a_backup_reads_one_snapshot_beside_an_open_write(app, runner, org, tmp_path):
    """A writer in the middle of its transaction neither blocks the backup nor shows in it:
    the backup holds what was committed when it began."""
    with app.app_context(), db.engine.connect() as writer:
        writer.begin()
        writer.execute(sa.insert(Organisation.__table__).values(name="尚未提交的单位"))
        path = tmp_path / "during.tar.gz"
        result = runner.invoke(args=["backup", str(path)])
        writer.rollback()
    assert result.exit_code == 0, result.output
    organisations = _members(path)["tables/organisation.jsonl"].decode()
    assert "测试财政局" in organisations and "尚未提交的单位" not in organisations
