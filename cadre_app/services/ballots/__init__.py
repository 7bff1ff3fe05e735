"""The ballot machinery (models.ballots): one-time codes, casting, and the kinds of ballot.

- codes.py: making codes, their printed form, their keyed hash;
- operations.py: boxes and groups, issuing and voiding codes, looking a code up, casting;
- kinds.py: what a kind of ballot brings (its form, how answers are read and checked, its
  tally); a new kind of vote (民主推荐) is a new kind, not a copy of the machinery.

Nothing here writes an audit event or a log line that holds a code, a code's hash or a
ballot's id (README, "Anonymity of ballots").
"""
