from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# 业务微讲座: HR writes; a manager reads the lectures of their sections (lecture 999999 is
# nobody's: 404); an attendee rates their own lecture (anyone else 404); admin and auditor
# never read personnel data (403).
EXPECTED = {
    "training.lectures": ("GET", "/training/lectures", (LOGIN, 403, 200, 200, 403, 403)),
    "training.lecture_new": ("GET", "/training/lectures/new", (LOGIN, 403, 200, 403, 403, 403)),
    "training.lecture_detail": (
        "GET",
        "/training/lectures/999999",
        (LOGIN, 403, 404, 404, 403, 403),
    ),
    "training.lecture_edit": (
        "GET",
        "/training/lectures/999999/edit",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.lecture_delete": (
        "POST",
        "/training/lectures/999999/delete",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.lecture_attendees": (
        "GET",
        "/training/lectures/999999/attendees",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.lecture_ratings": (
        "GET",
        "/training/lectures/999999/ratings",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.lecture_rate": (
        "GET",
        "/training/lectures/999999/rate",
        (LOGIN, 403, 404, 404, 404, 403),
    ),
}
