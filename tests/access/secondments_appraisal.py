from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# 期满鉴定 and 归档 are HR's; a manager reads the appraisal page of their sections' cadres
# (posting it: 403); whoever is seconded posts their own summary and prints their own 鉴定表
# (another's secondment: 404, for HR and managers too). The matrix has no secondment: the
# roles that pass the role check get 404 for the id, the others 403 before it is looked up.
# tests/test_secondments_appraisal.py checks each role on real secondments.
EXPECTED = {
    "secondments.appraisal": (
        "GET",
        "/secondments/999999/appraisal",
        (LOGIN, 403, 404, 404, 403, 403),
    ),
    "secondments.archive": (
        "POST",
        "/secondments/999999/archive",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "secondments.summary": (
        "POST",
        "/secondments/999999/summary",
        (LOGIN, 403, 404, 404, 404, 403),
    ),
    "secondments.appraisal_pdf": (
        "GET",
        "/secondments/999999/appraisal.pdf",
        (LOGIN, 403, 404, 404, 404, 403),
    ),
}
