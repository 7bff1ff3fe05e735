"""Reminders (提醒): the warnings list (HR's, a manager's for their sections, a cadre's own)
and the notifications it produces, in-app and by e-mail.

- rules.py: pure rules (each warning's boundary, who is told what, the settings);
- warnings.py: the warnings gathered from each domain's queries;
- operations.py: notifications (made once per person and warning), read marks, e-mail, the
  daily task;
- demo.py: what the demo organisation lacks to show every kind of warning.
"""
