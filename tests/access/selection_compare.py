from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# 赛道相马: HR compares any cadres; a manager only the candidates of a round they review
# (``?round=``: without one, or not assigned, 404, tested in tests/test_selection_compare_web.py);
# everyone else 403.
EXPECTED = {
    "selection.compare": (
        "GET",
        "/selection/compare?cadre={own_cadre}&cadre={other_cadre}",
        (LOGIN, 403, 200, 404, 403, 403),
    ),
    "selection.compare_pdf": (
        "GET",
        "/selection/compare.pdf?cadre={own_cadre}&cadre={other_cadre}",
        (LOGIN, 403, 200, 404, 403, 403),
    ),
}
