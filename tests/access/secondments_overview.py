from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# The overview (timeline, counts, warnings): HR (every section) and managers (their sections);
# a cadre sees their own secondments on /me; admin and auditor never read personnel data.
EXPECTED = {
    "secondments.overview": (
        "GET",
        "/secondments/overview",
        (LOGIN, 403, 200, 200, 403, 403),
    ),
}
