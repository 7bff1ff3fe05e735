from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Training is HR's (write) and the managers' (their sections); a cadre sees their own on /me.
EXPECTED = {
    "training.index": ("GET", "/training/", (LOGIN, 403, 200, 200, 403, 403)),
}
