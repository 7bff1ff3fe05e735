from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Results are HR's; a manager reads the concluded results of their sections' subjects (and
# prints a subject's 汇总表), posting a conclusion or exporting the whole is HR's only (403).
# A cadre reads their own entries on the profile only: every results URL is 403. The matrix
# has no assessment: roles past the role check get 404 for the id.
# tests/test_assessments_results_web.py checks each role on real assessments.
EXPECTED = {
    "assessments.results_page": (
        "GET",
        "/assessments/999999/results",
        (LOGIN, 403, 404, 404, 403, 403),
    ),
    "assessments.subject_results": (
        "GET",
        "/assessments/999999/results/1",
        (LOGIN, 403, 404, 404, 403, 403),
    ),
    "assessments.conclude": (
        "POST",
        "/assessments/999999/results/1/conclusion",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "assessments.results_pdf_all": (
        "GET",
        "/assessments/999999/results.pdf",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "assessments.subject_results_pdf": (
        "GET",
        "/assessments/999999/results/1.pdf",
        (LOGIN, 403, 404, 404, 403, 403),
    ),
    "assessments.results_xlsx": (
        "GET",
        "/assessments/999999/results.xlsx",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
}
