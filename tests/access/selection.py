from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Selection is HR's: positions, discipline records, eligibility and the comparison. Managers
# reach it later through the rounds they are assigned to review (issue 14); everyone else 403.
# A position, cadre or record that does not exist (999999) is 404 for HR.
_P = "/selection/positions/999999"
_ALL_BUT_HR = (LOGIN, 403, 200, 403, 403, 403)
_MISSING = (LOGIN, 403, 404, 403, 403, 403)
EXPECTED = {
    "selection.index": ("GET", "/selection/", _ALL_BUT_HR),
    "selection.new_position": ("GET", "/selection/positions/new", _ALL_BUT_HR),
    "selection.edit_position": ("GET", f"{_P}/edit", _MISSING),
    "selection.eligibility_page": ("GET", f"{_P}/eligibility", _MISSING),
    "selection.run_eligibility": ("POST", f"{_P}/eligibility", _MISSING),
    "selection.discipline_search": ("GET", "/selection/discipline", _ALL_BUT_HR),
    "selection.discipline": ("GET", "/selection/discipline/999999", _MISSING),
    "selection.delete_discipline": ("POST", "/selection/discipline/record/999999/delete", _MISSING),
}
