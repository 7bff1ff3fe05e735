from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Notifications and warnings: HR (all), managers (their sections, talks they conduct), cadres
# (their own); the admin and the auditor read no personnel data.
EXPECTED = {
    "reminders.index": ("GET", "/reminders/", (LOGIN, 403, 200, 200, 200, 403)),
    "reminders.warnings": ("GET", "/reminders/warnings", (LOGIN, 403, 200, 200, 200, 403)),
    "reminders.read_all": ("POST", "/reminders/read-all", (LOGIN, 403, 302, 302, 302, 403)),
    "reminders.read": ("POST", "/reminders/999999/read", (LOGIN, 403, 404, 404, 404, 403)),
}
