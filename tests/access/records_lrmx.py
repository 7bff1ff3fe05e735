from tests.access import LOGIN

# The token routes use a token that does not exist: HR gets 404 (as for another user's upload),
# every other role 403 before any lookup. The download of another section's or another person's
# record (404) is tested in tests/test_lrmx.py.
EXPECTED = {
    "records.appointment_form_lrmx": (
        "GET",
        "/records/{own_cadre}/appointment-form.lrmx",
        (LOGIN, 403, 200, 200, 200, 403),
    ),
    "records.appointment_form_lrmx_full": (
        "GET",
        "/records/{own_cadre}/appointment-form-full-id.lrmx",
        (LOGIN, 403, 200, 403, 403, 403),
    ),
    "records.lrmx_upload": ("GET", "/records/lrmx/import", (LOGIN, 403, 200, 403, 403, 403)),
    "records.lrmx_preview": (
        "GET",
        "/records/lrmx/import/nope",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "records.lrmx_confirm": (
        "POST",
        "/records/lrmx/import/nope/confirm",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "records.lrmx_batch_preview": (
        "GET",
        "/records/lrmx/batch/nope",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "records.lrmx_batch_confirm": (
        "POST",
        "/records/lrmx/batch/nope/confirm",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "records.lrmx_batch_job": (
        "GET",
        "/records/lrmx/batch/job/nope",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
}
