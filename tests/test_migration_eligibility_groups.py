"""Migration 0015: the eligibility runs kept before it are rewritten to the grouped form
and read back the same; downgrade gives the per-cadre form back (nothing lost either way)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from cadre_app import create_app
from cadre_app.extensions import db
from cadre_app.models import EligibilityRun, Position
from cadre_app.services.selection import eligibility
from tests.conftest import base_config

OLD = {
    "7": {"eligible": True, "checks": []},
    "3": {"eligible": False, "checks": [0]},
    "12": {"eligible": False, "checks": [0, 1]},
    "5": {"eligible": False, "checks": [0]},
    "9": {"eligible": True, "checks": [2]},
}
RULES = {
    "checks": [
        ["rank", False, 0, {"rank": "一级科员", "min": "三级主任科员"}],
        ["age", False, 1, {"age": 41, "on": "2026-07-01", "max": 40}],
        ["other", None, 2, {"text": "熟悉预算业务"}],
    ],
    "messages": [
        "现任%(rank)s，需为%(min)s及以上",
        "%(on)s 时 %(age)s 周岁，需不超过 %(max)s 周岁",
        "其他条件：%(text)s，需人工核对",
    ],
}


def test_kept_runs_are_regrouped_and_read_back_alike(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade(revision="0014_selection")
        db.session.add(
            Position(id=1, title="预算科副科长", post_kind="职级", target_level="一级主任科员")
        )
        db.session.flush()
        db.session.add(
            EligibilityRun(id=1, position_id=1, on_date=date(2026, 7, 1), rules=RULES, results=OLD)
        )
        db.session.commit()

        upgrade()
        stored = db.session.get(EligibilityRun, 1)
        assert set(stored.results) == {"groups"}
        assert eligibility.eligible_ids(stored) == [7, 9]
        assert [eligibility.is_eligible(stored, i) for i in (3, 5, 7, 9, 12, 99)] == [
            False,
            False,
            True,
            True,
            False,
            None,
        ]
        assert [c.text for c in eligibility.checks_of(stored, 12)] == [
            "现任一级科员，需为三级主任科员及以上",
            "2026-07-01 时 41 周岁，需不超过 40 周岁",
        ]
        assert [c.passed for c in eligibility.checks_of(stored, 9)] == [None]
        # three cadres share (False, [0]): one group
        sizes = sorted(len(g["cadres"]) for g in stored.results["groups"])
        assert sizes == [1, 1, 1, 2]
        db.session.remove()

        downgrade(revision="0014_selection")
        kept = db.session.execute(sa.text("SELECT results FROM eligibility_run")).scalar_one()
        assert sa.JSON().result_processor(db.engine.dialect, None)(kept) == OLD
        db.session.remove()
        db.engine.dispose()
