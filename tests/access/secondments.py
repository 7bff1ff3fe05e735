from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Secondments are HR's (write) and the managers' (read, their sections); a cadre sees their
# own on /me and writes only their summary during 期满鉴定.
EXPECTED = {
    "secondments.index": ("GET", "/secondments/", (LOGIN, 403, 200, 200, 403, 403)),
}
