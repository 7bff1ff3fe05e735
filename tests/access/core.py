from tests.access import LOGIN

EXPECTED = {
    "main.index": ("GET", "/", (LOGIN, 200, 200, 200, 200, 200)),
    "main.me": ("GET", "/me", (LOGIN, 404, 404, 404, 200, 404)),
    "main.healthz": ("GET", "/healthz", (200, 200, 200, 200, 200, 200)),
    "auth.login": ("GET", "/auth/login", (200, 302, 302, 302, 302, 302)),
    "auth.password": ("GET", "/auth/password", (LOGIN, 200, 200, 200, 200, 200)),
    # the idle-timeout script's JSON: how long is left (anyone), and 保持登录 (signed in)
    "auth.session_status": ("GET", "/auth/session", (200, 200, 200, 200, 200, 200)),
    "auth.keepalive": ("POST", "/auth/session", (401, 200, 200, 200, 200, 200)),
    # two-factor sign-in: the code page without a password step goes back to the login page
    # (anyone signed in: to the dashboard); the set-up page for every signed-in user; its
    # forms posted empty are bad requests
    "auth.second_factor": ("GET", "/auth/code", (LOGIN, 302, 302, 302, 302, 302)),
    "auth.two_factor": ("GET", "/auth/two-factor", (LOGIN, 200, 200, 200, 200, 200)),
    "auth.new_recovery_codes": (
        "POST",
        "/auth/two-factor/recovery-codes",
        (LOGIN, 400, 400, 400, 400, 400),
    ),
    "auth.two_factor_off": ("POST", "/auth/two-factor/off", (LOGIN, 400, 400, 400, 400, 400)),
    # no language given: a bad request for everyone
    "auth.language": ("POST", "/auth/language", (400, 400, 400, 400, 400, 400)),
    "admin.users": ("GET", "/admin/users", (LOGIN, 200, 403, 403, 403, 403)),
    "admin.unlock": ("POST", "/admin/users/{hr_id}/unlock", (LOGIN, 302, 403, 403, 403, 403)),
    "admin.new_user": ("GET", "/admin/users/new", (LOGIN, 200, 403, 403, 403, 403)),
    "admin.edit_user": ("GET", "/admin/users/{hr_id}", (LOGIN, 200, 403, 403, 403, 403)),
    # an empty POST: the admin gets the form back with its errors
    "admin.user_sections": (
        "POST",
        "/admin/users/{hr_id}/sections",
        (LOGIN, 400, 403, 403, 403, 403),
    ),
    "admin.reset_password": (
        "POST",
        "/admin/users/{hr_id}/reset-password",
        (LOGIN, 200, 403, 403, 403, 403),
    ),
    "admin.reset_two_factor": (
        "POST",
        "/admin/users/{hr_id}/reset-two-factor",
        (LOGIN, 302, 403, 403, 403, 403),
    ),
    "admin.reactivate": (
        "POST",
        "/admin/users/{hr_id}/reactivate",
        (LOGIN, 302, 403, 403, 403, 403),
    ),
    "admin.deactivate": (
        "POST",
        "/admin/users/{hr_id}/deactivate",
        (LOGIN, 302, 403, 403, 403, 403),
    ),
    "static": ("GET", "/static/css/app.css", (200, 200, 200, 200, 200, 200)),
    # Logging out ends the client's session; the matrix test runs it last for each role.
    "auth.logout": ("POST", "/auth/logout", (LOGIN, 302, 302, 302, 302, 302)),
}
