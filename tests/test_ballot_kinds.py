"""A general ballot machinery (issue 13, point 8): a new kind of vote is a new kind object, a
form template and a tally, nothing copied. Shown with a test-only 民主推荐 kind (choose up to
N of the listed candidates) registered here, cast through the same codes and the same page,
and tallied from ``operations.entries_of``. And the assessment kind's reading of a form,
as a pure function."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from jinja2 import ChoiceLoader, DictLoader

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Ballot, BallotBox
from cadre_app.services.assessments import ballot_kind, rules
from cadre_app.services.ballots import kinds, operations

CANDIDATES = {1: "张明", 2: "李华", 3: "王强", 4: "赵敏"}
FORM = """
<p data-testid="choose-up-to">最多推荐 {{ form.most }} 人</p>
{% for id, name in form.candidates.items() %}
<label><input type="checkbox" name="c" value="{{ id }}"
  {%- if id|string in values.getlist('c') %} checked{% endif %}> {{ name }}</label>
{% endfor %}
{% if errors.get('c') %}<div data-testid="error-c">{{ errors['c'] }}</div>{% endif %}
"""


class Recommendation:
    """民主推荐: tick at most ``most`` candidates. One entry per ballot (subject 0): the ids."""

    key = "test-recommendation"
    template = "test/recommendation.html"
    most = 2

    def form_context(self, box: BallotBox) -> dict[str, Any]:
        return {"candidates": CANDIDATES, "most": self.most}

    def read(
        self, box: BallotBox, form: Mapping[str, Any]
    ) -> tuple[dict[int, str], dict[str, str]]:
        chosen = sorted({int(v) for v in form.getlist("c") if v.isdigit() and int(v) in CANDIDATES})
        if len(chosen) > self.most:
            return {}, {"c": f"最多推荐 {self.most} 人"}
        return {0: ",".join(map(str, chosen))}, {}


def tally(entries: list[tuple[int, int, str]]) -> Counter[str]:
    """Votes per candidate's name."""
    return Counter(
        CANDIDATES[int(i)] for _group, _subject, answers in entries for i in answers.split(",") if i
    )


@pytest.fixture
def recommendation(app):
    kind = Recommendation()
    kinds.register(kind)
    loader = app.jinja_loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({kind.template: FORM}), loader])
    yield kind
    app.jinja_env.loader = loader
    kinds.unregister(kind.key)


def test_a_new_kind_of_ballot_is_cast_through_the_same_page(app, client, recommendation):
    with app.test_request_context():
        now = utcnow()
        box = operations.create_box(
            recommendation.key, "副处长民主推荐", now - timedelta(hours=1), now + timedelta(days=1)
        )
        operations.set_groups(box, [operations.GroupSpec("全体干部", 100, 5)])
        operations.open_box(box)
        plain = operations.issue_codes(box.groups[0], 3, actor="hr")
        db.session.commit()
        box_id = box.id
    page = client.get(f"/ballot/{plain[0]}").get_data(as_text=True)
    assert "副处长民主推荐" in page and "最多推荐 2 人" in page and "赵敏" in page
    too_many = client.post(f"/ballot/{plain[0]}", data={"c": ["1", "2", "3"]})
    assert too_many.status_code == 400
    html = too_many.get_data(as_text=True)
    assert "最多推荐 2 人" in html and 'data-testid="error-c"' in html
    assert html.count(" checked") == 3  # what was ticked is kept
    assert client.post(f"/ballot/{plain[0]}", data={"c": ["1", "2"]}).status_code == 303
    assert client.post(f"/ballot/{plain[1]}", data={"c": ["2"]}).status_code == 303
    assert client.post(f"/ballot/{plain[2]}", data={}).status_code == 303  # an empty ballot
    assert client.post(f"/ballot/{plain[0]}", data={"c": ["4"]}).status_code == 404  # used
    with app.test_request_context():
        box = db.session.get(BallotBox, box_id)
        assert tally(operations.entries_of(box)) == {"李华": 2, "张明": 1}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 3
        assert operations.turnout(box) == {box.groups[0].id: 3}


SHAPE = ballot_kind.Shape(subjects=[7, 9], n_positive=3, n_negative=2)


def _complete(**changes: str) -> dict[str, str]:
    form = {f"p-{s}-{n}": "1" for s in SHAPE.subjects for n in range(3)}
    form |= {f"o-{s}": "2" for s in SHAPE.subjects}
    return form | changes


def test_the_assessment_kind_reads_a_complete_form():
    entries, errors = ballot_kind.read_answers(SHAPE, _complete(**{"p-9-2": "4", "n-9-1": "1"}))
    assert errors == {}
    assert entries == {7: "111|00|2", 9: "114|01|2"}
    assert rules.decode(entries[9]) == rules.Answers((0, 0, 3), (False, True), 1)


def test_the_assessment_kind_names_each_missing_or_impossible_answer():
    form = _complete(**{"p-7-1": "5", "n-7-0": "1"})
    del form["p-9-0"], form["o-9"]
    entries, errors = ballot_kind.read_answers(SHAPE, form)
    assert entries == {}  # nothing is cast while anything is missing
    assert set(errors) == {"p-7-1", "p-9-0", "o-9"}
    assert errors["o-9"] == "请选择总体评价。" and errors["p-9-0"] == "请选择一项评价。"
