"""Secondments (挂职锻炼 / 实践锻炼): rules.py (pure), operations.py (every write), queries.py
(reads), with the appraisal, the workbook and the overview beside them."""
