from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# The structure of the cadre pool: HR (the organisation and every section) and managers (the
# sections they lead); a cadre, the admin and the auditor never read the pool's figures.
EXPECTED = {
    "analytics.structure": (
        "GET",
        "/analytics/structure",
        (LOGIN, 403, 200, 200, 403, 403),
    ),
    "analytics.structure_pdf": (
        "GET",
        "/analytics/structure.pdf",
        (LOGIN, 403, 200, 200, 403, 403),
    ),
    "analytics.structure_xlsx": (
        "GET",
        "/analytics/structure.xlsx",
        (LOGIN, 403, 200, 200, 403, 403),
    ),
}
