"""An uploaded workbook waiting between preview and confirmation.

The file itself is kept (not a parsed copy): confirming parses and validates it again against
the database as it is then, so a preview can never apply stale checks. Kept in the database so
that any worker can serve the confirmation; rows older than a day are swept.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.services.core.crypto import EncryptedBytes


class ImportUpload(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(43), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))  # roster | evaluations | ...
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    # the workbook as uploaded (full 身份证号 and 手机号): encrypted at rest like the roster
    content: so.Mapped[bytes] = so.mapped_column(EncryptedBytes("import_upload.content"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    #: Set when the upload was applied, so a confirmation posted twice applies once.
    applied_at: so.Mapped[datetime | None] = so.mapped_column()
