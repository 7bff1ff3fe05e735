"""What the demo organisation needs beyond the other domains' demo data to show the
reminders: the demo cadre's plan gets a milestone due next week (their "next milestone"),
and the day's run has made its notifications, so each demo login opens with unread ones
(the worker's daily run adds the next day's).

The other domains' demo data already produce: cadres behind on 学时, an overdue talk,
secondments ending soon and an appraisal overdue, overdue milestones (HR, the manager's
section, the demo cadre)."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from cadre_app.models import Cadre
from cadre_app.services.reminders import operations
from cadre_app.services.training import plans

ACTOR = "demo"
NEXT_MILESTONE = "提交季度学习心得"


def seed(own: Cadre, *, today: date) -> None:
    """A milestone seven days ahead on the demo cadre's plan in force (if any), then the
    day's notifications."""
    plan = plans.plan_for_profile(own.id, include_draft=False)
    if plan is not None:
        with contextlib.suppress(plans.AlreadyDone, plans.PlanError):
            plans.add_milestone(plan, NEXT_MILESTONE, today + timedelta(days=7), None, actor=ACTOR)
    operations.run(today, actor="seed-demo")
