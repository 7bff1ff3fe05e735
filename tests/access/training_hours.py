from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# The 学时 table and its workbook: HR (every section) and managers (their sections); a cadre
# sees their own hours on /me (the profile's 教育培训 tab), never the table.
EXPECTED = {
    "training.hours": ("GET", "/training/hours", (LOGIN, 403, 200, 200, 403, 403)),
    "training.hours_xlsx": ("GET", "/training/hours.xlsx", (LOGIN, 403, 200, 200, 403, 403)),
}
