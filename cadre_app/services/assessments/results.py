"""Results, conclusions, the 政治素质档案, and the talks a result opens (filled in by the
results part). ``on_close`` is called by services.assessments.operations when an assessment
closes (by HR or when its window ends)."""

from __future__ import annotations

from datetime import date

from cadre_app.models import Assessment


def on_close(assessment: Assessment, *, actor: str | None, today: date) -> None:
    """What closing an assessment sets off (the results part: the 提醒谈话 that negative items
    at or above the threshold open). Runs inside the closing transaction."""
