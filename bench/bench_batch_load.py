"""Pages during a batch: the roster list's server time (GET /cadres/, test client, HR) on an
idle machine, then while a 200-form merged PDF is laid out in the background by a real
``flask worker`` with two processes, once with the workers at ``PDF_WORKER_NICE`` 10 (the
default) and once at normal priority (0). The batch keeps both cores busy; niced workers
leave the web process the CPU when it asks for it, without slowing the batch on an
otherwise idle machine.

    .venv/bin/python bench/bench_batch_load.py [--cadres 2000] [--forms 200]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from bench_batch import TODAY, make_cadres
from common import HR_PASSWORD, bench_app, describe, insert_cadres, run_job, start_worker, timed

from cadre_app.services.records import batch as batch_export


def during_batch(app, client, ids: list[int], nice: int) -> tuple[list[float], float]:
    """Page times (ms) while the batch runs, and the batch's own seconds."""
    worker = start_worker(app, workers=2, nice=nice)
    took: dict[str, float] = {}

    def batch() -> None:
        took["seconds"], _job = run_job(app, ids, batch_export.Output.PDF, today=TODAY)

    try:
        thread = threading.Thread(target=batch)
        thread.start()
        time.sleep(1.0)  # into the layout
        samples = []
        while thread.is_alive():
            start = time.perf_counter()
            response = client.get("/cadres/")
            assert response.status_code == 200, response.status_code
            samples.append((time.perf_counter() - start) * 1000)
            time.sleep(0.1)  # a user clicking, not a load test
        thread.join()
    finally:
        worker.terminate()
        worker.wait(30)
    return samples, took["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cadres", type=int, default=2000)
    parser.add_argument("--forms", type=int, default=200)
    args = parser.parse_args()
    app = bench_app("bench-batch-load-")
    with app.app_context():
        insert_cadres(args.cadres, 20)
        ids = make_cadres(args.forms)
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})

    def get() -> None:
        assert client.get("/cadres/").status_code == 200

    print(f"roster list of {args.cadres + args.forms} cadres; batch of {args.forms} merged forms")
    print(describe("idle machine", timed(get, 30)))
    for nice in (10, 0):
        samples, seconds = during_batch(app, client, ids, nice)
        label = f"during the batch, workers at nice {nice}"
        print(describe(label, samples) + f"   ({len(samples)} requests; batch {seconds:.1f} s)")
        print(f"  {'':<40} max    {max(samples):8.1f} ms   mean {statistics.mean(samples):6.1f} ms")


if __name__ == "__main__":
    main()
