"""The Alembic migrations build the same schema as the models, on SQLite and PostgreSQL."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from survey_app import create_app
from survey_app.config import TestingConfig
from survey_app.extensions import db


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database of the kind under test (a new PostgreSQL database when TEST_DATABASE_URL is set)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path}/migrated.sqlite3"
        return
    name = f"survey_app_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_builds_the_models_schema(fresh_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with app.app_context():
        upgrade()
        names = set(inspect(db.engine).get_table_names())
        assert {"staff_user", "customer", "survey", "question", "reason", "invitation", "response", "answer",
                "alembic_version"} <= names
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == []
        upgrade()  # running it again is harmless
        db.engine.dispose()


def test_constraint_names_follow_the_convention(app):
    with app.app_context():
        answer = db.metadata.tables["answer"]
        assert {fk.name for fk in answer.foreign_key_constraints} >= {"fk_answer_response_id_response"}
        assert db.metadata.tables["invitation"].primary_key.name == "pk_invitation"


def test_impossible_revenue_is_cleared_and_reports_revision_raised(fresh_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=fresh_database_url)
    sqlite = fresh_database_url.startswith("sqlite")
    # PostgreSQL cannot hold infinities or 10**20 in numeric(14, 2); SQLite stored whatever the old form let by.
    stored = {"ok": 12345.5, "zero": 0, "negative": -5, "cent-below": -0.01, "none": None,
              **({"inf": float("inf"), "minus-inf": float("-inf"), "huge": 1e20, "limit": 1e12} if sqlite else {})}
    with app.app_context():
        upgrade(revision="fe814007e0d2")
        with db.engine.begin() as conn:
            for ref, amount in stored.items():
                conn.execute(text("INSERT INTO customer (external_ref, name, locale, status, unreachable, opted_out, "
                                  "created_at, annual_revenue) VALUES (:ref, '', 'en', 'active', false, false, "
                                  "CURRENT_TIMESTAMP, :amount)"), {"ref": ref, "amount": amount})
        upgrade()
        with db.engine.connect() as conn:
            after = dict(conn.execute(text("SELECT external_ref, annual_revenue FROM customer")).all())
            revision = conn.execute(text("SELECT value FROM data_revision WHERE name = 'reports'")).scalar()
        db.engine.dispose()
    assert {ref for ref, amount in after.items() if amount is not None} == {"ok", "zero"}
    assert float(after["ok"]) == 12345.5
    assert revision == 1


def _old_survey(conn) -> None:
    """An exit survey with id 1, written as rows (the models may be ahead of the schema being migrated)."""
    conn.execute(text("INSERT INTO survey (id, slug, kind, state, default_locale, anonymous, open_link, title, "
                      "intro, thanks, reason_codes, created_at, updated_at) VALUES (1, 'old', 'exit', 'open', "
                      "'en', false, true, '{}', '{}', '{}', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))


def test_responses_are_given_their_primary_answers_bucket_and_month(fresh_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with app.app_context():
        upgrade(revision="181d42980385")
        with db.engine.begin() as conn:
            _old_survey(conn)
            conn.execute(text("INSERT INTO question (id, survey_id, position, type, required, text) VALUES "
                              "(1, 1, 1, 'main_reason', false, '{}'), (2, 1, 2, 'free_text', false, '{}')"))
            for rid, at in ((1, "2024-01-31 23:59:59"), (2, "2024-02-01 00:00:00"), (3, "2024-12-15 08:00:00")):
                conn.execute(text("INSERT INTO response (id, survey_id, locale, channel, submitted_at) "
                                  "VALUES (:id, 1, 'en', 'link', :at)"), {"id": rid, "at": at})
            # r1: a chosen reason (primary) and a text that is not; r2: only a text, unclassified; r3: no cause.
            conn.execute(text("INSERT INTO answer (response_id, question_id, reason_code, text, bucket, is_primary) "
                              "VALUES (1, 1, 'moved', NULL, 'circumstances', true), "
                              "(1, 2, NULL, 'cheaper', 'competitor', false), "
                              "(2, 2, NULL, 'hmm', 'unclassified', true), (3, 2, NULL, 'lol', NULL, true)"))
        upgrade()
        with db.engine.connect() as conn:
            after = {rid: (bucket, month) for rid, bucket, month in conn.execute(
                text("SELECT id, primary_bucket, submitted_month FROM response"))}
            revision = conn.execute(text("SELECT value FROM data_revision WHERE name = 'reports'")).scalar()
        db.engine.dispose()
    # r2's text was never seen by a model: the pending-answers migration hands it to the sorting job.
    assert after == {1: ("circumstances", "2024-01"), 2: ("pending", "2024-02"), 3: (None, "2024-12")}
    assert revision == 1


def test_the_templates_contact_question_becomes_the_consent_question(fresh_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with app.app_context():
        upgrade(revision="8b1e4c7d2a90")
        with db.engine.begin() as conn:
            _old_survey(conn)
            conn.execute(text("INSERT INTO question (id, survey_id, position, type, required, text) VALUES "
                              "(1, 1, 1, 'yes_no', false, :contact), (2, 1, 2, 'yes_no', false, :other)"),
                         {"contact": '{"en": "May we contact you about your answers?", "fr": "Pouvons-nous…"}',
                          "other": '{"en": "Did you use our app?"}'})
        upgrade()
        with db.engine.connect() as conn:
            types = dict(conn.execute(text("SELECT id, type FROM question")).all())
        db.engine.dispose()
    assert types == {1: "contact_consent", 2: "yes_no"}


#: Tables whose rows no migration may lose, with the links between them that must survive too.
KEPT_TABLES = ("staff_user", "survey", "question", "customer", "invitation", "response", "answer")
KEPT_LINKS = "SELECT invitation_id, customer_id, interviewer_id FROM response"


def test_every_migration_keeps_the_rows_and_links_already_stored(fresh_database_url, tmp_path, monkeypatch):
    """Upgrading one revision at a time from the first, with data in place: nothing stored is lost or unlinked
    (on SQLite, rebuilding a table with foreign keys on would delete or unlink the rows that point at it)."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with app.app_context():
        upgrade(revision="7c324ad9bc85")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO staff_user (id, email, name, password_hash, role, active, created_at) "
                              "VALUES (1, 'i@example.com', 'I', 'x', 'interviewer', true, CURRENT_TIMESTAMP)"))
            _old_survey(conn)
            conn.execute(text("INSERT INTO question (id, survey_id, position, type, required, text) VALUES "
                              "(1, 1, 1, 'main_reason', false, '{}'), (2, 1, 2, 'free_text', false, '{}')"))
            conn.execute(text("INSERT INTO customer (id, external_ref, name, locale, status, unreachable, opted_out, "
                              "created_at) VALUES (1, 'C-1', 'Ann', 'fr', 'active', false, false, "
                              "CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO invitation (id, survey_id, customer_id, token_hash, locale, state, "
                              "created_at, reminders_sent) VALUES (1, 1, 1, 'h', 'fr', 'answered', "
                              "CURRENT_TIMESTAMP, 0)"))
            conn.execute(text("INSERT INTO response (id, survey_id, invitation_id, customer_id, locale, channel, "
                              "interviewer_id, submitted_at) VALUES (1, 1, 1, 1, 'fr', 'email', 1, "
                              "'2026-01-05 10:00:00')"))
            conn.execute(text("INSERT INTO answer (response_id, question_id, reason_code, text, bucket, is_primary) "
                              "VALUES (1, 1, 'moved', NULL, 'circumstances', true), "
                              "(1, 2, NULL, 'trop cher', 'competitor', false)"))

        def stored() -> tuple:
            with db.engine.connect() as conn:
                counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in KEPT_TABLES}
                return counts, conn.execute(text(KEPT_LINKS)).all()

        before = stored()
        steps = []
        while True:
            with db.engine.connect() as conn:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if current == _head(app):
                break
            upgrade(revision="+1")
            with db.engine.connect() as conn:
                steps.append(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())
            assert stored() == before, f"after {steps[-1]}"
        db.engine.dispose()
    assert len(steps) > 20 and before[0]["answer"] == 2 and before[1] == [(1, 1, 1)]


def _head(app) -> str:
    """The newest revision of the migrations folder."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config()).get_current_head()
