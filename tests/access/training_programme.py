from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# The programme and its cohorts: HR writes; managers read (a cohort page lists only their
# sections' members); other roles 403. Programme and cohort 999999 do not exist (404).
_HR_WRITE = (LOGIN, 403, 404, 403, 403, 403)
_READ_MISSING = (LOGIN, 403, 404, 404, 403, 403)
EXPECTED = {
    "training.programmes_index": (
        "GET",
        "/training/programmes",
        (LOGIN, 403, 200, 200, 403, 403),
    ),
    "training.programme_new": (
        "GET",
        "/training/programmes/new",
        (LOGIN, 403, 200, 403, 403, 403),
    ),
    "training.programme_detail": ("GET", "/training/programmes/999999", _READ_MISSING),
    "training.programme_edit": ("GET", "/training/programmes/999999/edit", _HR_WRITE),
    "training.cohort_new": ("GET", "/training/programmes/999999/cohorts/new", _HR_WRITE),
    "training.cohort_detail": ("GET", "/training/cohorts/999999", _READ_MISSING),
    "training.cohort_edit": ("GET", "/training/cohorts/999999/edit", _HR_WRITE),
    "training.cohort_members_add": ("POST", "/training/cohorts/999999/members", _HR_WRITE),
    "training.cohort_section_add": (
        "POST",
        "/training/cohorts/999999/members/section",
        _HR_WRITE,
    ),
    "training.cohort_member_remove": (
        "POST",
        "/training/cohorts/999999/members/{own_cadre}/remove",
        _HR_WRITE,
    ),
}
