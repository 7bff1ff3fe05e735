"""Backup and restore of the whole installation: ``flask backup FILE`` / ``flask restore FILE``.

A backup is one ``.tar.gz`` holding

- ``manifest.json``: format, the schema version (Alembic revision), the database engine it
  came from, the time, and every other member with its size and SHA-256;
- ``tables/<table>.jsonl``: every row of every table, one JSON object a line, read in one
  snapshot (PostgreSQL: one REPEATABLE READ, read-only transaction; SQLite: a
  copy taken with SQLite's backup API, in one step under one read lock);
- ``files/<dir>/...``: the files of the directories named in ``BACKUP_FILE_DIRS`` (relative
  to the instance folder). Today every upload (import workbooks, photos, course files) and
  every job result (export chunks, ``.lrmx`` imports) lives in the database, so the default
  is none; the setting is the place for any that come to live on disk.

Values are stored as the database stores them, below any ``TypeDecorator`` (an encrypted
column is carried as its ciphertext, so restoring needs the same keys), in a form both
engines read: a backup taken on SQLite restores into PostgreSQL and the other way round.

Restore refuses a damaged archive (a member missing, added or not matching its checksum),
a backup of another schema version than the database's, and a database that holds any row;
it writes everything in one transaction (so a failure leaves the database empty) and sets
PostgreSQL's sequences past the restored ids.

Not in a backup: the queue's own file (``queue.sqlite``: transient work), and the secrets
(``instance/config.py``: SECRET_KEY and any keys), which must be kept apart from the data.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import hashlib
import io
import json
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import sqlalchemy as sa
from flask import Flask

from cadre_app.extensions import db

FORMAT = "cadre-backup/1"
MANIFEST = "manifest.json"
#: Rows per INSERT batch on restore.
BATCH = 500
#: Tables that are not the application's data.
SKIPPED_TABLES = frozenset({"alembic_version"})


class BackupError(Exception):
    """A backup that cannot be taken or restored; the message says why, in Chinese."""


@dataclass(frozen=True)
class BackupSummary:
    revision: str
    tables: dict[str, int]
    files: int


# --- values ----------------------------------------------------------------------------------


def _storage_type(type_: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    """The type the database stores: below every TypeDecorator (an encrypted column's
    ciphertext, not its plaintext)."""
    while isinstance(type_, sa.types.TypeDecorator):
        type_ = type_.impl_instance
    return type_


def _raw_table(table: sa.Table) -> sa.Table:
    """A copy of ``table`` with its stored types and no constraints: what backup reads and
    restore writes, so that no TypeDecorator transforms a value on the way."""
    return sa.Table(
        table.name,
        sa.MetaData(),
        *(sa.Column(c.name, _storage_type(c.type), primary_key=c.primary_key) for c in table.c),
    )


def _encoder(type_: sa.types.TypeEngine[Any]) -> Any:
    """How a column's values are written: numbers in one form whichever engine they came
    from (SQLite hands back 79 where PostgreSQL hands back 79.0 or Decimal('79.0'))."""
    if isinstance(type_, sa.Numeric):
        if not type_.asdecimal:
            return lambda v: None if v is None else float(v)
        if type_.scale is not None:
            step = decimal.Decimal(1).scaleb(-type_.scale)
            return lambda v: None if v is None else str(decimal.Decimal(v).quantize(step))
    return _encode


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _decoder(type_: sa.types.TypeEngine[Any]) -> Any:
    """A function turning the JSON form of a column's value back into what the column binds."""
    if isinstance(type_, sa.Enum) and type_.enum_class is not None:
        members = type_.enum_class
        return lambda v: members[v]
    if isinstance(type_, sa.LargeBinary):
        return base64.b64decode
    if isinstance(type_, sa.DateTime):
        return dt.datetime.fromisoformat
    if isinstance(type_, sa.Date):
        return dt.date.fromisoformat
    if isinstance(type_, sa.Time):
        return dt.time.fromisoformat
    if isinstance(type_, sa.Numeric) and type_.asdecimal:
        return decimal.Decimal
    return None


