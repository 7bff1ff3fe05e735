from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# The section is HR's and the managers' (a cadre account gets 403 even when its cadre
# conducts a talk, DESIGN.md's roles); a manager finds no talk 999999 (404). The holiday
# calendar is HR's and the admin's (a setting, no personnel data).
EXPECTED = {
    "talks.index": ("GET", "/talks/", (LOGIN, 403, 200, 200, 403, 403)),
    "talks.create": ("GET", "/talks/new", (LOGIN, 403, 200, 403, 403, 403)),
    "talks.detail": ("GET", "/talks/999999", (LOGIN, 403, 404, 404, 403, 403)),
    "talks.edit": ("GET", "/talks/999999/edit", (LOGIN, 403, 404, 404, 403, 403)),
    "talks.transition": (
        "POST",
        "/talks/999999/transition",
        (LOGIN, 403, 404, 404, 403, 403),
    ),
    "talks.holidays": ("GET", "/talks/holidays", (LOGIN, 200, 200, 403, 403, 403)),
    # the talks a holiday's day affects are personnel data: HR only, not the admin
    "talks.holiday_deadlines": (
        "GET",
        "/talks/holidays/2026-10-01/deadlines",
        (LOGIN, 403, 200, 403, 403, 403),
    ),
    "talks.delete_holiday": (
        "POST",
        "/talks/holidays/2026-10-01/delete",
        (LOGIN, 404, 404, 403, 403, 403),
    ),
}
