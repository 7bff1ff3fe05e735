"""Two-factor sign-in (issue 16, point 10): enrolment with a QR code, the code after the
password, no replay, recovery codes once, lockout by wrong codes, the admin's audited reset,
required roles forced to enrol, optional for managers and cadres.

The suite's configuration makes the second factor optional for every role (conftest); the
``required`` fixture switches on the production rule (admin, HR, auditor).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from cadre_app.config import Config
from cadre_app.extensions import db
from cadre_app.models import AuditEvent, RecoveryCode, Role, User, UserSession
from cadre_app.services.accounts import two_factor
from tests.conftest import login


@pytest.fixture
def required(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The production rule: admin, HR and auditor must enrol."""
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_ROLES", list(Config.TOTP_REQUIRED_ROLES))


def _user(app: Flask, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        assert user is not None
        db.session.expunge(user)
        return user


def _secret(app: Flask, username: str) -> str:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        secret = two_factor.totp_secret(user)
        assert secret
        return secret


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset_steps * 30)


def _enrol(app: Flask, client: FlaskClient, username: str) -> tuple[str, list[str]]:
    """Enrol through the pages; returns the secret and the recovery codes shown."""
    page = client.get("/auth/two-factor")
    assert page.status_code == 200
    secret = _secret(app, username)
    response = client.post("/auth/two-factor", data={"code": _code(secret)})
    assert response.status_code == 200, response.get_data(as_text=True)
    codes = re.findall(r"<li>([a-z2-7]{5}-[a-z2-7]{5})</li>", response.get_data(as_text=True))
    return secret, codes


def _enrolled(
    app: Flask, make_user: Callable[..., User], username: str, role: Role
) -> tuple[str, list[str]]:
    """An account with the second factor on (enrolled through the pages, then signed out)."""
    make_user(username, role)
    client = app.test_client()
    assert login(client, username).status_code == 302
    secret, codes = _enrol(app, client, username)
    # the enrolment used the current step; wait for no step in the tests: the last step is
    # reset so that the test's own codes of the current step pass
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.username == username).values(totp_last_step=None)
        )
        db.session.commit()
    return secret, codes


def _password_step(client: FlaskClient, username: str, **extra: str) -> Any:
    response = login(client, username, **extra)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/code"
    return response


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


# --- enrolment ----------------------------------------------------------------------------------


def test_enrolment_shows_an_svg_qr_code_and_the_secret_and_needs_a_code(app, make_user):
    make_user("mgr", Role.MANAGER)
    client = app.test_client()
    login(client, "mgr")
    page = client.get("/auth/two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)  # no inline script
    secret = _secret(app, "mgr")
    assert f'data-secret="{secret}"' in html
    assert "otpauth" not in html  # the URI is only inside the QR code
    # a reload shows the same secret (the app may already hold it)
    client.get("/auth/two-factor")
    assert _secret(app, "mgr") == secret
    wrong = client.post("/auth/two-factor", data={"code": "000000"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.get_data(as_text=True)
    assert not _user(app, "mgr").has_two_factor
    ok = client.post("/auth/two-factor", data={"code": _code(secret)})
    assert ok.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{5}-[a-z2-7]{5})</li>", ok.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _user(app, "mgr").has_two_factor
    with app.app_context():
        stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10
        assert not any(code.replace("-", "") in h for code in codes for h in stored)
    # shown once: the page now only says how many are left
    again = client.get("/auth/two-factor").get_data(as_text=True)
    assert "10 个" in again and codes[0] not in again


def test_the_qr_code_fits_the_content_security_policy(app, make_user):
    make_user("cad", Role.MANAGER)
    client = app.test_client()
    login(client, "cad")
    page = client.get("/auth/two-factor")
    csp = page.headers["Content-Security-Policy"]
    assert "img-src 'self' data:" in csp and "script-src 'self'" in csp
    html = page.get_data(as_text=True)
    assert " style=" not in html and "onload" not in html


# --- signing in with the code ------------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password(app, make_user):
    secret, _codes = _enrolled(app, make_user, "hr2", Role.HR)
    client = app.test_client()
    _password_step(client, "hr2")
    # not signed in until the code passes
    assert client.get("/").status_code == 302
    assert client.get("/cadres/").status_code == 302
    page = client.get("/auth/code")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    ok = client.post("/auth/code", data={"code": _code(secret)})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert _signed_in(client)
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "login").order_by(AuditEvent.id)
        ).all()[-1]
        assert event.summary == "两步验证"


