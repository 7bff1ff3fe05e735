"""Training (教育培训): courses, 学时 ledger, 业务微讲座, 策论, programme and development plans."""
