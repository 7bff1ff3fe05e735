from tests.access import LOGIN

# The token routes use a token that does not exist: HR gets 404 (as for another user's upload),
# every other role 403 before any lookup.
EXPECTED = {
    "roster.import_upload": ("GET", "/cadres/import", (LOGIN, 403, 200, 403, 403, 403)),
    "roster.import_preview": ("GET", "/cadres/import/nope", (LOGIN, 403, 404, 403, 403, 403)),
    "roster.import_confirm": (
        "POST",
        "/cadres/import/nope/confirm",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "roster.export_xlsx": ("GET", "/cadres/export.xlsx", (LOGIN, 403, 200, 200, 403, 403)),
    "roster.export_full": ("GET", "/cadres/export-full", (LOGIN, 403, 200, 403, 403, 403)),
    "roster.template_xlsx": ("GET", "/cadres/template.xlsx", (LOGIN, 403, 200, 403, 403, 403)),
}
