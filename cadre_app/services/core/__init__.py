"""What every domain shares: the audit chain, the PDF engine, workbook reading, the
working-day calendar and its yearly sync, ID numbers, charts, the task queue, the registry
of what each domain contributes, and the edit-conflict helper."""
