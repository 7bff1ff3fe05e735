"""Where a page's time goes, without a profiler's distortion: the named functions wrapped
with a perf_counter accumulator, the page requested ``--n`` times through the test client.

    .venv/bin/python bench/timing_pages.py [--n 200] [--page profile] [--anew]
"""

from __future__ import annotations

import argparse
import functools
import importlib
import time
from collections import defaultdict

from bench_pages import YEAR, bare_app, populate
from common import HR_PASSWORD, bench_app

TOTALS: dict[str, float] = defaultdict(float)

WRAPPED = [
    ("flask.templating", "_render"),
    ("flask.app", "Flask.preprocess_request"),
    ("flask.app", "Flask.finalize_request"),
    ("flask.app", "Flask.dispatch_request"),
    ("flask.app", "Flask.full_dispatch_request"),
    ("flask.app", "Flask.wsgi_app"),
    ("flask.sessions", "SecureCookieSessionInterface.open_session"),
    ("flask.sessions", "SecureCookieSessionInterface.save_session"),
    ("cadre_app.services.accounts.operations", "load_session"),
    ("cadre_app.services.evaluations.queries", "ranking_rows"),
    ("cadre_app.services.evaluations.queries", "attention_cadres"),
    ("cadre_app.services.roster.queries", "list_cadres"),
    ("cadre_app.services.roster.operations", "profile"),
    ("cadre_app.permissions", "cadre_or_404"),
    ("cadre_app.permissions", "readable_cadre_or_404"),
    ("cadre_app.layout", "page_chrome"),
    ("cadre_app.layout", "kept_page"),
    ("cadre_app.services.core.settings", "value"),
    ("flask.app", "Flask.do_teardown_request"),
    ("cadre_app.services.evaluations.operations", "get_cycle"),
    ("cadre_app.services.core.charts", "bar_rows"),
    ("cadre_app.services.evaluations.queries", "distribution"),
    ("cadre_app.services.evaluations.queries", "quota_of"),
    ("cadre_app.services.evaluations.rules", "cycle_steps"),
    ("cadre_app.models.talks", "TalkState.labels"),
    ("flask.app", "Flask.do_teardown_appcontext"),
]


def wrap(module_name: str, qualname: str) -> None:
    module = importlib.import_module(module_name)
    owner, _, name = qualname.rpartition(".")
    target = getattr(module, owner) if owner else module
    original = getattr(target, name)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            TOTALS[qualname] += time.perf_counter() - start

    setattr(target, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--page", default=None)
    parser.add_argument("--anew", action="store_true", help="KEEP_PAGES off: render each time")
    args = parser.parse_args()
    app = bench_app("bench-timing-")
    app.config["KEEP_PAGES"] = not args.anew
    section, cadre_id = populate(app, 2000, 10)
    for module_name, qualname in WRAPPED:
        wrap(module_name, qualname)
    bare = bare_app(app.config["SQLALCHEMY_DATABASE_URI"]).test_client()
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
    pages = {
        "ranking": (f"/evaluations/{YEAR}/ranking?section={section}", f"/ranking/{section}"),
        "roster": ("/cadres/", "/roster"),
        "profile": (f"/cadres/{cadre_id}", f"/profile/{cadre_id}"),
    }
    for page, (url, bare_url) in pages.items():
        if args.page and page != args.page:
            continue
        for _ in range(5):
            client.get(url)
            bare.get(bare_url)
        for who, c, u in (("app", client, url), ("bare", bare, bare_url)):
            TOTALS.clear()
            start = time.perf_counter()
            for _ in range(args.n):
                c.get(u)
            elapsed = (time.perf_counter() - start) / args.n * 1000
            print(f"\n{page}, {who}: {elapsed:.2f} ms a request")
            for name, total in sorted(TOTALS.items(), key=lambda kv: -kv[1]):
                if name.startswith(("Flask.wsgi", "Flask.full")):
                    continue
                print(f"  {name:<55} {total / args.n * 1000:7.3f} ms")


if __name__ == "__main__":
    main()
