"""The structure of the cadre pool (干部队伍结构): age and gender, education, ranks and leading
posts, party membership, young cadres by section and the five-year grade trend, for the
organisation or one section at a stated date (issue 15, points 3 and 4).

- rules.py: the figures as pure functions of plain rows (unit-tested on a hand-counted
  organisation, at the age boundaries);
- queries.py: the rows from the roster and evaluations (their queries and SQL conditions), in
  a few GROUP BY queries so 20,000 cadres stay fast;
- excel.py and pdf.py: the 干部队伍结构分析报告 as a workbook and as PDF data.
"""
