from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Secondments are HR's (write) and the managers' (read, their sections); a cadre sees their
# own on /me and writes only their summary during 期满鉴定. A secondment that does not exist
# (999999), or one outside a manager's sections, is 404.
_ONE = "/secondments/999999"
EXPECTED = {
    "secondments.index": ("GET", "/secondments/", (LOGIN, 403, 200, 200, 403, 403)),
    "secondments.new": ("GET", "/secondments/new", (LOGIN, 403, 200, 403, 403, 403)),
    "secondments.detail": ("GET", _ONE, (LOGIN, 403, 404, 404, 403, 403)),
    "secondments.edit": ("GET", f"{_ONE}/edit", (LOGIN, 403, 404, 403, 403, 403)),
    "secondments.step": ("POST", f"{_ONE}/step", (LOGIN, 403, 404, 403, 403, 403)),
}
