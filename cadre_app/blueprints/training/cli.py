"""``flask training import|hours`` (DESIGN.md, Training workbook)."""

from flask.cli import AppGroup

training_group = AppGroup("training", help="教育培训：导入培训记录、统计学时。")
