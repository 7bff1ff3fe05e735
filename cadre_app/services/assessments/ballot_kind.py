"""The assessment's kind of ballot (services.ballots.kinds): its form on the ballot page
and how its answers are read. A placeholder until the ballot part fills it in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadre_app.models import BallotBox


class AssessmentBallot:
    key = "assessment"
    template = "assessments/ballot_form.html"

    def form_context(self, box: BallotBox) -> dict[str, Any]:
        return {}

    def read(self, box: BallotBox, form: Mapping[str, Any]) -> tuple[dict[int, str], list[str]]:
        return {}, ["not built yet"]


KIND = AssessmentBallot()
