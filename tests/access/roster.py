from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
EXPECTED = {
    "roster.index": ("GET", "/cadres/", (LOGIN, 403, 200, 200, 403, 403)),
    # the matrix cadre belongs to 预算处, which the manager leads and the cadre user is
    "roster.profile": ("GET", "/cadres/{own_cadre}", (LOGIN, 403, 200, 200, 200, 403)),
    "roster.photo": ("GET", "/cadres/{other_cadre}/photo", (LOGIN, 403, 404, 404, 404, 403)),
    "roster.reveal_id": ("POST", "/cadres/{own_cadre}/reveal-id", (LOGIN, 403, 200, 403, 403, 403)),
    "roster.create": ("GET", "/cadres/new", (LOGIN, 403, 200, 403, 403, 403)),
    "roster.edit": ("GET", "/cadres/{own_cadre}/edit", (LOGIN, 403, 200, 403, 403, 403)),
    "roster.upload_photo": ("POST", "/cadres/{own_cadre}/photo", (LOGIN, 403, 400, 403, 403, 403)),
    "roster.add_family": ("POST", "/cadres/{own_cadre}/family", (LOGIN, 403, 400, 403, 403, 403)),
    "roster.delete_family": (
        "POST",
        "/cadres/{own_cadre}/family/999999/delete",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "roster.edit_family": (
        "GET",
        "/cadres/{own_cadre}/family/999999/edit",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "roster.edit_resume": (
        "GET",
        "/cadres/{own_cadre}/resume/999999/edit",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
    "roster.add_resume": ("POST", "/cadres/{own_cadre}/resume", (LOGIN, 403, 400, 403, 403, 403)),
    "roster.delete_resume": (
        "POST",
        "/cadres/{own_cadre}/resume/999999/delete",
        (LOGIN, 403, 404, 403, 403, 403),
    ),
}
EXPECTED["roster.departments_page"] = (
    "GET",
    "/cadres/departments",
    (LOGIN, 403, 200, 403, 403, 403),
)
#: The same page with one section open (its second URL).
MORE = [
    (
        "roster.departments_page",
        "GET",
        "/cadres/departments/{budget}",
        (LOGIN, 403, 200, 403, 403, 403),
    ),
]
