"""The tally of a political-quality assessment (pure: plain data in, plain data out, no
database, no Flask).

What goes in (``Setup``): the checklist's positive items (each under an aspect) and negative
items (each in a category), the points of each rating (好/较好/一般/差), the rater groups
(id, name, weight, position), the minimum of ballots a group needs to be shown apart, and the
share of ballots at which a ticked negative item opens a 提醒谈话. Then the entries: one
``(group_id, subject, answers)`` per ballot and subject, ``answers`` in the text of
``rules.encode``.

What comes out, per subject (``SubjectTally``):

- turnout: ballots per rater group (counts are never folded);
- ``whole``: the figures of all the subject's ballots, and ``buckets``: the same figures per
  *bucket* (a rater group, or several folded together, see below). For the whole and each
  bucket (``Figures``): per positive item the count of each rating and the item's score; per
  aspect its score; the positive score; the share of 好+较好; per negative item the ticks and
  their share; the counts of the overall judgement;
- ``weighted_score``: the positive score weighted over the buckets;
- ``flagged``: the negative items ticked by at least the threshold's share of the ballots.

Scores. A rating earns its points (the checklist's: 好 100, 较好 80, 一般 60, 差 0 by
default). An item's score is the mean of its points over the ballots; an aspect's is the mean
of its items' scores; the positive score is the mean of all positive items' scores (every
answer counts the same); the share of 好+较好 counts the ratings 好 and 较好 among all
positive answers. A negative item's share is its ticks over the ballots.

Weighted score = Σ (bucket weight × bucket's positive score) / Σ (weights of the buckets),
over the buckets (each has ballots); a bucket's weight is the sum of its groups' weights. A
weight of 0 leaves a bucket out; no weight at all gives no weighted score.

Folding (DOMAIN.md: a group's figures are shown only with at least ``min_ballots`` ballots,
else folded into the whole). The buckets are built so that no figure shown can be subtracted
from another to reveal a small group:

1. a group with at least ``min_ballots`` ballots is a bucket of its own;
2. the groups with fewer (but some) ballots are pooled into one bucket ("其他");
3. if that pool itself has fewer than ``min_ballots`` ballots, it joins the shown group with
   the fewest ballots (the first in the groups' order on a tie), labelled "同事及其他";
4. if the subject has fewer than ``min_ballots`` ballots in all, nothing is shown but the
   count: no figures, no buckets, no weighted score and no flagged items (a 提醒谈话 opened
   then would tell how one or two raters voted).

Every bucket thus has at least ``min_ballots`` ballots, the buckets split the whole, and any
difference of shown figures is a union of buckets. The talk trigger compares exactly
(``fractions.Fraction``): ticks / ballots ≥ threshold, so 1 tick of 3 ballots at "1/3" opens
a talk and 1 of 4 does not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from cadre_app.models.assessments import ASPECTS, RATINGS

#: Index of 好 and 较好 in RATINGS (the "good" ratings whose share is reported).
GOOD = (0, 1)


@dataclass(frozen=True)
class Item:
    """A checklist item: its aspect (positive) or category (negative), and its text."""

    category: str
    text: str


@dataclass(frozen=True)
class Group:
    """A rater group: its id (``BallotGroup.id``), name, relative weight and order."""

    id: int
    name: str
    weight: int
    position: int = 0


@dataclass(frozen=True)
class Setup:
    """Everything a tally needs besides the ballots."""

    positive: Sequence[Item]
    negative: Sequence[Item]
    points: Mapping[str, float]  # rating (好/较好/一般/差) -> points
    groups: Sequence[Group]
    min_ballots: int = 3
    threshold: Fraction = Fraction(1, 3)


@dataclass
class Figures:
    """The figures of a set of ballots (the whole, or one bucket)."""

    ballots: int
    #: Per positive item, the count of each rating in RATINGS' order.
    ratings: list[list[int]]
    #: Per positive item, its score (mean points).
    item_scores: list[float]
    #: Per aspect (ASPECTS order, only aspects with items): [aspect, score].
    aspect_scores: list[list[Any]]
    positive_score: float
    good_share: float  # share of 好+较好 among all positive answers
    ticks: list[int]  # per negative item
    tick_shares: list[float]  # per negative item: ticks / ballots
    overall: list[int]  # counts of the overall judgement per rating


@dataclass
class Bucket:
    """Figures shown apart: one rater group, or several folded together.

    ``kind``: "group" (one group), "pool" (the small groups pooled, rule 2) or "joined"
    (a shown group with the small groups joined to it, rule 3). ``groups``: the names of
    the groups inside, the first one the shown group of a "joined" bucket."""

    kind: str
    groups: list[str]
    weight: int
    figures: Figures


@dataclass
class Flag:
    """A negative item ticked by at least the threshold's share of the ballots."""

    index: int
    category: str
    text: str
    ticks: int
    ballots: int
    share: float