def test_next_is_kept_through_the_code_step(app, make_user):
    secret, _codes = _enrolled(app, make_user, "hr3", Role.HR)
    client = app.test_client()
    _password_step(client, "hr3", next="/talks/")
    ok = client.post("/auth/code", data={"code": _code(secret)})
    assert ok.headers["Location"] == "/talks/"


def test_the_code_page_without_a_password_step_goes_back_to_login(app, client):
    response = client.get("/auth/code")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    response = client.post("/auth/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"


def test_the_code_step_runs_out(app, make_user, monkeypatch):
    secret, _codes = _enrolled(app, make_user, "hr4", Role.HR)
    client = app.test_client()
    _password_step(client, "hr4")
    monkeypatch.setitem(app.config, "TOTP_PENDING_SECONDS", 0)
    time.sleep(1.1)
    response = client.post("/auth/code", data={"code": _code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert not _signed_in(client)


def test_a_wrong_code_is_refused_and_audited(app, make_user):
    secret, _codes = _enrolled(app, make_user, "aud2", Role.AUDITOR)
    client = app.test_client()
    _password_step(client, "aud2")
    wrong = f"{(int(_code(secret)) + 1) % 1_000_000:06d}"
    response = client.post("/auth/code", data={"code": wrong})
    assert response.status_code == 401 and "验证码错误" in response.get_data(as_text=True)
    assert not _signed_in(client)
    user = _user(app, "aud2")
    assert user.failed_logins == 1
    with app.app_context():
        failed = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "login_failed")
        ).all()
        assert [e.summary for e in failed] == ["验证码错误"]
        assert failed[0].object_id == str(user.id) or failed[0].object_id == user.id


def test_a_code_cannot_be_replayed_in_its_window(app, make_user):
    secret, _codes = _enrolled(app, make_user, "hr5", Role.HR)
    code = _code(secret)
    first = app.test_client()
    _password_step(first, "hr5")
    assert first.post("/auth/code", data={"code": code}).status_code == 302
    second = app.test_client()
    _password_step(second, "hr5")
    replay = second.post("/auth/code", data={"code": code})
    assert replay.status_code == 401 and not _signed_in(second)
    # nor the code of the step before it (within the drift allowed)
    assert second.post("/auth/code", data={"code": _code(secret, -1)}).status_code == 401


def test_the_step_rule_on_plain_values(app_ctx):
    secret = pyotp.random_base32()
    now = 1_800_000_000.0
    step = int(now // 30)
    code = pyotp.TOTP(secret).at(now)
    assert two_factor._matching_step(secret, code, now=now, after=None) == step
    assert two_factor._matching_step(secret, code, now=now, after=step) is None
    # a code of 30 s ago and 30 s ahead pass (a phone's clock a little off), 90 s ago not
    assert two_factor._matching_step(secret, pyotp.TOTP(secret).at(now - 30), now=now, after=None)
    assert two_factor._matching_step(secret, pyotp.TOTP(secret).at(now + 30), now=now, after=None)
    assert (
        two_factor._matching_step(secret, pyotp.TOTP(secret).at(now - 90), now=now, after=None)
        is None
    )
    assert two_factor._matching_step(secret, "12345", now=now, after=None) is None


def test_a_recovery_code_signs_in_once(app, make_user):
    _secret_, codes = _enrolled(app, make_user, "adm2", Role.ADMIN)
    client = app.test_client()
    _password_step(client, "adm2")
    typed = codes[3].upper().replace("-", " ")  # as read out: case and separator do not matter
    assert client.post("/auth/code", data={"code": typed}).status_code == 302
    assert _signed_in(client)
    other = app.test_client()
    _password_step(other, "adm2")
    assert other.post("/auth/code", data={"code": codes[3]}).status_code == 401
    assert not _signed_in(other)
    with app.app_context():
        used = db.session.scalars(
            sa.select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
        ).all()
        assert len(used) == 1


def test_wrong_codes_lock_the_account_like_wrong_passwords(app, make_user):
    secret, _codes = _enrolled(app, make_user, "hr6", Role.HR)
    max_failures = app.config["LOGIN_MAX_FAILURES"]
    client = app.test_client()
    wrong = f"{(int(_code(secret)) + 500_000) % 1_000_000:06d}"
    for attempt in range(max_failures):
        # the right password between guesses does not clear the counter
        _password_step(client, "hr6")
        response = client.post("/auth/code", data={"code": wrong})
        assert response.status_code in (401, 302), attempt
    user = _user(app, "hr6")
    assert user.is_locked()
    # locked: the right password leads nowhere, and the right code is refused too
    assert login(client, "hr6").status_code == 401
    with app.app_context():
        db_user = db.session.get(User, user.id)
        result = two_factor.verify_sign_in_code(
            db_user, _code(secret), max_failures=5, lock_minutes=30
        )
        assert result.user is None
        db.session.rollback()
        summaries = db.session.scalars(
            sa.select(AuditEvent.summary).where(AuditEvent.action == "login_failed")
        ).all()
        assert summaries.count("验证码错误（账户已锁定）") == 1


def test_a_pending_sign_in_is_dropped_when_the_account_locks(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 2)
    secret, _codes = _enrolled(app, make_user, "hr7", Role.HR)
    client = app.test_client()
    _password_step(client, "hr7")
    assert client.post("/auth/code", data={"code": "000001"}).status_code == 401
    locked = client.post("/auth/code", data={"code": "000002"})
    assert locked.status_code == 302 and locked.headers["Location"] == "/auth/login"
    assert client.post("/auth/code", data={"code": _code(secret)}).status_code == 302
    assert not _signed_in(client)


# --- required and optional roles ---------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.HR, Role.AUDITOR])
def test_required_roles_are_sent_to_enrolment_and_can_do_nothing_else(
    app, make_user, required, role
):
    make_user("needs", role)
    client = app.test_client()
    assert login(client, "needs").status_code == 302
    for path in ("/", "/cadres/", "/audit/", "/admin/users", "/me"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/auth/two-factor", path
    assert client.get("/auth/two-factor").status_code == 200
    secret = _secret(app, "needs")
    assert client.post("/auth/two-factor", data={"code": _code(secret)}).status_code == 200
    assert _signed_in(client)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CADRE])
def test_managers_and_cadres_may_go_without(app, make_user, org, required, role):
    make_user("free", role, cadre_id=org["own_cadre"] if role is Role.CADRE else None)
    client = app.test_client()
    assert login(client, "free").status_code == 302
    assert _signed_in(client)
    page = client.get("/auth/two-factor").get_data(as_text=True)
    assert "可选" in page


def test_an_optional_user_can_turn_it_off_with_a_code_but_a_required_one_cannot(
    app, make_user, required
):
    secret, _codes = _enrolled(app, make_user, "mgr2", Role.MANAGER)
    client = app.test_client()
    _password_step(client, "mgr2")
    client.post("/auth/code", data={"code": _code(secret)})
    assert client.post("/auth/two-factor/off", data={"code": "000000"}).status_code == 302
    assert _user(app, "mgr2").has_two_factor
    assert client.post("/auth/two-factor/off", data={"code": _code(secret, 1)}).status_code == 302
    assert not _user(app, "mgr2").has_two_factor
    # HR may not
    secret, _codes = _enrolled(app, make_user, "hr8", Role.HR)
    hr = app.test_client()
    _password_step(hr, "hr8")
    hr.post("/auth/code", data={"code": _code(secret)})
    assert hr.post("/auth/two-factor/off", data={"code": _code(secret, 1)}).status_code == 403
    assert _user(app, "hr8").has_two_factor


def test_the_required_roles_setting_refuses_a_typo():
    assert two_factor.required_roles("admin, hr") == {"admin", "hr"}
    assert two_factor.required_roles([]) == frozenset()
    with pytest.raises(ValueError, match="audtor"):
        two_factor.required_roles(["admin", "audtor"])


# --- the admin's reset ---------------------------------------------------------------------------


def test_the_admin_resets_a_second_factor_audited(app, make_user, admin_client, required):
    # the admin of admin_client is signed in by password: enrol them first
    _enrol(app, admin_client, "admin1")
    secret, _codes = _enrolled(app, make_user, "hr9", Role.HR)
    hr = app.test_client()
    _password_step(hr, "hr9")
    hr.post("/auth/code", data={"code": _code(secret)})
    assert _signed_in(hr)
    user = _user(app, "hr9")
    edit = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "重置两步验证" in edit
    response = admin_client.post(f"/admin/users/{user.id}/reset-two-factor")
    assert response.status_code == 302
    after = _user(app, "hr9")
    assert not after.has_two_factor and after.totp_last_step is None
    with app.app_context():
        assert two_factor.totp_secret(db.session.get(User, user.id)) is None
        assert not db.session.scalars(
            sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id)
        ).all()
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.summary == "重置两步验证 hr9")
        ).one()
        assert event.actor_name == "admin1"
        assert event.before == {"two_factor": True} and event.after == {"two_factor": False}
    # their session ended; the next sign-in is by password and straight to enrolment
    assert hr.get("/").status_code == 302
    assert login(hr, "hr9").status_code == 302
    assert hr.get("/").headers["Location"] == "/auth/two-factor"


