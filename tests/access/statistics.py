from tests.access import LOGIN

# roles: anon, admin, hr, manager, cadre, auditor
# Monthly statistics: HR (every section) and managers (their own); others 403.
_READERS = (LOGIN, 403, 200, 200, 403, 403)
EXPECTED = {
    "statistics.monthly": ("GET", "/statistics/monthly", _READERS),
    "statistics.monthly_xlsx": ("GET", "/statistics/monthly.xlsx", _READERS),
}
