"""cProfile of the app side of bench_pages.py: the pages' requests through the test client,
to see where the time beside the bare page goes.

    .venv/bin/python bench/profile_pages.py [--page ranking|roster|profile] [--n 200]
        [--sort tottime] [--limit 40] [--anew]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from bench_pages import YEAR, bare_app, populate
from common import HR_PASSWORD, bench_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--page", default="profile", choices=("ranking", "roster", "profile"))
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--bare", action="store_true", help="profile the bare twin instead")
    parser.add_argument("--callers", default="", help="print the callers of this function")
    parser.add_argument("--anew", action="store_true", help="KEEP_PAGES off: render each time")
    args = parser.parse_args()
    app = bench_app("bench-profile-")
    app.config["KEEP_PAGES"] = not args.anew
    section, cadre_id = populate(app, 2000, 10)
    urls = {
        "ranking": (f"/evaluations/{YEAR}/ranking?section={section}", f"/ranking/{section}"),
        "roster": ("/cadres/", "/roster"),
        "profile": (f"/cadres/{cadre_id}", f"/profile/{cadre_id}"),
    }
    if args.bare:
        client = bare_app(app.config["SQLALCHEMY_DATABASE_URI"]).test_client()
        url = urls[args.page][1]
    else:
        client = app.test_client()
        client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
        url = urls[args.page][0]
    for _ in range(5):
        assert client.get(url).status_code == 200
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(args.n):
        client.get(url)
    profiler.disable()
    print(
        f"{args.page}: {(time.perf_counter() - start) / args.n * 1000:.2f} ms a request (profiled)"
    )
    stats = pstats.Stats(profiler).sort_stats(args.sort)
    stats.print_stats(args.limit)
    if args.callers:
        stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
