from tests.access import LOGIN

# The score workbook import is HR's. The token routes use a token that does not exist: HR gets
# 404 (as for another user's upload), every other role 403 before any lookup.
EXPECTED = {
    "evaluations.import_upload": ("GET", "/evaluations/import", (LOGIN, 403, 200, 403, 403, 403)),
    "evaluations.import_preview": (
        "GET",
        "/evaluations/import/nope",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "evaluations.import_confirm": (
        "POST",
        "/evaluations/import/nope/confirm",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "evaluations.template_xlsx": (
        "GET",
        "/evaluations/template.xlsx",
        (LOGIN, 403, 200, 403, 403, 403),
    ),
}
