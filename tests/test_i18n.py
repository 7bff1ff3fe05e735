"""Chinese by default, English selectable."""

from __future__ import annotations


def test_chinese_is_the_default(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "干部培养考评管理系统" in html


def test_english_can_be_chosen_and_sticks(client):
    response = client.post("/auth/language", data={"lang": "en", "next": "/auth/login"})
    assert response.headers["Location"] == "/auth/login"
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Cadre Development and Evaluation" in html
    assert "Sign in" in html
    client.post("/auth/language", data={"lang": "zh_Hans_CN"})
    assert "登录" in client.get("/auth/login").get_data(as_text=True)


def test_unknown_language_is_refused(client):
    assert client.post("/auth/language", data={"lang": "xx"}).status_code == 400


def test_language_survives_login(client, users):
    client.post("/auth/language", data={"lang": "en"})
    client.post("/auth/login", data={"username": "hr1", "password": "Test@2026pw"})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_every_message_has_an_english_translation():
    """A string wrapped for translation without an English entry fails here."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "cadre_app"
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(root),
            method_map,
            keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None},
        )
    }
    found.add("请先登录。")  # Flask-Login's login_message
    with open(root / "translations/en/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    untranslated = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
    assert not untranslated, f"add these to the English catalog: {untranslated}"