def test_only_the_admin_resets_and_only_by_post(app, make_user, hr_client, admin_client):
    make_user("x1", Role.MANAGER)
    user = _user(app, "x1")
    assert hr_client.post(f"/admin/users/{user.id}/reset-two-factor").status_code == 403
    assert admin_client.get(f"/admin/users/{user.id}/reset-two-factor").status_code == 405


def test_the_command_line_resets_the_only_admin(app, make_user, runner):
    _enrolled(app, make_user, "root1", Role.ADMIN)
    result = runner.invoke(args=["users", "reset-two-factor", "root1"])
    assert result.exit_code == 0, result.output
    assert not _user(app, "root1").has_two_factor
    assert runner.invoke(args=["users", "reset-two-factor", "nobody"]).exit_code == 1


def test_the_password_step_alone_opens_no_session(app, make_user):
    _enrolled(app, make_user, "hr10", Role.HR)

    def sessions() -> int:
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == "hr10"))
            return len(
                db.session.scalars(
                    sa.select(UserSession).where(UserSession.user_id == user.id)
                ).all()
            )

    before = sessions()
    client = app.test_client()
    _password_step(client, "hr10")
    assert sessions() == before
    assert "_user_id" not in _cookie_session(app, client)


def _cookie_session(app: Flask, client: FlaskClient) -> dict[str, Any]:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)
    return dict(serializer.loads(cookie.value))


