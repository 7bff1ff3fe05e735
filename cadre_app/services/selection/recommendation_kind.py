"""民主推荐's kind of ballot (services.ballots.kinds): each ballot names up to the number of
places among the listed candidates. A placeholder until the recommendation part fills it in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadre_app.models import BallotBox


class RecommendationBallot:
    key = "recommendation"
    template = "selection/recommendation_form.html"

    def form_context(self, box: BallotBox) -> dict[str, Any]:
        return {}

    def read(
        self, box: BallotBox, form: Mapping[str, Any]
    ) -> tuple[dict[int, str], dict[str, str]]:
        return {}, {"": "not built yet"}


KIND = RecommendationBallot()
