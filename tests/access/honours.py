from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# The published roll is for every signed-in user (cadres, the admin and the auditor too);
# an entry that does not exist (999999), or one not yet published that the reader may not
# see, is 404. Nominating and the management page are HR's and the managers'; approving,
# returning and publishing are HR's. A quarter with nothing published is 404.
_ONE = "/honours/entries/999999"
_EMPTY = "/honours/1999/1"
EXPECTED = {
    "honours.index": ("GET", "/honours/", (LOGIN, 200, 200, 200, 200, 200)),
    "honours.quarter_roll": ("GET", _EMPTY, (LOGIN, 404, 404, 404, 404, 404)),
    "honours.poster": ("GET", f"{_EMPTY}/poster.pdf", (LOGIN, 404, 404, 404, 404, 404)),
    "honours.entry": ("GET", _ONE, (LOGIN, 404, 404, 404, 404, 404)),
    "honours.entry_photo": ("GET", f"{_ONE}/photo", (LOGIN, 404, 404, 404, 404, 404)),
    "honours.manage": ("GET", "/honours/manage", (LOGIN, 403, 200, 200, 403, 403)),
    "honours.nominate": ("GET", "/honours/nominate", (LOGIN, 403, 200, 200, 403, 403)),
    "honours.edit": ("GET", f"{_ONE}/edit", (LOGIN, 403, 404, 404, 403, 403)),
    "honours.step": ("POST", f"{_ONE}/step", (LOGIN, 403, 404, 403, 403, 403)),
    "honours.publish": ("POST", "/honours/1999/1/publish", (LOGIN, 403, 303, 403, 403, 403)),
}
