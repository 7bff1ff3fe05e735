"""Selection (选拔任用), models.selection: positions, eligibility explained in words, the
赛道相马 comparison. It reads the other domains only through their queries.

- rules.py: eligibility (pure): every rule with pass or fail and a sentence;
- eligibility.py: gathering each cadre's facts from the other domains, runs, the stored result;
- positions.py: positions and discipline records (create, edit);
- comparison.py: 2–6 candidates side by side, and its PDF.
"""
