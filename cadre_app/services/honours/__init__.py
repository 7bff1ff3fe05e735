"""The honour roll (光荣榜): rules.py (pure), operations.py (every write), queries.py (reads,
also for other domains: the profile, the selection comparison, the 奖惩情况 of the 干部任免审批表),
pdf.py (the poster's data) and demo.py."""
