"""Locale choice: Simplified Chinese unless the user picked another language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_request_context, session
from flask_babel import get_translations, gettext
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from cadre_app import clock


def select_locale() -> str:
    """The locale for this request: the one chosen in the session, else the default (Chinese)."""
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A naive UTC timestamp from the database, shown in the configured time zone."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(clock.zone()).strftime(fmt)


#: Values stored in Chinese and shown in the UI's language (``term``): the database keeps
#: 优秀 or 函询 whatever the reader's language. Listed with ``_l`` so that extraction puts
#: them in the catalogue (tests/test_i18n.py then asks for an English entry).
TERMS = (
    # 年度考核 grades
    _l("优秀"),
    _l("称职"),
    _l("基本称职"),
    _l("不称职"),
    _l("不定等次"),
    # talk kinds and what set them off (models.talks)
    _l("提醒谈话"),
    _l("函询"),
    _l("诫勉谈话"),
    _l("任职谈话"),
    _l("谈心谈话"),
    _l("考核排名"),
    _l("政治素质考察"),
    _l("信访举报"),
    _l("巡视巡察"),
    _l("日常监督"),
    _l("其他"),
    # the 年轻干部 age lines (services.roster.rules.age_line_level)
    _l("乡科级"),
    _l("县处级"),
    # 学位 levels (services.roster.rules.degree_level), shown beside the degree as written
    _l("学士"),
    _l("硕士"),
    _l("博士"),
    # secondment kinds and host types (models.secondments)
    _l("上挂"),
    _l("下派"),
    _l("外派"),
    _l("岗位实践锻炼"),
    _l("跟班学习"),
    _l("驻村"),
    _l("基层单位"),
    _l("高校"),
    _l("国有金融企业"),
    _l("上级机关"),
    # the separator of a list of terms: 、 in Chinese, a comma in English
    _l("、"),
)


def term(value: Any) -> Any:
    """A stored Chinese term in the UI's language (优秀 -> Excellent); anything not in the
    catalogue, a name for instance, is shown as it is."""
    return gettext(value) if isinstance(value, str) and value else value


def terms(values: Any) -> str:
    """Several terms joined the way the UI's language lists them (优秀、称职 / Excellent,
    Competent)."""
    return gettext("、").join(str(term(value)) for value in values or ())


def template_gettext() -> dict[str, Any]:
    """A context processor: the templates' ``_``, ``gettext`` and ``ngettext`` bound to this
    render's catalogue, looked up once per page instead of once per string (Flask-Babel's
    callables resolve the locale and the catalogue on every call; a page has 30-100 strings).
    The output is that of Jinja's new-style gettext: escaped when autoescaping, and always
    %-formatted (so ``%%`` is a literal ``%``). Macros imported without context keep using
    the global callables, which give the same strings."""
    translations = get_translations()
    ugettext, ungettext = translations.ugettext, translations.ungettext

    @pass_context
    def bound_gettext(context: Context, string: str, /, **variables: Any) -> str:
        rv = ugettext(string)
        if context.eval_ctx.autoescape:
            rv = Markup(rv)  # noqa: S704 (a catalogue string, as Jinja does)  # nosec B704
        return rv % variables  # type: ignore[no-any-return]

    @pass_context
    def bound_ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        rv = ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            rv = Markup(rv)  # noqa: S704 (a catalogue string, as Jinja does)  # nosec B704
        return rv % variables  # type: ignore[no-any-return]

    return {"gettext": bound_gettext, "ngettext": bound_ngettext}
