from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# The 挂职锻炼 workbook: HR imports (another's upload, or none: 404); HR and the managers export
# (a manager: their sections' secondments only).
EXPECTED = {
    "secondments.import_upload": ("GET", "/secondments/import", (LOGIN, 403, 200, 403, 403, 403)),
    "secondments.import_preview": (
        "GET",
        "/secondments/import/no-such-token",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "secondments.import_confirm": (
        "POST",
        "/secondments/import/no-such-token/confirm",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "secondments.export_xlsx": (
        "GET",
        "/secondments/export.xlsx",
        (LOGIN, 403, 200, 200, 403, 403),
    ),
}
