"""``flask selection ...`` (DESIGN.md, Selection); the commands live in the parts' ``*_cli.py``
and attach themselves to ``selection_group``."""

from flask.cli import AppGroup

selection_group = AppGroup("selection", help="选拔任用：资格审查等。")

from cadre_app.blueprints.selection import eligibility_cli  # noqa: E402,F401
