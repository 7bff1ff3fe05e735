from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Selection rounds are HR's: every page and step of a round is 404 for everyone else, as for a
# round that does not exist (nobody outside learns a round exists or who was considered;
# tests/test_selection_rounds.py checks a real round). Managers reach a round through the
# shortlist part; cadres never see a round.
_ONE = "/selection/rounds/999999"
_HR = (LOGIN, 404, 404, 404, 404, 404)
EXPECTED = {
    "selection.rounds_index": ("GET", "/selection/rounds/", (LOGIN, 403, 200, 403, 403, 403)),
    "selection.round_new": ("GET", "/selection/rounds/new", (LOGIN, 403, 200, 403, 403, 403)),
    "selection.round": ("GET", _ONE, _HR),
    "selection.round_step": ("POST", f"{_ONE}/step", _HR),
    "selection.round_candidate": ("POST", f"{_ONE}/candidates/1", _HR),
    "selection.round_meeting": ("POST", f"{_ONE}/meeting", _HR),
    "selection.round_publicity": ("POST", f"{_ONE}/publicity", _HR),
    "selection.round_objection": ("POST", f"{_ONE}/objections", _HR),
    "selection.round_objection_handle": ("POST", f"{_ONE}/objections/1", _HR),
    "selection.round_inspection_pdf": ("GET", f"{_ONE}/candidates/1/inspection.pdf", _HR),
}
