"""Configuration, health check, security headers and error pages."""
import os

import pytest

from survey_app import create_app
from survey_app.config import Config, ConfigError, ProductionConfig, TestingConfig, normalise_database_url


def test_development_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr(Config, "SECRET_KEY", None)
    first = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/a.sqlite3")
    second = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/a.sqlite3")
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(ProductionConfig, SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_url_uses_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


def test_healthz_reports_that_the_database_reads_and_writes(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "checks": {"read": "ok", "write": "ok"}}


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
                     SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unavailable"
    assert response.json["checks"] == {"read": "unavailable", "write": "skipped"}


def read_only_app(app, tmp_path, monkeypatch):
    """The test database opened read-only: a SQLite file opened with ``mode=ro``, a PostgreSQL session whose
    transactions are all read-only."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///file:{path}?mode=ro&uri=true")
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url,
                      SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-c default_transaction_read_only=on"}})


def test_healthz_is_503_naming_the_write_check_when_the_database_is_read_only(app, client, tmp_path, monkeypatch):
    assert client.get("/healthz").status_code == 200  # the health row exists: only the write can fail
    read_only = read_only_app(app, tmp_path, monkeypatch)
    response = read_only.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "read-only", "checks": {"read": "ok", "write": "read-only"}}
    with read_only.app_context():
        from survey_app.extensions import db

        db.engine.dispose()


def test_security_headers(client):
    response = client.get("/staff/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_a_translated_404(client):
    page = client.get("/no/such/page", headers={"Accept-Language": "ru"})
    assert page.status_code == 404 and '<html lang="ru">' in page.text


def test_oversized_request_is_a_413_page(app, client, make_survey):
    survey = make_survey("exit")
    app.config["MAX_CONTENT_LENGTH"] = 1000
    page = client.post(f"/s/o/{survey.slug}", data={"x": "y" * 5000})
    assert page.status_code == 413 and "<h1>" in page.text


def test_env_selects_config(monkeypatch):
    from survey_app.config import config_from_env

    monkeypatch.setenv("SURVEY_APP_ENV", "production")
    assert config_from_env() is ProductionConfig
    monkeypatch.delenv("SURVEY_APP_ENV")
    assert config_from_env() is Config
    assert os.environ.get("SURVEY_APP_ENV") is None
