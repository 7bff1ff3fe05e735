from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Printed records are personal data: admin and auditor get 403; a record that does not exist
# (year 1999, talk 999999) or is not the user's answers 404. The ranking report is HR's and
# the managers' (the cadre role 403). Batch export and its jobs are HR's; an unknown job 404.
NO_JOB = "0" * 32
EXPECTED = {
    "records.annual_evaluation_pdf": (
        "GET",
        "/records/{own_cadre}/annual-evaluation/1999.pdf",
        (LOGIN, 403, 404, 404, 404, 403),
    ),
    "records.talk_record_pdf": (
        "GET",
        "/records/talks/999999.pdf",
        (LOGIN, 403, 404, 404, 404, 403),
    ),
    "records.ranking_report_pdf": (
        "GET",
        "/records/evaluations/1999/ranking.pdf",
        (LOGIN, 403, 404, 404, 403, 403),
    ),
    "records.batch": ("GET", "/records/batch", (LOGIN, 403, 200, 403, 403, 403)),
    "records.job": ("GET", f"/records/jobs/{NO_JOB}", (LOGIN, 403, 404, 403, 403, 403)),
    "records.job_status": (
        "GET",
        f"/records/jobs/{NO_JOB}.json",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "records.job_download": (
        "GET",
        f"/records/jobs/{NO_JOB}/download",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
}
