"""Keep ballot codes out of the server's logs (README, "Anonymity of ballots").

A code travels in the URL (``/ballot/<code>``, the QR target; the form posts back to it), and
every access log line holds the request line and the Referer: a log that keeps the code and
the second of each request, beside the day a ballot was cast, is the link a dump must never
offer. ``RedactBallotCodes`` rewrites every record whose message holds ``/ballot/<something>``
to ``/ballot/<redacted>``, wherever in the line it stands (request line, Referer, an error
message). ``install`` puts it on the loggers that write request lines: werkzeug's (the
development and test server), gunicorn's access and error logs, and the app's own handler;
``GunicornLogger`` (gunicorn.conf.py's ``logger_class``) does the same for gunicorn before the
app is loaded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

#: ``/ballot/`` followed by anything up to a space or a quote (the code, a query string).
_CODE_IN_URL = re.compile(r"(/ballot/)[^\s\"'<>]+", re.IGNORECASE)
REDACTED = r"\1<redacted>"
#: Loggers that write request lines.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    """``text`` with every ballot code in a URL replaced."""
    return _CODE_IN_URL.sub(REDACTED, text)


class RedactBallotCodes(logging.Filter):
    """A filter that redacts ballot codes from a record's message (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  (a malformed record: leave it to the handler)
            return True
        if "/ballot/" in message.lower():
            record.msg = redact(message)
            record.args = None
        return True


FILTER = RedactBallotCodes()


def install(extra: Iterable[logging.Filterer] = ()) -> None:
    """Put the filter on the request loggers and on ``extra`` loggers or handlers (adding
    it twice is harmless)."""
    for target in [*(logging.getLogger(name) for name in REQUEST_LOGGERS), *extra]:
        target.addFilter(FILTER)


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover - gunicorn is a dependency; a shell may lack it
    _GunicornLogger = object  # type: ignore[misc,assignment]


class GunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger with ballot codes redacted from its access and error logs."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.access_log.addFilter(FILTER)
        self.error_log.addFilter(FILTER)
