"""What every domain shares: the task queue (and, as the layout grows, audit, PDF engine,
workbook reading, the working-day calendar)."""
