from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# The shortlist is HR's (a round's pages are 404 for everyone else, whether it exists or not);
# the review page is the managers' (an unassigned or unknown candidate: 404). Cadres never
# see anything of a round. tests/test_selection_reviews.py checks assigned and unassigned
# managers on real rounds.
_HR_ONLY = (LOGIN, 404, 404, 404, 404, 404)
EXPECTED = {
    "selection.shortlist_page": ("GET", "/selection/rounds/999999/shortlist", _HR_ONLY),
    "selection.shortlist_add": ("POST", "/selection/rounds/999999/shortlist/add", _HR_ONLY),
    "selection.shortlist_add_eligible": (
        "POST",
        "/selection/rounds/999999/shortlist/eligible",
        _HR_ONLY,
    ),
    "selection.shortlist_remove": (
        "POST",
        "/selection/rounds/999999/shortlist/1/remove",
        _HR_ONLY,
    ),
    "selection.shortlist_rescore": (
        "POST",
        "/selection/rounds/999999/shortlist/rescore",
        _HR_ONLY,
    ),
    "selection.shortlist_reviewers": ("POST", "/selection/rounds/999999/reviewers", _HR_ONLY),
    "selection.reviews_page": ("GET", "/selection/reviews", (LOGIN, 403, 403, 200, 403, 403)),
    "selection.review_save": (
        "POST",
        "/selection/reviews/999999",
        (LOGIN, 403, 403, 404, 403, 403),
    ),
}
