"""``flask secondments import|export`` (DESIGN.md, Secondment workbook); the commands live in
import_cli.py and attach themselves to ``secondments_group``."""

from flask.cli import AppGroup

secondments_group = AppGroup("secondments", help="挂职锻炼：导入、导出挂职锻炼记录。")

from cadre_app.blueprints.secondments import import_cli  # noqa: E402,F401
