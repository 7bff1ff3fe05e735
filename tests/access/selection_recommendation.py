from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# 民主推荐 is HR's alone (the ballot itself is the public /ballot/ page); a round (or a group)
# that does not exist is 404 for HR; for everyone else every round's pages are 404.
_ONE = "/selection/rounds/999999/recommendation"
_HR = (LOGIN, 404, 404, 404, 404, 404)
EXPECTED = {
    "selection.recommendation": ("GET", _ONE, _HR),
    "selection.open_recommendation": ("POST", f"{_ONE}/open", _HR),
    "selection.issue_recommendation_codes": ("POST", f"{_ONE}/codes/1/issue", _HR),
    "selection.void_recommendation_codes": ("POST", f"{_ONE}/codes/1/void", _HR),
    "selection.close_recommendation": ("POST", f"{_ONE}/close", _HR),
    "selection.recommendation_results": ("GET", f"{_ONE}/results", _HR),
}
