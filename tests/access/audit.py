from tests.access import LOGIN

# The audit log is the auditor's alone (三员分立): every other role gets 403.
EXPECTED = {
    "audit.index": ("GET", "/audit/", (LOGIN, 403, 403, 403, 403, 200)),
    "audit.export_xlsx": ("GET", "/audit/export.xlsx", (LOGIN, 403, 403, 403, 403, 200)),
}
