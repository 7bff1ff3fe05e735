"""Results after closing, conclusions, the 测评结果汇总表 PDF, the workbook, the 政治素质档案."""

from cadre_app.blueprints.assessments import bp  # noqa: F401
