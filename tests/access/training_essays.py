from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# 策论: HR writes; a manager reads their sections' essays; a reviewer (HR, manager or a
# leader's cadre account) the essays assigned to them; the author their own. Essay 999999 is
# nobody's (404). Admin and auditor accounts never review nor read personnel data (403).
EXPECTED = {
    "training.essays": ("GET", "/training/essays", (LOGIN, 403, 200, 200, 403, 403)),
    "training.essay_new": ("GET", "/training/essays/new", (LOGIN, 403, 200, 403, 403, 403)),
    "training.essay_detail": (
        "GET",
        "/training/essays/999999",
        (LOGIN, 403, 404, 404, 404, 403),
    ),
    "training.essay_download": (
        "GET",
        "/training/essays/999999/download",
        (LOGIN, 403, 404, 404, 404, 403),
    ),
    "training.essay_edit": (
        "GET",
        "/training/essays/999999/edit",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.essay_delete": (
        "POST",
        "/training/essays/999999/delete",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.essay_reviewers": (
        "POST",
        "/training/essays/999999/reviewers",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.essay_reviewer_remove": (
        "POST",
        "/training/essays/999999/reviewers/1/remove",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.essay_adopt": (
        "POST",
        "/training/essays/999999/adopt",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.essay_reviews": (
        "GET",
        "/training/essays/reviews",
        (LOGIN, 403, 200, 200, 200, 403),
    ),
    "training.essay_review": (
        "GET",
        "/training/essays/999999/review",
        (LOGIN, 403, 404, 404, 404, 403),
    ),
}
