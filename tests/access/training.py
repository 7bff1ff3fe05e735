from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Training is HR's (write) and the managers' (their sections); a cadre sees their own on /me.
# A course nobody of the manager's sections attends, or none at all (999999), is 404. The
# settings are the admin's and HR's.
_COURSE = "/training/courses/999999"
EXPECTED = {
    "training.index": ("GET", "/training/", (LOGIN, 403, 200, 200, 403, 403)),
    "training.course_new": ("GET", "/training/courses/new", (LOGIN, 403, 200, 403, 403, 403)),
    "training.course_detail": ("GET", _COURSE, (LOGIN, 403, 404, 404, 403, 403)),
    "training.course_edit": ("GET", f"{_COURSE}/edit", (LOGIN, 403, 404, 403, 403, 403)),
    "training.course_delete": ("POST", f"{_COURSE}/delete", (LOGIN, 403, 404, 403, 403, 403)),
    "training.course_enrol": ("POST", f"{_COURSE}/enrol", (LOGIN, 403, 404, 403, 403, 403)),
    "training.course_enrol_section": (
        "POST",
        f"{_COURSE}/enrol-section",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.enrolment_remove": (
        "POST",
        f"{_COURSE}/enrolments/1/remove",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.enrolment_attendance": (
        "POST",
        f"{_COURSE}/enrolments/1/attendance",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.external_new": ("GET", "/training/external", (LOGIN, 403, 200, 403, 403, 403)),
    "training.settings_page": ("GET", "/training/settings", (LOGIN, 200, 200, 403, 403, 403)),
    "training.import_upload": ("GET", "/training/import", (LOGIN, 403, 200, 403, 403, 403)),
    "training.import_preview": (
        "GET",
        "/training/import/no-such-token",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.import_confirm": (
        "POST",
        "/training/import/no-such-token/confirm",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "training.records_xlsx": ("GET", "/training/records.xlsx", (LOGIN, 403, 200, 200, 403, 403)),
    "training.template_xlsx": ("GET", "/training/template.xlsx", (LOGIN, 403, 200, 403, 403, 403)),
}
