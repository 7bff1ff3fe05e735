from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Selection is HR's: positions, discipline records, eligibility and the comparison. Managers
# reach it later through the rounds they are assigned to review (issue 14); everyone else 403.
EXPECTED = {
    "selection.index": ("GET", "/selection/", (LOGIN, 403, 200, 403, 403, 403)),
}
