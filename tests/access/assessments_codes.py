from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Codes are HR's alone; an assessment (or a group) that does not exist is 404 for HR.
_ONE = "/assessments/999999/codes"
EXPECTED = {
    "assessments.codes": ("GET", _ONE, (LOGIN, 403, 404, 403, 403, 403)),
    "assessments.issue_codes": ("POST", f"{_ONE}/1/issue", (LOGIN, 403, 404, 403, 403, 403)),
    "assessments.void_codes": ("POST", f"{_ONE}/1/void", (LOGIN, 403, 404, 403, 403, 403)),
}
