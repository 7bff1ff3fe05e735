from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# The 干部教育培训档案: HR anyone's, a manager their sections' cadres, a cadre their own (the
# matrix cadre is in 预算处, which the manager leads); anyone else's is 404.
# The cohort report is HR's only (a cohort mixes sections); the matrix has no cohort, so HR
# gets 404 for the id and every other role 403 before the id is looked up.
EXPECTED = {
    "training.record_pdf": (
        "GET",
        "/training/{own_cadre}/record.pdf",
        (LOGIN, 403, 200, 200, 200, 403),
    ),
    "training.cohort_report_pdf": (
        "GET",
        "/training/cohorts/999999/report.pdf",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
}
