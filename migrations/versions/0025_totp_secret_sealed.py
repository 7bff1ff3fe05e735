"""the authenticator secret sealed like 身份证号: ``user.totp_secret`` as AES-GCM ciphertext

Issue 16, points 10 and 11 together: a copy of the database (a backup, a stolen disk) must
not let anyone make sign-in codes. The column becomes the ciphertext column of
services.core.crypto (``<key id>:<base64url>``, bound to the context "user.totp_secret");
existing secrets are sealed with the running app's DATA_ENCRYPTION_KEYS, and the downgrade
opens them again.

Revision ID: 0025_totp_secret_sealed
Revises: 0024_encrypted_ids
Create Date: 2026-12-03 13:50:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from cadre_app.services.core import crypto

# revision identifiers, used by Alembic.
revision = "0025_totp_secret_sealed"
down_revision = "0024_encrypted_ids"
branch_labels = None
depends_on = None

CONTEXT = "user.totp_secret"  # frozen: bound into every ciphertext (models.accounts)

user = sa.table("user", sa.column("id", sa.Integer), sa.column("totp_secret", sa.Text))


def _convert(seal: bool) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(user.c.id, user.c.totp_secret).where(user.c.totp_secret.is_not(None))
    ).all()
    if not rows:
        return
    keys = crypto.load_keys(current_app.config)
    if not keys.ring:
        raise crypto.CryptoConfigError(
            "迁移 0025 需要 DATA_ENCRYPTION_KEYS 来加密（或解密）两步验证密钥："
            "先在 instance/config.py 或环境变量 CADRE_DATA_ENCRYPTION_KEYS 中配置。"
        )
    stmt = sa.update(user).where(user.c.id == sa.bindparam("_id"))
    for row in rows:
        sealed = ":" in row.totp_secret  # base32 secrets hold no colon
        if sealed == seal:
            continue
        value = (
            crypto.encrypt(row.totp_secret, CONTEXT, keys=keys)
            if seal
            else crypto.decrypt(row.totp_secret, CONTEXT, keys=keys)
        )
        bind.execute(stmt.values(totp_secret=sa.bindparam("_v")), {"_id": row.id, "_v": value})


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.Text(), type_=sa.String(length=255)
        )
    _convert(seal=True)


def downgrade():
    _convert(seal=False)
    with op.batch_alter_table("user") as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=255), type_=sa.Text()
        )
