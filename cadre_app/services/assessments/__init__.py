"""Political-quality assessments (政治素质正反向测评), models.assessments, on the ballot
machinery of services.ballots.

- rules.py: states and their steps, the answers' encoding, the default checklist (pure);
- checklists.py: checklists and their versions;
- operations.py: assessments (create, edit in 草拟, open, close, archive);
- ballot_kind.py: the assessment's kind of ballot (its form on the ballot page);
- tally.py: the tally (pure): per subject, aspect, item and group, weighted, small groups
  folded; results.py: results, conclusions, the 政治素质档案 and the talks a result opens;
- demo.py: the demo's assessments.
"""