@dataclass
class SubjectTally:
    subject: int
    ballots: int
    #: [group name, ballots] for every group, in the groups' order.
    turnout: list[list[Any]]
    #: False when the subject has fewer ballots than the minimum: only ``ballots`` is shown.
    shown: bool
    whole: Figures | None = None
    buckets: list[Bucket] = field(default_factory=list)
    weighted_score: float | None = None
    flagged: list[Flag] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (``AssessmentSubject.result``, PDFs, workbooks)."""
        return asdict(self)


# --- counting ------------------------------------------------------------------------------


@dataclass
class _Counts:
    """Additive counts of a set of ballots (a group's; buckets and the whole add them)."""

    ballots: int
    ratings: list[list[int]]
    ticks: list[int]
    overall: list[int]

    @classmethod
    def empty(cls, n_positive: int, n_negative: int) -> _Counts:
        return cls(
            0,
            [[0] * len(RATINGS) for _ in range(n_positive)],
            [0] * n_negative,
            [0] * len(RATINGS),
        )

    def add(self, other: _Counts) -> None:
        self.ballots += other.ballots
        for mine, theirs in zip(self.ratings, other.ratings, strict=True):
            for r, n in enumerate(theirs):
                mine[r] += n
        for i, n in enumerate(other.ticks):
            self.ticks[i] += n
        for r, n in enumerate(other.overall):
            self.overall[r] += n


#: The characters of the answers' text (rules.encode): ratings "1"-"4" (好..差), ticks "1".
_RATING_CHARS = tuple(str(r + 1) for r in range(len(RATINGS)))


def _count(texts: list[str], n_positive: int, n_negative: int) -> _Counts:
    """Counts of answers in the text of ``rules.encode`` ("<ratings>|<ticks>|<overall>"),
    read by columns with ``str.count`` (C speed: decoding 15,000 texts into
    ``rules.Answers`` first cost three times as much). An answer that does not fit the
    checklist raises ValueError."""
    parts = [text.split("|") for text in texts]
    if any(len(p) != 3 or len(p[0]) != n_positive or len(p[1]) != n_negative for p in parts):
        raise ValueError("a ballot's answers do not fit the checklist")
    n = len(parts)
    ratings = [
        [column.count(c) for c in _RATING_CHARS]
        for column in map("".join, zip(*(p[0] for p in parts), strict=True))
    ]
    tick_columns = list(map("".join, zip(*(p[1] for p in parts), strict=True)))
    ticks = [column.count("1") for column in tick_columns]
    if any(column.count("0") + t != n for column, t in zip(tick_columns, ticks, strict=True)):
        raise ValueError("a ballot's answers do not fit the checklist")
    overall_text = "".join(p[2] for p in parts)
    overall = [overall_text.count(c) for c in _RATING_CHARS]
    if len(overall_text) != n or sum(overall) != n or any(sum(row) != n for row in ratings):
        raise ValueError("a ballot's answers do not fit the checklist")
    if n_positive == 0:
        ratings = []
    if n_negative == 0:
        ticks = []
    return _Counts(n, ratings, ticks, overall)


def _figures(counts: _Counts, setup: Setup) -> Figures:
    n = counts.ballots
    points = [float(setup.points.get(r, 0)) for r in RATINGS]
    item_scores = [
        sum(c * p for c, p in zip(row, points, strict=True)) / n if n else 0.0
        for row in counts.ratings
    ]
    by_aspect: dict[str, list[float]] = defaultdict(list)
    for item, score in zip(setup.positive, item_scores, strict=True):
        by_aspect[item.category].append(score)
    order = [a for a in ASPECTS if a in by_aspect] + [a for a in by_aspect if a not in ASPECTS]
    aspect_scores = [[a, sum(by_aspect[a]) / len(by_aspect[a])] for a in order]
    answers = n * len(counts.ratings)
    good = sum(row[g] for row in counts.ratings for g in GOOD)
    return Figures(
        ballots=n,
        ratings=[list(row) for row in counts.ratings],
        item_scores=item_scores,
        aspect_scores=aspect_scores,
        positive_score=sum(item_scores) / len(item_scores) if item_scores else 0.0,
        good_share=good / answers if answers else 0.0,
        ticks=list(counts.ticks),
        tick_shares=[t / n if n else 0.0 for t in counts.ticks],
        overall=list(counts.overall),
    )


# --- folding -------------------------------------------------------------------------------


def fold(turnout: Sequence[tuple[Group, int]], min_ballots: int) -> list[tuple[str, list[Group]]]:
    """The buckets of a subject's groups (the module's folding rules 1-3) as ``(kind,
    groups)``, in the groups' order. ``turnout``: each group with its ballots. Empty when
    the total is under ``min_ballots`` (rule 4)."""
    total = sum(n for _g, n in turnout)
    if total < min_ballots or total == 0:
        return []
    ordered = sorted(turnout, key=lambda gn: (gn[0].position, gn[0].id))
    shown = [(g, n) for g, n in ordered if n >= min_ballots]
    small = [g for g, n in ordered if 0 < n < min_ballots]
    pooled = sum(n for _g, n in ordered if 0 < n < min_ballots)
    buckets: list[tuple[str, list[Group]]] = [("group", [g]) for g, _n in shown]
    if not small:
        return buckets
    if pooled >= min_ballots or not shown:
        # a pool of its own (with no shown group, the total >= min is the pool itself)
        buckets.append(("pool", small))
        return sorted(buckets, key=lambda b: (b[1][0].position, b[1][0].id))
    smallest = min(range(len(shown)), key=lambda i: (shown[i][1], i))
    buckets[smallest] = ("joined", [shown[smallest][0], *small])
    return buckets


# --- the tally -----------------------------------------------------------------------------


def tally(
    setup: Setup,
    entries: Iterable[tuple[int, int, str]],
    *,
    subjects: Iterable[int] | None = None,
) -> dict[int, SubjectTally]:
    """The figures of every subject with entries (and of each of ``subjects``, with none),
    keyed by subject. ``entries``: ``(group_id, subject, answers text)``; only the entries
    of ``subjects`` are read when given. An entry whose answers do not fit the checklist or
    whose group is unknown raises ValueError."""
    wanted = set(subjects) if subjects is not None else None
    by_key: dict[tuple[int, int], list[str]] = defaultdict(list)
    groups = {g.id: g for g in setup.groups}
    for group_id, subject, text in entries:
        if wanted is not None and subject not in wanted:
            continue
        if group_id not in groups:
            raise ValueError(f"an entry of an unknown rater group {group_id}")
        by_key[(subject, group_id)].append(text)
    n_pos, n_neg = len(setup.positive), len(setup.negative)
    counted: dict[int, dict[int, _Counts]] = defaultdict(dict)
    for (subject, group_id), answers in by_key.items():
        counted[subject][group_id] = _count(answers, n_pos, n_neg)
    for subject in wanted or ():
        counted.setdefault(subject, {})
    return {subject: _subject(subject, per_group, setup) for subject, per_group in counted.items()}


def _subject(subject: int, per_group: Mapping[int, _Counts], setup: Setup) -> SubjectTally:
    n_pos, n_neg = len(setup.positive), len(setup.negative)
    ordered = sorted(setup.groups, key=lambda g: (g.position, g.id))
    turnout = [(g, per_group[g.id].ballots if g.id in per_group else 0) for g in ordered]
    total = sum(n for _g, n in turnout)
    result = SubjectTally(
        subject=subject,
        ballots=total,
        turnout=[[g.name, n] for g, n in turnout],
        shown=total >= setup.min_ballots and total > 0,
    )
    if not result.shown:
        return result
    whole = _Counts.empty(n_pos, n_neg)
    for counts in per_group.values():
        whole.add(counts)
    result.whole = _figures(whole, setup)
    for kind, members in fold(turnout, setup.min_ballots):
        counts = _Counts.empty(n_pos, n_neg)
        for g in members:
            if g.id in per_group:
                counts.add(per_group[g.id])
        result.buckets.append(
            Bucket(
                kind=kind,
                groups=[g.name for g in members],
                weight=sum(g.weight for g in members),
                figures=_figures(counts, setup),
            )
        )
    result.weighted_score = weighted([(b.weight, b.figures.positive_score) for b in result.buckets])
    result.flagged = flagged(setup, whole.ticks, total)
    return result


def weighted(pairs: Sequence[tuple[int, float]]) -> float | None:
    """Σ weight × score / Σ weight over ``(weight, score)``; None when no weight is given."""
    total = sum(w for w, _s in pairs if w > 0)
    if not total:
        return None
    return sum(w * s for w, s in pairs if w > 0) / total


def reaches(ticks: int, ballots: int, threshold: Fraction) -> bool:
    """Whether ``ticks`` of ``ballots`` reach the threshold (exactly: 1 of 3 reaches 1/3)."""
    return ballots > 0 and ticks > 0 and Fraction(ticks, ballots) >= threshold


def flagged(setup: Setup, ticks: Sequence[int], ballots: int) -> list[Flag]:
    """The negative items whose ticks reach the threshold."""
    return [
        Flag(i, item.category, item.text, t, ballots, t / ballots)
        for i, (item, t) in enumerate(zip(setup.negative, ticks, strict=True))
        if reaches(t, ballots, setup.threshold)
    ]


def parse_threshold(text: str) -> Fraction:
    """``Assessment.talk_threshold`` ("1/3", "0.3", "30%") as a fraction in (0, 1]; raises
    ValueError otherwise."""
    raw = (text or "").strip()
    value = Fraction(raw[:-1]) / 100 if raw.endswith("%") else Fraction(raw)
    if not 0 < value <= 1:
        raise ValueError(f"threshold out of range: {text!r}")
    return value