def _decode_row(row: dict[str, Any], decoders: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in row.items():
        decode = decoders.get(name)
        out[name] = decode(value) if decode is not None and value is not None else value
    return out


# --- schema version ---------------------------------------------------------------------------


def code_revision(app: Flask) -> str:
    """The newest migration this code knows."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", app.extensions["migrate"].directory)
    return ",".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def database_revision(connection: sa.Connection) -> str:
    from alembic.runtime.migration import MigrationContext

    return ",".join(sorted(MigrationContext.configure(connection).get_current_heads()))


# --- backup -----------------------------------------------------------------------------------


def _tables() -> list[sa.Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


@contextmanager
def _snapshot_connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One connection inside one read snapshot of the whole database."""
    if engine.dialect.name == "postgresql":
        with (
            engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            ) as connection,
            connection.begin(),
        ):
            yield connection
        return
    # SQLite: the backup API copies the file's pages in one step under one read lock (a
    # consistent copy in well under a second), then the copy is read at leisure, so
    # writers wait for the copy only, never for the whole backup.
    with tempfile.TemporaryDirectory(prefix="cadre-backup-") as folder:
        copy = sqlite3.connect(Path(folder) / "snapshot.sqlite")
        try:
            with engine.connect() as source:
                source.connection.driver_connection.backup(copy)
        finally:
            copy.close()
        snapshot = sa.create_engine(f"sqlite:///{Path(folder) / 'snapshot.sqlite'}")
        try:
            with snapshot.connect() as connection:
                yield connection
        finally:
            snapshot.dispose()


