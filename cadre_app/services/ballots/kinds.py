"""Kinds of ballot. The machinery (codes, the ballot page, casting once, anonymity) is the
same for every vote; what differs is the form a rater fills in, how its answers are read and
checked, and how ballots are tallied. A kind brings exactly that:

- ``key``: stored in ``BallotBox.kind``;
- ``template``: the form's part of the ballot page (``ballot/page.html`` includes it with
  ``form`` = ``form_context(box)``); plain HTML controls, no JavaScript;
- ``form_context(box)``: what the template shows (subjects, items, choices);
- ``read(box, form)``: the answers posted, as ``{subject: answers}`` (one ``BallotEntry``
  each, ``answers`` a text the kind alone reads), and the errors as ``{field: message}``
  (the form field the message belongs next to, or ``""`` for the whole ballot), each in the
  reader's language; nothing is cast while there is an error. The page shows the form again
  with what was posted (``values``) and the errors (``errors``), so no answer is lost;
- the tally is the owning domain's (services.assessments.tally reads the entries of its box
  through ``operations.entries_of``).

The political-quality assessment registers its kind ("assessment") in
services.assessments.ballot_kind; selection's 民主推荐 will register "recommendation".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from cadre_app.models import BallotBox


class BallotKind(Protocol):
    key: str
    template: str

    def form_context(self, box: BallotBox) -> dict[str, Any]: ...

    def read(
        self, box: BallotBox, form: Mapping[str, Any]
    ) -> tuple[dict[int, str], dict[str, str]]: ...


_KINDS: dict[str, BallotKind] = {}


def register(kind: BallotKind) -> None:
    """Make ``kind`` known (a domain's ``register(app)`` calls this; registering the same key
    again replaces it, so building several apps in one process is harmless)."""
    _KINDS[kind.key] = kind


def get(key: str) -> BallotKind:
    """The kind registered under ``key`` (KeyError when none is)."""
    return _KINDS[key]


def unregister(key: str) -> None:
    """Forget a kind (tests that register a kind of their own clean up with this)."""
    _KINDS.pop(key, None)
