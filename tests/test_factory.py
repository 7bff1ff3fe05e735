"""Configuration order, secret-key refusal, database URLs, health check."""

from __future__ import annotations

import pytest

from cadre_app import create_app, normalise_database_url
from cadre_app.config import DEV_SECRET_KEY


def test_testing_config(app):
    assert app.testing


def test_production_refuses_missing_or_default_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CADRE_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            {
                "SECRET_KEY": DEV_SECRET_KEY,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
            }
        )


def test_an_unknown_time_zone_stops_the_start(tmp_path):
    """Every date the app prints depends on it: better no start than a 500 on every page."""
    with pytest.raises(RuntimeError, match="BABEL_DEFAULT_TIMEZONE"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x" * 32,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
                "BABEL_DEFAULT_TIMEZONE": "Asia/Beijing",
            }
        )


def test_environment_overrides_instance_config(monkeypatch, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "SECRET_KEY = 'from-instance-file-0123456789'\nORGANISATION_NAME = '实例单位'\n"
        "LOGIN_MAX_FAILURES = 7\nAUDIT_CHAIN_KEY = 'audit-key-from-instance-file'\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/cadre")
    monkeypatch.setenv("CADRE_LOGIN_MAX_FAILURES", "9")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    import flask

    original = flask.Flask.__init__

    def init(self, *args, **kwargs):
        kwargs["instance_path"] = str(instance)
        original(self, *args, **kwargs)

    monkeypatch.setattr(flask.Flask, "__init__", init)
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-instance-file-0123456789"
    assert app.config["AUDIT_CHAIN_KEY"] == "audit-key-from-instance-file"
    assert app.config["ORGANISATION_NAME"] == "实例单位"
    assert app.config["LOGIN_MAX_FAILURES"] == 9  # environment beats the instance file
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/cadre"


def test_default_database_is_sqlite_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 20})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/cadre.sqlite"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_normalise_database_url(url, expected):
    assert normalise_database_url(url) == expected


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_dead_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 20,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
