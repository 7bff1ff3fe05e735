from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
EXPECTED = {
    "evaluations.index": ("GET", "/evaluations/", (LOGIN, 403, 200, 200, 403, 403)),
    "evaluations.create": ("POST", "/evaluations/new", (LOGIN, 403, 400, 403, 403, 403)),
    "evaluations.ranking": ("GET", "/evaluations/1999/ranking", (LOGIN, 403, 404, 404, 403, 403)),
    "evaluations.ranking_xlsx": (
        "GET",
        "/evaluations/1999/ranking.xlsx",
        (LOGIN, 403, 404, 404, 403, 403),
    ),
    "evaluations.rank": ("POST", "/evaluations/1999/rank", (LOGIN, 403, 404, 403, 403, 403)),
    "evaluations.confirm": ("POST", "/evaluations/1999/confirm", (LOGIN, 403, 404, 403, 403, 403)),
    "evaluations.publicity": (
        "POST",
        "/evaluations/1999/publicity",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "evaluations.decide": ("POST", "/evaluations/1999/decide", (LOGIN, 403, 404, 403, 403, 403)),
    "evaluations.archive": ("POST", "/evaluations/1999/archive", (LOGIN, 403, 404, 403, 403, 403)),
    "evaluations.settings": ("GET", "/evaluations/1999/settings", (LOGIN, 403, 404, 403, 403, 403)),
    "evaluations.scores": (
        "GET",
        "/evaluations/1999/scores/{own_cadre}",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "evaluations.quarterly": (
        "GET",
        "/evaluations/2025/quarterly/{own_cadre}",
        (LOGIN, 403, 200, 403, 403, 403),
    ),
}