def test_the_code_and_recovery_pages_speak_english(app, make_user):
    from tests.test_english_ui import CJK, HIDDEN, TAG

    secret, _codes = _enrolled(app, make_user, "hr11", Role.HR)
    client = app.test_client()
    client.post("/auth/language", data={"lang": "en", "next": "/auth/login"})
    _password_step(client, "hr11")
    page = client.get("/auth/code").get_data(as_text=True)
    text = TAG.sub(" ", HIDDEN.sub(" ", page))
    assert "authenticator app" in text
    assert set(CJK.findall(text)) <= {"中文", app.config["ORGANISATION_NAME"]}, text
    wrong = client.post("/auth/code", data={"code": "000000"}).get_data(as_text=True)
    assert "Wrong or already used code" in wrong


def test_doctor_says_which_roles_must_use_it(app, runner, monkeypatch):
    result = runner.invoke(args=["doctor"])
    assert "WARN 两步验证: 所有角色均为可选" in result.output  # the tests' configuration
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_ROLES", list(Config.TOTP_REQUIRED_ROLES))
    result = runner.invoke(args=["doctor"])
    assert "OK   两步验证: 必须启用的角色：admin, auditor, hr" in result.output


def test_the_secret_is_stored_encrypted_and_rotates_with_the_other_keys(app, make_user, runner):
    """A copy of the database makes no codes: the column holds AES-GCM ciphertext bound to
    its own context, read back through the model; ``flask crypto rotate`` re-seals it."""
    from cadre_app.services.core import crypto

    secret, _codes = _enrolled(app, make_user, "hr2fa", Role.HR)
    raw = sa.text('SELECT totp_secret FROM "user" WHERE username = :u')
    with app.app_context():
        stored = db.session.scalar(raw, {"u": "hr2fa"})
        assert secret not in stored and stored.startswith(f"{crypto.current_keys().newest}:")
        with pytest.raises(crypto.DecryptionError):  # not a 身份证号's ciphertext
            crypto.decrypt(stored, "cadre.id_number")
        assert crypto.decrypt(stored, "user.totp_secret") == secret
    ring = dict(app.config["DATA_ENCRYPTION_KEYS"])
    newer = {**ring, "t9": "bmV3ZXItdGVzdC1rZXktZm9yLXJvdGF0aW9uLTAxMjM="}
    with app.app_context():
        old = app.config["DATA_ENCRYPTION_KEYS"]
        app.config["DATA_ENCRYPTION_KEYS"] = newer
        try:
            crypto.init_app(app)
            assert runner.invoke(args=["crypto", "rotate"]).exit_code == 0
            rotated = db.session.scalar(raw, {"u": "hr2fa"})
            assert rotated.startswith("t9:")
            assert _secret(app, "hr2fa") == secret
        finally:
            app.config["DATA_ENCRYPTION_KEYS"] = old
            crypto.init_app(app)
