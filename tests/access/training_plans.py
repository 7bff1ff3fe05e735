from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Development plans: HR writes; a manager reads their sections' plans; a mentor of any role
# (the cadre account included) reads, reviews and comments on their mentees' plans; the cadre
# reads their own on /me. Plan 999999 does not exist: 404 for those who may read plans, 403
# for a write their role never makes, and for the admin and the auditor.
_MISSING = (LOGIN, 403, 404, 404, 404, 403)
_HR_WRITE = (LOGIN, 403, 404, 403, 403, 403)
EXPECTED = {
    "training.plans_index": ("GET", "/training/plans", (LOGIN, 403, 200, 200, 403, 403)),
    "training.plans_mine": ("GET", "/training/plans/mine", (LOGIN, 403, 200, 200, 200, 403)),
    "training.plan_new": ("GET", "/training/plans/new", (LOGIN, 403, 200, 403, 403, 403)),
    "training.plan_detail": ("GET", "/training/plans/999999", _MISSING),
    "training.plan_edit": ("GET", "/training/plans/999999/edit", _HR_WRITE),
    "training.plan_transition": ("POST", "/training/plans/999999/transition", _HR_WRITE),
    "training.plan_milestone_add": ("POST", "/training/plans/999999/milestones", _HR_WRITE),
    "training.plan_milestone_update": (
        "POST",
        "/training/plans/999999/milestones/1",
        _MISSING,
    ),
    "training.plan_course_add": ("POST", "/training/plans/999999/courses", _HR_WRITE),
    "training.plan_course_remove": (
        "POST",
        "/training/plans/999999/courses/1/delete",
        _HR_WRITE,
    ),
    "training.plan_review_add": ("POST", "/training/plans/999999/reviews", _MISSING),
    "training.plan_comment_add": ("POST", "/training/plans/999999/comments", _MISSING),
}
EXPECTED |= {
    "training.plan_milestone_edit": (
        "POST",
        "/training/plans/999999/milestones/1/edit",
        _HR_WRITE,
    ),
    "training.plan_milestone_delete": (
        "POST",
        "/training/plans/999999/milestones/1/delete",
        _HR_WRITE,
    ),
}
