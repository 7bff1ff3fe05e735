"""Signing in with a password only vs with password and TOTP code (issue 16, point 10),
through the Flask test client, the two alternated in one run so they share the machine's
state. Target: the whole sign-in with the code within 1.1 x the password-only sign-in.

What a browser does, timed:
- password only: POST /auth/login (302 to the dashboard);
- with a code: POST /auth/login (302 to /auth/code), GET /auth/code, POST /auth/code (302).
Each sign-in uses a fresh client; the code is the app's current one, and the account's last
used time step is cleared between sign-ins outside the timing (a code is accepted once).

    .venv/bin/python bench/bench_login.py [--repeat 30]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/DB .venv/bin/python bench/bench_login.py
"""

from __future__ import annotations

import argparse
import statistics
import time

import pyotp
import sqlalchemy as sa
from common import HR_PASSWORD, bench_app, describe, insert_cadres

from cadre_app.extensions import db
from cadre_app.models import Role, User
from cadre_app.services.accounts import two_factor
from cadre_app.services.accounts.operations import hash_password


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    app = bench_app("bench-login-")
    with app.app_context():
        insert_cadres(2000, 20)  # makes the account "hr" (password only)
        user = User(username="hr2fa", role=Role.HR, password_hash=hash_password(HR_PASSWORD))
        db.session.add(user)
        db.session.flush()
        secret = two_factor.begin_enrolment(user)
        two_factor.confirm_enrolment(user, pyotp.TOTP(secret).now())
        db.session.commit()
        user_id = user.id
        backend = db.engine.dialect.name
    totp = pyotp.TOTP(secret)

    def clear_last_step() -> None:
        with app.app_context():
            db.session.execute(
                sa.update(User).where(User.id == user_id).values(totp_last_step=None)
            )
            db.session.commit()

    samples: dict[str, list[float]] = {
        "password only: POST /auth/login": [],
        "with code: POST /auth/login": [],
        "with code: GET /auth/code": [],
        "with code: POST /auth/code": [],
        "password only, whole sign-in": [],
        "with code, whole sign-in": [],
    }

    def ms(start: float) -> float:
        return (time.perf_counter() - start) * 1000

    for i in range(args.repeat + 1):  # the first round warms up and is not counted
        client = app.test_client()
        start = time.perf_counter()
        response = client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
        plain = ms(start)
        assert response.status_code == 302 and response.headers["Location"] == "/"

        clear_last_step()
        client = app.test_client()
        start = time.perf_counter()
        response = client.post("/auth/login", data={"username": "hr2fa", "password": HR_PASSWORD})
        step1 = ms(start)
        assert response.headers["Location"] == "/auth/code", response.status_code
        start = time.perf_counter()
        assert client.get("/auth/code").status_code == 200
        step2 = ms(start)
        start = time.perf_counter()
        response = client.post("/auth/code", data={"code": totp.now()})
        step3 = ms(start)
        assert response.status_code == 302 and response.headers["Location"] == "/"
        if i == 0:
            continue
        samples["password only: POST /auth/login"].append(plain)
        samples["with code: POST /auth/login"].append(step1)
        samples["with code: GET /auth/code"].append(step2)
        samples["with code: POST /auth/code"].append(step3)
        samples["password only, whole sign-in"].append(plain)
        samples["with code, whole sign-in"].append(step1 + step2 + step3)

    print(f"sign-in, {args.repeat} each, alternated, {backend}")
    for label, values in samples.items():
        print(describe(label, values))
    ratio = statistics.median(samples["with code, whole sign-in"]) / statistics.median(
        samples["password only, whole sign-in"]
    )
    print(f"  whole sign-in with code / password only: {ratio:.2f} x (target <= 1.10)")


if __name__ == "__main__":
    main()
