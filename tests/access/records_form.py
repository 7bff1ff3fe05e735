from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
EXPECTED = {
    # HR fills in 拟任/拟免职务, 任免理由, 呈报单位 and dates before printing
    "records.appointment_form": (
        "GET",
        "/records/{own_cadre}/appointment-form",
        (LOGIN, 403, 200, 403, 403, 403),
    ),
    # the matrix cadre belongs to 预算处, which the manager leads and the cadre user is
    "records.appointment_form_pdf": (
        "GET",
        "/records/{own_cadre}/appointment-form.pdf",
        (LOGIN, 403, 200, 200, 200, 403),
    ),
}
