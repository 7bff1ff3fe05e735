"""Configuration defaults.

Order (see DESIGN.md): these defaults, then ``instance/config.py``, then the environment:
``DATABASE_URL``, ``SECRET_KEY`` and any ``CADRE_<NAME>`` variable.
"""

from __future__ import annotations

from datetime import timedelta

#: The placeholder that start-up refuses outside development and tests.
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the value start-up refuses  # nosec B105
#: The audit chain's placeholder key, refused outside development and tests like the above.
DEV_AUDIT_CHAIN_KEY = "dev-only-audit-chain-key"  # noqa: S105 - the value start-up refuses


class Config:
    """Safe defaults; nothing here is a secret."""

    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in from DATABASE_URL or instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Sessions: a signed cookie that carries only a server-side session token (UserSession).
    SESSION_COOKIE_NAME = "cadre_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True (CADRE_SESSION_COOKIE_SECURE=true) behind HTTPS
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_REFRESH_EACH_REQUEST = True
    #: ... but an unchanged cookie is re-signed only once it is this old (security.py).
    SESSION_REFRESH_SECONDS = 60
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Security policy (DOMAIN/DESIGN: locked after repeated failures, idle timeout).
    IDLE_TIMEOUT_MINUTES = 30
    #: The page warns this many seconds before the idle timeout, offering 保持登录.
    IDLE_WARNING_SECONDS = 120
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 30
    LOGIN_RATE_LIMIT = "20 per minute"
    #: Two-factor sign-in (TOTP): the roles that must enrol an authenticator app before doing
    #: anything else; every other role may. A list here or in instance/config.py, JSON in the
    #: environment (``CADRE_TOTP_REQUIRED_ROLES='["admin","hr","auditor"]'``); [] = optional
    #: for all (the test configuration).
    TOTP_REQUIRED_ROLES: tuple[str, ...] | list[str] | str = ("admin", "hr", "auditor")
    #: The name the authenticator app shows beside the account (default: ORGANISATION_NAME).
    TOTP_ISSUER: str | None = None
    #: How long the code page waits for the code after a right password.
    TOTP_PENDING_SECONDS = 300
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Keep the rendered ranking, roster and profile blocks while nothing is written
    #: (layout.kept_page); false (CADRE_KEEP_PAGES=false) renders every page anew.
    KEEP_PAGES = True

    #: Keys of the personal data encrypted at rest (身份证号, 手机号; services.core.crypto),
    #: kept outside the database: ``{"key id": "<32 bytes, base64>"}``, the last one listed
    #: encrypts, all decrypt (``flask crypto rotate`` moves every value to the last one); and
    #: the key of the blind index that finds a cadre by 身份证号 (``flask crypto reindex`` after
    #: changing it). ``make setup`` writes both into instance/config.py; start-up refuses to run
    #: without them outside development and tests.
    DATA_ENCRYPTION_KEYS: dict[str, str] | str | None = None
    BLIND_INDEX_KEY: str | None = None

    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token already
    WTF_I18N_ENABLED = True

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}

    #: Largest request body (uploads); bigger ones get 413. Routes may set tighter limits.
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    #: Workbook imports (roster, scores, training, secondments) read through one guarded
    #: reader that refuses, with a message, a sheet passing any of these: data rows below the
    #: header; the column a value may stand in; <row> and <c> elements visited (empty ones
    #: included: a 5 KB file can hold 400,000 empty rows); the sheet's uncompressed XML.
    IMPORT_MAX_DATA_ROWS = 20_000
    IMPORT_MAX_COLUMNS = 60
    IMPORT_MAX_SHEET_ROWS = 50_000
    IMPORT_MAX_CELLS = 1_500_000
    IMPORT_MAX_SHEET_XML_BYTES = 40 * 1024 * 1024
    #: Photos (cadre, honour roll, inside an .lrmx): larger images are refused before they are
    #: decoded; every photo is stored as a JPEG of at most PHOTO_STORED_SIZE (width, height).
    PHOTO_MAX_PIXELS = 25_000_000
    PHOTO_STORED_SIZE = (600, 800)

    #: CJK font families a PDF may use, first installed wins; none installed: PDFs refused.
    PDF_REQUIRE_FONT_FAMILIES = (
        "Noto Serif CJK SC",
        "Source Han Serif SC",
        "Noto Sans CJK SC",
        "Source Han Sans SC",
    )

    #: The task queue: Redis (``CADRE_REDIS_URL=redis://host:6379/0``) when workers run on
    #: several hosts; it then backs the login rate limit too. Else a SQLite file, this path
    #: or ``<instance>/queue.sqlite``.
    REDIS_URL: str | None = None
    QUEUE_PATH: str | None = None
    #: Folders (relative to the instance folder) whose files ``flask backup`` carries beside
    #: the database. Today every upload and job result is kept in the database, so none.
    BACKUP_FILE_DIRS: tuple[str, ...] = ()
    #: Batches (ZIP or merged PDF) of at least this many forms are cut into parts that
    #: several workers lay out at once.
    PDF_PARALLEL_FROM = 40
    #: Worker processes ``flask worker`` starts (one per core), and so the parts per batch.
    PDF_WORKERS = 2
    #: How much nicer (Unix nice) those workers run than the web workers (0 = same).
    PDF_WORKER_NICE = 10

    ORGANISATION_NAME = "示例市财政局"
    # Reminders by e-mail (off while MAIL_SERVER is empty): an SMTP server of the
    # organisation's, e.g. CADRE_MAIL_SERVER=mail.example.gov, CADRE_MAIL_PORT=25.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_FROM = "cadre-app@localhost"
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""  # noqa: S105 - empty: no SMTP login unless configured  # nosec B105
    MAIL_TIMEOUT = 10.0
    # The address people open the app at, put before the links in e-mails.
    PUBLIC_URL = ""
    #: The secret that keys the audit log's hash chain (HMAC-SHA256). Kept outside the
    #: database (instance/config.py, written by make setup, or CADRE_AUDIT_CHAIN_KEY), so a
    #: row rewritten in the database cannot be given a matching hash. Changing it makes
    #: every earlier event fail ``flask audit verify``: keep it with the backups' keys.
    AUDIT_CHAIN_KEY = DEV_AUDIT_CHAIN_KEY
    #: The append-only file of the chain's checkpoints (newest id, its hash, count, time):
    #: ``<instance>/audit-anchors.jsonl`` unless set. Point it at another disk or a WORM
    #: share so that whoever can write to the database cannot rewrite it too.
    AUDIT_ANCHOR_PATH: str | None = None
    #: At most this many rows in one audit-log export (about 9 s for 50,000 on 2 cores).
    AUDIT_EXPORT_CAP = 50_000
    # Behind a reverse proxy, trust this many X-Forwarded-* hops (0 = none).
    PROXY_FIX_HOPS = 0
    JSON_AS_ASCII = False
