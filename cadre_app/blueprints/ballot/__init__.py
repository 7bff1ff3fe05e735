"""The ballot page under ``/ballot`` (DESIGN.md, "Ballot pages need no login"): a rater types
the code of a paper slip (``/ballot/``) or opens the URL its QR code holds
(``/ballot/<code>``), fills in the ballot of the box's kind (services.ballots.kinds) and casts
it once. No login, no session user, no script needed; nothing logged or audited ties a code
to a ballot (README, "投票的匿名性 / Anonymity of ballots").

Guessing is throttled: refused lookups (a wrong, used or voided code, a box not open) count
against the client address, ``BALLOT_GUESS_LIMIT`` (default ``DEFAULT_GUESS_LIMIT``); a
successful vote does not, so a room of raters behind one address is never held up by it.
"""

from flask import Blueprint, Flask

from cadre_app.services.core import registry

bp = Blueprint("ballot", __name__)

#: Refused code lookups allowed per client address (Flask-Limiter's notation).
DEFAULT_GUESS_LIMIT = "10 per minute;60 per hour"

from cadre_app.blueprints.ballot import routes  # noqa: E402,F401


def register(app: Flask) -> None:
    app.config.setdefault("BALLOT_GUESS_LIMIT", DEFAULT_GUESS_LIMIT)
    app.register_blueprint(bp, url_prefix="/ballot")
    registry.get(app).add_object_types({"ballot_box": "测评投票"}, order=39)
