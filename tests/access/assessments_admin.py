from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Assessments are HR's to run; a manager reads the list and the assessments with a subject in
# the sections they lead (another, or one that does not exist: 404) and may change nothing
# (403). Checklists are kept by HR and the admin (the admin keeps the settings). Cadres and
# auditors: 403 everywhere here.
_ONE = "/assessments/999999"
_LIST = "/assessments/checklists"
EXPECTED = {
    "assessments.index": ("GET", "/assessments/", (LOGIN, 403, 200, 200, 403, 403)),
    "assessments.new": ("GET", "/assessments/new", (LOGIN, 403, 200, 403, 403, 403)),
    "assessments.show": ("GET", _ONE, (LOGIN, 403, 404, 404, 403, 403)),
    "assessments.edit": ("GET", f"{_ONE}/edit", (LOGIN, 403, 404, 403, 403, 403)),
    "assessments.step": ("POST", f"{_ONE}/step", (LOGIN, 403, 404, 403, 403, 403)),
    "assessments.delete": ("POST", f"{_ONE}/delete", (LOGIN, 403, 404, 403, 403, 403)),
    "assessments.checklists_index": ("GET", _LIST, (LOGIN, 200, 200, 403, 403, 403)),
    "assessments.settings_page": ("GET", "/assessments/settings", (LOGIN, 200, 200, 403, 403, 403)),
    "assessments.checklist_new": ("GET", f"{_LIST}/new", (LOGIN, 200, 200, 403, 403, 403)),
    "assessments.checklist": ("GET", f"{_LIST}/999999", (LOGIN, 404, 404, 403, 403, 403)),
    "assessments.checklist_edit": (
        "GET",
        f"{_LIST}/999999/edit",
        (LOGIN, 404, 404, 403, 403, 403),
    ),
}
