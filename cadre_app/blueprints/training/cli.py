"""``flask training import|hours`` (DESIGN.md, Training workbook); the commands live in
import_cli.py and hours_cli.py and attach themselves to ``training_group``."""

from flask.cli import AppGroup

training_group = AppGroup("training", help="教育培训：导入培训记录、统计学时。")

from cadre_app.blueprints.training import hours_cli, import_cli  # noqa: E402,F401
