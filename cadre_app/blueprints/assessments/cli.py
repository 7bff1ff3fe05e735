"""``flask assessments codes|close|results`` (DESIGN.md, Assessments); the commands live in
the parts' ``*_cli.py`` and attach themselves to ``assessments_group``."""

from flask.cli import AppGroup

assessments_group = AppGroup("assessments", help="政治素质测评：票码、关闭测评、导出结果。")

from cadre_app.blueprints.assessments import (  # noqa: E402,F401
    admin_cli,
    codes_cli,
    results_cli,
)
