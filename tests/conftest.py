"""Fixtures: the app on SQLite (or TEST_DATABASE_URL), clients, a login helper and data factories.

Requests must not run inside a test's own app context (Flask would reuse it and share ``g``
and the login cache between requests), so factories open a context of their own and return
loaded, detached objects.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import text

from survey_app import create_app
from survey_app.audit.services import allow_pruning
from survey_app.auth.services import create_user
from survey_app.classification.model import TextClassifier, shipped_examples
from survey_app.config import TestingConfig
from survey_app.customers.services import add_customer
from survey_app.dbtypes import utcnow
from survey_app.extensions import cache, limiter
from survey_app.extensions import db as _db
from survey_app.invitations.services import create_invitation
from survey_app.responses.cache import respondent_cache
from survey_app.surveys.services import create_from_template, install_catalogue, open_survey

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


#: Modules whose every test starts processes or browsers, fuzzes, loads a server or trains the sentence-vector
#: model: ``make test-fast`` skips them (``-m "not slow"``); ``make test`` and CI run everything. Single slow
#: tests elsewhere carry ``@pytest.mark.slow``.
SLOW_MODULES = ("tests/e2e/", "tests/instances/", "tests/load/", "tests/security/test_fuzz.py",
                "tests/security/test_fuzz_urls.py", "tests/security/test_login_limit_workers.py",
                "tests/security/test_bandit.py", "tests/invitations/test_concurrent_sending.py",
                "tests/csvimport/test_resume.py", "tests/classification/test_model.py")


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the tests of :data:`SLOW_MODULES` as slow."""
    root = str(config.rootpath) + os.sep
    for item in items:
        if str(item.path).removeprefix(root).startswith(SLOW_MODULES):
            item.add_marker(pytest.mark.slow)


def database_url(instance_path) -> str:
    """The test database: TEST_DATABASE_URL (PostgreSQL in CI) or a SQLite file."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance_path}/test.sqlite3"


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory):
    """A throwaway instance folder."""
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def app(instance_path):
    """The application with a fresh schema."""
    os.environ["INSTANCE_PATH"] = str(instance_path)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url(instance_path))
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.create_all()
    return app


@pytest.fixture(autouse=True)
def _clean_tables(app) -> Iterator[None]:
    """Empty every table after each test and reset per-test settings."""
    saved = dict(app.config)
    limiting = limiter.enabled  # one Limiter serves every app: a production app made in a test switches it on
    yield
    limiter.enabled = limiting
    respondent_cache(app).clear()
    app.config.clear()
    app.config.update(saved)
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            allow_pruning(conn)  # the audit log refuses deletes on PostgreSQL otherwise
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())
        cache.clear()  # ids restart after the tables are emptied, so data keys would repeat


@contextmanager
def app_db(app):
    """An app context whose session keeps objects loaded after commit, committed on exit."""
    with app.app_context():
        _db.session().expire_on_commit = False
        yield _db.session
        _db.session.commit()


@pytest.fixture
def db(app):
    """Run a block against the database: ``with db() as session: ...``."""
    return lambda: app_db(app)


@pytest.fixture
def client(app):
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def csrf_app(app):
    """Turn CSRF protection on for this test (it is off by default in tests)."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def make_user(app):
    """Create a staff account: ``make_user("analyst", locale="pl")``."""
    counter = iter(range(1, 10_000))

    def make(role: str = "admin", email: str | None = None, locale: str | None = None, password: str = PASSWORD):
        with app_db(app):
            return create_user(email or f"{role}{next(counter)}@example.com", role, password,
                               name=f"{role.title()} User", locale=locale)

    return make


@pytest.fixture
def login(client, make_user):
    """Sign the test client in with a new account of ``role``; return the account."""

    def do(role: str = "admin", locale: str | None = None, the_client=None):
        user = make_user(role, locale=locale)
        response = (the_client or client).post("/staff/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return user

    return do


@pytest.fixture
def make_survey(app):
    """Create a survey from a template: ``make_survey("exit", state="open", open_link=True)``."""
    counter = iter(range(1, 10_000))

    def make(kind: str = "exit", slug: str | None = None, state: str = "open", default_locale: str = "en",
             open_link: bool = True, **settings):
        with app_db(app) as session:
            survey = create_from_template(kind, slug or f"{kind}-test-{next(counter)}", default_locale,
                                          open_link=open_link)
            for key, value in settings.items():
                setattr(survey, key, value)
            if state in ("open", "closed"):
                open_survey(survey)
            if state == "closed":
                survey.close()
            session.flush()
            _ = survey.questions  # load them before the context ends
            return survey

    return make


@pytest.fixture
def make_customer(app):
    """Create a customer: ``make_customer(locale="pl")``."""
    counter = iter(range(1, 10_000))

    def make(locale: str = "en", name: str | None = None, ref: str | None = None, **fields):
        n = next(counter)
        with app_db(app):
            install_catalogue()
            return add_customer(ref or f"C-{n:05d}", name or f"Customer {n}", f"customer{n}@example.com", locale,
                                **fields)

    return make


@pytest.fixture
def make_invitation(app, make_customer):
    """Create an invitation; return ``(invitation, token)``. ``expired=True`` backdates its expiry."""

    def make(survey, customer=None, locale: str = "en", expired: bool = False):
        customer = customer or make_customer(locale=locale)
        with app_db(app) as session:
            invitation, token = create_invitation(session.merge(survey), session.merge(customer))
            if expired:
                invitation.expires_at = utcnow() - timedelta(days=1)
            return invitation, token

    return make


@pytest.fixture
def make_optional(app):
    """Make a survey's main-reason question optional (as an admin editing the survey would)."""

    def make(survey, qtype: str = "main_reason") -> None:
        from survey_app.surveys.models import Survey

        with app_db(app) as session:
            stored = session.get(Survey, survey.id)
            for question in stored.questions:
                if question.type.value == qtype:
                    question.required = False
            stored.touch()

    return make


@pytest.fixture(scope="session")
def trained_classifier() -> TextClassifier:
    """The classifier trained on the shipped examples, once per test session."""
    return TextClassifier().fit(shipped_examples())


@pytest.fixture
def classifier(app, trained_classifier) -> str:
    """Install the trained classifier as the current model version (signed, stored bytes + row); return its version."""
    import io

    import joblib

    from survey_app.classification.models import ClassifierVersion
    from survey_app.classification.services import _signature, store_model

    buffer = io.BytesIO()
    joblib.dump(trained_classifier, buffer)
    with app_db(app) as session:
        blob_id = store_model(buffer.getvalue(), "classifier-test.joblib")
        session.add(ClassifierVersion(version="test-1", blob_id=blob_id, signature=_signature(buffer.getvalue())))
    return "test-1"


@pytest.fixture
def sort_answers(app):
    """Sort the pending free-text answers now, as the background sorting job does; return its counts."""

    def run() -> dict:
        from survey_app.classification.services import sort_pending

        with app.app_context():
            try:
                return sort_pending()
            finally:
                _db.session.remove()

    return run


def question_fields(survey) -> dict[str, str]:
    """Map question types to their form field names."""
    return {q.type.value: q.field_name for q in survey.questions}


def answer_data(survey, **values) -> dict:
    """Form data answering ``survey``: keys are question types (main_reason=…, free_text=…)."""
    fields = question_fields(survey)
    return {fields[k]: v for k, v in values.items()}
