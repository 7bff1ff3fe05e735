"""Type a code, see the ballot, cast it once, thank you. Thin views: the code is looked up
and the ballot cast by services.ballots.operations; the kind of the box (services.ballots
.kinds) shows its form and reads what was posted.

Every refusal (``operations.CodeRefused``: a wrong or used code, 404, the same words for
both; a voided code, 403; not yet open, closed, 403) counts against the client's guessing
limit; nothing else does. Responses are never cached and send no Referer (the code is in the
URL). Views are ``passive_session``: a signed-in user who casts a ballot leaves no trace on
their session row at that moment.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import TooManyRequests
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from cadre_app.blueprints.ballot import bp
from cadre_app.extensions import db, limiter
from cadre_app.models import BallotBox
from cadre_app.security import passive_session
from cadre_app.services.ballots import codes, kinds, operations
from cadre_app.services.ballots.operations import CodeRefused


class CodeForm(FlaskForm):
    code = StringField(
        _l("票码"),
        validators=[DataRequired(message=_l("请输入票码。")), Length(max=64)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "inputmode": "text",
        },
    )


def _guess_limit() -> str:
    return current_app.config["BALLOT_GUESS_LIMIT"]


def _refused(response: Response) -> bool:
    """Only refused lookups count against the guessing limit."""
    return response.status_code in (403, 404)


guessing = limiter.shared_limit(_guess_limit, scope="ballot-guess", deduct_when=_refused)


@bp.after_request
def no_referrer(response: Response) -> Response:
    """The code is in the URL: never send it on as a Referer, never keep the page."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.errorhandler(TooManyRequests)
def too_many(error: TooManyRequests) -> Any:
    db.session.rollback()
    message = _("尝试次数过多，请稍后再试。如果票码确实无法使用，请向组织人事处咨询。")
    return render_template("ballot/refused.html", message=message), 429


def refusal_page(refusal: CodeRefused) -> tuple[str, int]:
    db.session.rollback()
    return render_template("ballot/refused.html", message=refusal.message), refusal.status


@bp.route("/", methods=["GET", "POST"])
@guessing
@passive_session
def enter() -> Any:
    """Type the code printed on the slip; a code that may vote now opens its ballot."""
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("ballot/enter.html", form=form), (
            400 if form.is_submitted() else 200
        )
    try:
        operations.lookup(form.code.data)
    except CodeRefused as refusal:
        db.session.rollback()
        return render_template(
            "ballot/enter.html", form=form, refusal=refusal.message
        ), refusal.status
    code = codes.normalise(form.code.data)
    return redirect(url_for("ballot.ballot", code=code), 303)


def _page(box: BallotBox, code: str, values: MultiDict, errors: dict[str, str]) -> str:
    """The ballot of ``box``; ``values`` (what was posted, a MultiDict) and ``errors`` are
    shown again beside the questions."""
    kind = kinds.get(box.kind)
    return render_template(
        "ballot/page.html",
        box=box,
        kind=kind,
        form=kind.form_context(box),
        values=values,
        errors=errors,
        code=code,
        form_errors=[message for field, message in errors.items() if not field],
    )


@bp.get("/<code>")
@guessing
@passive_session
def ballot(code: str) -> Any:
    """The ballot of the code's box (the URL of a slip's QR code)."""
    try:
        box = operations.lookup(code)
    except CodeRefused as refusal:
        return refusal_page(refusal)
    return _page(box, code, MultiDict(), {})


@bp.post("/<code>")
@guessing
@passive_session
def cast(code: str) -> Any:
    """Cast the ballot once: every required answer given, else the form again with the
    answers kept and each error next to its question."""
    try:
        box = operations.lookup(code)
    except CodeRefused as refusal:
        return refusal_page(refusal)
    entries, errors = kinds.get(box.kind).read(box, request.form)
    if errors:
        return _page(box, code, request.form, errors), 400
    # End the read transaction: cast takes the code's lock in a transaction of its own
    # (SQLite: BEGIN IMMEDIATE only when none is open).
    db.session.rollback()
    try:
        operations.cast(code, entries)
    except CodeRefused as refusal:
        return refusal_page(refusal)
    db.session.commit()
    return redirect(url_for("ballot.thanks"), 303)


@bp.get("/thanks")
@passive_session
def thanks() -> str:
    """A plain thank-you: no ballot content, no code."""
    return render_template("ballot/thanks.html")
