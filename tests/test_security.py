"""CSRF, open redirects, headers, cookies, error pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from cadre_app import create_app
from cadre_app.extensions import db
from cadre_app.models import Department, Organisation
from cadre_app.security import is_safe_next
from tests.conftest import PASSWORD, base_config, login


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


# --- CSRF ------------------------------------------------------------------------------------


def test_login_without_csrf_token_is_refused(app, client, users, csrf_on):
    response = login(client, "hr1")
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_login_with_csrf_token_works(app, client, users, csrf_on):
    token = _token(client.get("/auth/login").get_data(as_text=True))
    assert login(client, "hr1", csrf_token=token).status_code == 302
    assert client.get("/").status_code == 200


def test_logout_without_csrf_token_is_refused(app, client, users, csrf_on):
    token = _token(client.get("/auth/login").get_data(as_text=True))
    login(client, "hr1", csrf_token=token)
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    page_token = _token(client.get("/").get_data(as_text=True))
    assert client.post("/auth/logout", data={"csrf_token": page_token}).status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_and_unlock_need_csrf(app, client, users, csrf_on):
    token = _token(client.get("/auth/login").get_data(as_text=True))
    login(client, "admin1", csrf_token=token)
    assert client.post(f"/admin/users/{users['hr'].id}/unlock").status_code == 400
    assert (
        client.post(
            "/auth/password",
            data={
                "current_password": PASSWORD,
                "new_password": "An0ther-Pass",
                "confirm_password": "An0ther-Pass",
            },
        ).status_code
        == 400
    )


def test_language_switch_needs_csrf(client, csrf_on):
    assert client.post("/auth/language", data={"lang": "en"}).status_code == 400


def test_every_post_route_is_csrf_protected(app):
    """No view may be exempted from CSRF."""
    from cadre_app.extensions import csrf

    post_views = {
        rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())
    }
    assert post_views
    exempt = {
        f"{app.view_functions[e].__module__}.{app.view_functions[e].__name__}" for e in post_views
    }
    assert not (exempt & csrf._exempt_views)
    assert not csrf._exempt_blueprints


# --- open redirect ----------------------------------------------------------------------------

EVIL = [
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "  //evil.example",
    "/\t/evil.example",
    "\\\\evil.example",
    "",
]


@pytest.mark.parametrize("target", EVIL)
def test_login_refuses_offsite_next(client, users, target):
    response = login(client, "hr1", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_honours_next_on_this_site(client, users):
    response = login(client, "hr1", next="/me?tab=basic")
    assert response.headers["Location"] == "/me?tab=basic"


@pytest.mark.parametrize("target", EVIL)
def test_is_safe_next_refuses(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/cadres/?page=2", "/auth/password"])
def test_is_safe_next_accepts_paths(target):
    assert is_safe_next(target)


def test_language_switch_refuses_offsite_next(client):
    response = client.post("/auth/language", data={"lang": "en", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


# --- headers and cookies ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/auth/login", "/", "/no-such-page", "/healthz"])
def test_security_headers_on_every_response(hr_client, path):
    response = hr_client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached_but_keep_headers(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script(hr_client, client):
    for html in (
        hr_client.get("/").get_data(as_text=True),
        client.get("/auth/login").get_data(as_text=True),
    ):
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, tag
        assert not re.search(r"<script[^>]*>\s*[^<\s]", html)
        assert not re.search(r"\son[a-z]+\s*=", html)
        assert "style=" not in html


def test_session_cookie_flags(client, users):
    response = login(client, "hr1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_secure_over_https(app, users):
    client = app.test_client()
    response = client.post(
        "/auth/login",
        data={"username": "hr1", "password": PASSWORD},
        base_url="https://localhost",
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


# --- error pages ------------------------------------------------------------------------------


def test_404_page_in_chinese_without_traceback(hr_client):
    response = hr_client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "页面不存在" in html and "Traceback" not in html


def test_403_page_in_chinese(hr_client):
    response = hr_client.get("/admin/users")
    assert response.status_code == 403
    assert "无权访问" in response.get_data(as_text=True)


def test_405_page_in_chinese(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "请求方式不允许" in response.get_data(as_text=True)


def test_500_page_rolls_back_and_hides_the_traceback(app):
    broken = create_app(base_config(PROPAGATE_EXCEPTIONS=False))

    @broken.route("/boom")
    def boom():
        db.session.add(Organisation(name="半写入的单位"))
        db.session.flush()
        raise RuntimeError("secret internal detail")

    response = broken.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统错误" in html and "本次操作未保存任何数据" in html
    assert "Traceback" not in html and "secret internal detail" not in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == 0
