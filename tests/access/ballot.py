from tests.access import LOGIN  # noqa: F401

# roles: anon, admin, hr, manager, cadre, auditor
# The ballot page needs no login and is the same for everyone: a signed-in user is treated
# as anyone else with a code. A code that does not exist is 404 for all (as a used one).
_NO_CODE = "/ballot/23456789ABCD"
EXPECTED = {
    "ballot.enter": ("GET", "/ballot/", (200, 200, 200, 200, 200, 200)),
    "ballot.ballot": ("GET", _NO_CODE, (404, 404, 404, 404, 404, 404)),
    "ballot.cast": ("POST", _NO_CODE, (404, 404, 404, 404, 404, 404)),
    "ballot.thanks": ("GET", "/ballot/thanks", (200, 200, 200, 200, 200, 200)),
}
