"""encrypted ID numbers and phones: 身份证号 and 手机号 sealed with AES-GCM, a blind index

Issue 16, point 11 (services.core.crypto). ``cadre.id_number`` and ``cadre.phone`` become
ciphertext (``<key id>:<base64url>``, wider columns), and so do uploaded workbooks
waiting for confirmation (``import_upload.content``); ``cadre.id_number_index`` holds the
HMAC of the number under BLIND_INDEX_KEY and carries the uniqueness that ``id_number`` had.
Existing values are encrypted with the keys of the running app's configuration
(``DATA_ENCRYPTION_KEYS``, ``BLIND_INDEX_KEY``); the downgrade decrypts them back (and needs
the keys that sealed them).

Revision ID: 0024_encrypted_ids
Revises: 0023_two_factor
Create Date: 2026-12-03 13:10:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from cadre_app.services.core import crypto

# revision identifiers, used by Alembic.
revision = "0024_encrypted_ids"
down_revision = "0023_two_factor"
branch_labels = None
depends_on = None

# Frozen here: each is bound into the ciphertext or the HMAC (models.roster uses the same).
ID_CONTEXT = "cadre.id_number"
PHONE_CONTEXT = "cadre.phone"
UPLOAD_CONTEXT = "import_upload.content"

cadre = sa.table(
    "cadre",
    sa.column("id", sa.Integer),
    sa.column("id_number", sa.String),
    sa.column("phone", sa.String),
    sa.column("id_number_index", sa.String),
)

upload = sa.table(
    "import_upload", sa.column("id", sa.Integer), sa.column("content", sa.LargeBinary)
)


def _normalise(number: str) -> str:
    """services.core.idcard.normalise, frozen: upper-case X, full-width digits, no spaces."""
    table = {ord("０") + i: ord("0") + i for i in range(10)} | {
        ord("Ｘ"): ord("X"),
        ord("ｘ"): ord("X"),
    }
    return "".join(number.translate(table).split()).upper()


def _keys(need_index: bool) -> crypto.Keys:
    keys = crypto.load_keys(current_app.config)
    missing = crypto.missing_settings(keys)
    if not need_index and "BLIND_INDEX_KEY" in missing:
        missing.remove("BLIND_INDEX_KEY")
    if missing:
        raise crypto.CryptoConfigError(
            f"迁移 0024 需要 {'、'.join(missing)} 来加密（或解密）已有的身份证号和手机号："
            "先在 instance/config.py 或环境变量 CADRE_... 中配置密钥。"
        )
    return keys


def _sealed(value: str | None) -> bool:
    return value is not None and ":" in value


def _update(bind: sa.Connection, values: dict[str, str], rows: list[dict]) -> None:
    if not rows:
        return
    stmt = (
        sa.update(cadre)
        .where(cadre.c.id == sa.bindparam("_id"))
        .values({column: sa.bindparam(param) for column, param in values.items()})
    )
    for start in range(0, len(rows), 500):
        bind.execute(stmt, rows[start : start + 500])


def upgrade():
    with op.batch_alter_table("cadre") as batch_op:
        batch_op.add_column(sa.Column("id_number_index", sa.String(length=22), nullable=True))
        batch_op.drop_constraint("uq_cadre_id_number", type_="unique")
        batch_op.alter_column(
            "id_number", existing_type=sa.String(length=18), type_=sa.String(length=255)
        )
        batch_op.alter_column(
            "phone", existing_type=sa.String(length=20), type_=sa.String(length=255)
        )

    bind = op.get_bind()
    rows = bind.execute(
        sa.select(cadre.c.id, cadre.c.id_number, cadre.c.phone)
        .where(sa.or_(cadre.c.id_number.is_not(None), cadre.c.phone.is_not(None)))
        .order_by(cadre.c.id)
    ).all()
    if rows:
        keys = _keys(need_index=True)
        updates = []
        for row in rows:
            number, phone = row.id_number, row.phone
            updates.append(
                {
                    "_id": row.id,
                    "_number": number
                    if number is None or _sealed(number)
                    else crypto.encrypt(number, ID_CONTEXT, keys=keys),
                    "_phone": phone
                    if phone is None or _sealed(phone)
                    else crypto.encrypt(phone, PHONE_CONTEXT, keys=keys),
                    "_index": None
                    if not number
                    else crypto.blind_index(
                        _normalise(
                            crypto.decrypt(number, ID_CONTEXT, keys=keys)
                            if _sealed(number)
                            else number
                        ),
                        ID_CONTEXT,
                        keys=keys,
                    ),
                }
            )
        _update(
            bind,
            {"id_number": "_number", "phone": "_phone", "id_number_index": "_index"},
            updates,
        )

    with op.batch_alter_table("cadre") as batch_op:
        batch_op.create_unique_constraint("uq_cadre_id_number_index", ["id_number_index"])
    _convert_uploads(bind, crypto.encrypt_bytes)


def _convert_uploads(bind: sa.Connection, convert) -> None:
    """Uploaded workbooks waiting for confirmation (at most a day old) hold full numbers too."""
    rows = bind.execute(sa.select(upload.c.id, upload.c.content).order_by(upload.c.id)).all()
    if not rows:
        return
    keys = _keys(need_index=False)
    stmt = sa.update(upload).where(upload.c.id == sa.bindparam("_id"))
    for row in rows:
        stored = bytes(row.content)
        sealed = crypto.bytes_key_id(stored) in keys.ring
        if sealed == (convert is crypto.encrypt_bytes):
            continue  # already as wanted
        bind.execute(
            stmt.values(content=sa.bindparam("_content")),
            {"_id": row.id, "_content": convert(stored, UPLOAD_CONTEXT, keys=keys)},
        )


def downgrade():
    bind = op.get_bind()
    _convert_uploads(bind, crypto.decrypt_bytes)
    rows = bind.execute(
        sa.select(cadre.c.id, cadre.c.id_number, cadre.c.phone)
        .where(sa.or_(cadre.c.id_number.is_not(None), cadre.c.phone.is_not(None)))
        .order_by(cadre.c.id)
    ).all()
    if rows:
        keys = _keys(need_index=False)
        updates = [
            {
                "_id": row.id,
                "_number": crypto.decrypt(row.id_number, ID_CONTEXT, keys=keys)
                if _sealed(row.id_number)
                else row.id_number,
                "_phone": crypto.decrypt(row.phone, PHONE_CONTEXT, keys=keys)
                if _sealed(row.phone)
                else row.phone,
            }
            for row in rows
        ]
        _update(bind, {"id_number": "_number", "phone": "_phone"}, updates)

    with op.batch_alter_table("cadre") as batch_op:
        batch_op.drop_constraint("uq_cadre_id_number_index", type_="unique")
        batch_op.drop_column("id_number_index")
        batch_op.alter_column(
            "id_number", existing_type=sa.String(length=255), type_=sa.String(length=18)
        )
        batch_op.alter_column(
            "phone", existing_type=sa.String(length=255), type_=sa.String(length=20)
        )
        batch_op.create_unique_constraint("uq_cadre_id_number", ["id_number"])