def _add_member(tar: tarfile.TarFile, name: str, data: bytes, members: dict[str, Any]) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))
    members[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _file_dirs(app: Flask) -> list[Path]:
    instance = Path(app.instance_path)
    return [instance / d for d in app.config.get("BACKUP_FILE_DIRS", ())]


def create(app: Flask, target: IO[bytes]) -> BackupSummary:
    """Write a backup of the database and the configured file directories to ``target``."""
    engine = db.engine
    counts: dict[str, int] = {}
    members: dict[str, Any] = {}
    files = 0
    with tarfile.open(fileobj=target, mode="w:gz") as tar:
        with _snapshot_connection(engine) as connection:
            revision = database_revision(connection)
            if revision != code_revision(app):
                raise BackupError(
                    f"数据库的结构版本（{revision or '无'}）不是本程序的最新版本"
                    f"（{code_revision(app)}）：请先运行 flask db upgrade"
                )
            for table in _tables():
                raw = _raw_table(table)
                order = [c for c in raw.primary_key.columns] or list(raw.c)
                encoders = {c.name: _encoder(c.type) for c in raw.c}
                lines = []
                for row in connection.execute(sa.select(raw).order_by(*order)).mappings():
                    record = {k: encoders[k](v) for k, v in row.items()}
                    lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
                counts[table.name] = len(lines)
                data = "".join(line + "\n" for line in lines).encode("utf-8")
                _add_member(tar, f"tables/{table.name}.jsonl", data, members)
        for directory in _file_dirs(app):
            if not directory.is_dir():
                continue
            for path in sorted(p for p in directory.rglob("*") if p.is_file()):
                relative = path.relative_to(Path(app.instance_path)).as_posix()
                _add_member(tar, f"files/{relative}", path.read_bytes(), members)
                files += 1
        manifest = {
            "format": FORMAT,
            "schema_revision": revision,
            "engine": engine.dialect.name,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "tables": counts,
            "members": members,
        }
        body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mode = 0o600
        tar.addfile(info, io.BytesIO(body))
    return BackupSummary(revision=revision, tables=counts, files=files)


# --- restore ----------------------------------------------------------------------------------


def read_archive(source: IO[bytes]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every member, checked against the manifest's checksums."""
    try:
        with tarfile.open(fileobj=source, mode="r:gz") as tar:
            contents: dict[str, bytes] = {}
            for info in tar:
                if not info.isfile():
                    raise BackupError(f"备份文件损坏：成员 {info.name} 不是普通文件")
                handle = tar.extractfile(info)
                assert handle is not None  # noqa: S101 - a regular file always has one  # nosec B101
                contents[info.name] = handle.read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(f"备份文件损坏，无法读取：{error}") from error
    if MANIFEST not in contents:
        raise BackupError("备份文件损坏：缺少 manifest.json")
    try:
        manifest = json.loads(contents.pop(MANIFEST))
    except ValueError as error:
        raise BackupError("备份文件损坏：manifest.json 无法解析") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不是本系统的备份文件（格式 {manifest.get('format')!r}）")
    listed = manifest.get("members", {})
    if set(listed) != set(contents):
        missing = sorted(set(listed) - set(contents))
        extra = sorted(set(contents) - set(listed))
        raise BackupError(f"备份文件损坏：缺少 {missing}，多出 {extra}")
    for name, data in contents.items():
        if hashlib.sha256(data).hexdigest() != listed[name]["sha256"]:
            raise BackupError(f"备份文件损坏：{name} 的校验和不符")
    return manifest, contents


def _deferred_columns(table: sa.Table) -> list[str]:
    """Nullable foreign keys that can point at rows not yet written: to the same table (a
    department's parent) or across a cycle (a department's head, a cadre): written as NULL
    first and set once every row is in."""
    out = []
    for fk in table.foreign_keys:
        column = fk.parent
        if column.nullable and (
            fk.column.table is table or fk.use_alter or fk.constraint.use_alter
        ):
            out.append(column.name)
    return out


def _safe_file_path(app: Flask, member: str) -> Path:
    instance = Path(app.instance_path).resolve()
    relative = PurePosixPath(member).relative_to("files")
    if relative.is_absolute() or ".." in relative.parts:
        raise BackupError(f"备份文件损坏：非法路径 {member}")
    allowed = {PurePosixPath(d).parts[0] for d in app.config.get("BACKUP_FILE_DIRS", ())}
    if not relative.parts or relative.parts[0] not in allowed:
        raise BackupError(f"备份中的文件 {member} 不在 BACKUP_FILE_DIRS 所列目录中")
    path = (instance / relative).resolve()
    if instance not in path.parents:
        raise BackupError(f"备份文件损坏：非法路径 {member}")
    return path


def restore(app: Flask, source: IO[bytes]) -> BackupSummary:
    """Restore a backup into this (migrated, empty) database, in one transaction."""
    manifest, contents = read_archive(source)
    engine = db.engine
    revision = manifest["schema_revision"]
    db.session.remove()
    with engine.begin() as connection:
        current = database_revision(connection)
        if current != revision:
            raise BackupError(
                f"备份的结构版本是 {revision}，本数据库是 {current or '未迁移'}："
                "只能恢复到同一版本（先运行 flask db upgrade，或用对应版本的程序恢复）"
            )
        tables = _tables()
        known = {t.name for t in tables}
        in_backup = {
            n.removeprefix("tables/").removesuffix(".jsonl")
            for n in contents
            if n.startswith("tables/")
        }
        if in_backup != known:
            missing, extra = sorted(known - in_backup), sorted(in_backup - known)
            raise BackupError(f"备份中的表与本版本不一致：缺少 {missing}，多出 {extra}")
        for table in tables:
            if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise BackupError(
                    f"数据库不是空的（表 {table.name} 已有数据）：只能恢复到新建并迁移过的空数据库"
                )
        counts: dict[str, int] = {}
        later: list[tuple[sa.Table, list[str], list[dict[str, Any]]]] = []
        for table in tables:
            raw = _raw_table(table)
            decoders = {c.name: _decoder(c.type) for c in raw.c}
            rows = [
                _decode_row(json.loads(line), decoders)
                for line in contents[f"tables/{table.name}.jsonl"].decode("utf-8").splitlines()
                if line
            ]
            counts[table.name] = len(rows)
            if manifest["tables"].get(table.name) != len(rows):
                raise BackupError(f"备份文件损坏：表 {table.name} 的行数与清单不符")
            deferred = _deferred_columns(table)
            if deferred:
                keys = [c.name for c in raw.primary_key.columns]
                updates = [
                    {**{f"k_{k}": row[k] for k in keys}, **{d: row[d] for d in deferred}}
                    for row in rows
                    if any(row.get(d) is not None for d in deferred)
                ]
                rows = [{**row, **dict.fromkeys(deferred)} for row in rows]
                later.append((raw, keys, updates))
            for start in range(0, len(rows), BATCH):
                connection.execute(sa.insert(raw), rows[start : start + BATCH])
        for raw, keys, updates in later:
            if not updates:
                continue
            columns = [c for c in updates[0] if not c.startswith("k_")]
            statement = (
                sa.update(raw)
                .where(*(raw.c[k] == sa.bindparam(f"k_{k}") for k in keys))
                .values({c: sa.bindparam(c) for c in columns})
            )
            connection.execute(statement, updates)
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection, tables)
    files = 0
    for name, data in contents.items():
        if name.startswith("files/"):
            path = _safe_file_path(app, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            files += 1
    return BackupSummary(revision=revision, tables=counts, files=files)


def _reset_sequences(connection: sa.Connection, tables: list[sa.Table]) -> None:
    """Move every serial column's sequence past the largest restored id."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            ).scalar()
            if sequence is None:
                continue
            top = connection.execute(sa.select(sa.func.max(table.c[column.name]))).scalar()
            connection.execute(
                sa.text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                {"sequence": sequence, "value": top or 1, "called": top is not None},
            )
