"""The database's write lock held by someone else: respondents are answered within the request's budget, opening a
link still shows the form, /healthz says writes are impossible, and batch work outside requests waits longer.

The lock is held for real: by another connection (``BEGIN IMMEDIATE``, as another process would) or by another
thread of this process (the in-process writer queue); on PostgreSQL, /healthz meets a transaction that holds its
row. Each request runs in a thread while the test holds the lock;
the lock is released as soon as the request has answered, or after a safety delay longer than the request budget
but shorter than SQLite's old 10 s busy timeout — so a request that merely waits (instead of giving up) would
then succeed, and the test sees the difference in the outcome, not in a timing.
"""
from __future__ import annotations

import io
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import unescape

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from survey_app.customers.models import Customer
from survey_app.dbsetup import _sqlite_writer
from survey_app.invitations.models import Invitation
from survey_app.responses.models import Response
from tests.conftest import answer_data
from tests.load.test_database_outage import SAME_SITE, resend

ON_POSTGRESQL = bool(os.environ.get("TEST_DATABASE_URL"))
sqlite_only = pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite's file lock")

#: Request budget set for these tests (seconds): the page must come back long before the safety delay.
BUDGET = 0.3
#: Longer than the budget, shorter than the old 10 s busy timeout (see the module docstring).
SAFETY = 8.0


@pytest.fixture
def budget(app):
    app.config["DB_BUSY_TIMEOUT_SECONDS"] = BUDGET
    return BUDGET


@contextmanager
def file_locked(app) -> Iterator[None]:
    """Hold SQLite's write lock from another connection, as another process writing would."""
    holder = sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, isolation_level=None,
                             check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def thread_locked(_app) -> Iterator[None]:
    """Hold this process's SQLite writer lock, as another request thread writing would."""
    with _sqlite_writer:
        yield


@contextmanager
def row_locked(app) -> Iterator[None]:
    """Hold PostgreSQL's lock on the health row from another connection, as a stuck transaction would."""
    holder = psycopg.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
                             .render_as_string(hide_password=False))
    holder.execute("SELECT * FROM health_check WHERE id = 1 FOR UPDATE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


LOCKS = pytest.mark.parametrize("locked", [pytest.param(file_locked, marks=sqlite_only),
                                           pytest.param(thread_locked, marks=sqlite_only),
                                           pytest.param(row_locked, marks=pytest.mark.skipif(
                                               not ON_POSTGRESQL, reason="PostgreSQL's row lock"))],
                                ids=["another-connection", "another-thread", "row-lock"])
SQLITE_LOCKS = pytest.mark.parametrize("locked", [file_locked, thread_locked], ids=["another-connection",
                                                                                    "another-thread"])


def while_locked(locked, app, request: Callable, release_after: float = SAFETY):
    """Send ``request`` from a thread while the write lock is held; release it once answered (or after a delay)."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["response"] = request()
        except BaseException as error:  # shown by the assertion below
            outcome["error"] = error

    thread = threading.Thread(target=run)
    with locked(app):
        thread.start()
        thread.join(release_after)
        answered_while_locked = not thread.is_alive()
    thread.join()
    assert "error" not in outcome, outcome.get("error")
    assert answered_while_locked, "the request was still waiting when the lock was released"
    return outcome["response"]


def opened_at(db, invitation):
    with db() as session:
        return session.get(Invitation, invitation.id).opened_at


def responses(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Response))


@LOCKS
def test_healthz_is_503_naming_the_write_check_while_writes_are_impossible(app, client, budget, locked):
    assert client.get("/healthz").json["status"] == "ok"
    response = while_locked(locked, app, lambda: client.get("/healthz"))
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["checks"] == {"read": "ok", "write": "locked"}
    assert client.get("/healthz").status_code == 200


@sqlite_only
@SQLITE_LOCKS
def test_opening_a_personal_link_shows_the_form_while_writes_are_impossible(app, client, db, budget, caplog,
                                                                            make_survey, make_invitation, locked):
    survey = make_survey("exit")
    invitation, token = make_invitation(survey, locale="pl")
    with caplog.at_level(logging.WARNING):
        # Longer than the old busy timeout: a GET that still wrote opened_at would fail with a 503 first.
        page = while_locked(locked, app, lambda: client.get(f"/s/{token}"), release_after=15)
    assert page.status_code == 200 and '<html lang="pl"' in page.text and 'name="csrf_token"' in page.text
    assert opened_at(db, invitation) is None, "not recorded while the database is locked"
    assert "opened" in caplog.text, "the missed write is logged"

    assert client.get(f"/s/{token}").status_code == 200
    assert opened_at(db, invitation) is not None, "recorded on the next visit"


@sqlite_only
@SQLITE_LOCKS
@pytest.mark.parametrize("personal_link", [False, True], ids=["open-link", "personal-link"])
def test_answer_sent_while_writes_are_impossible_is_kept_on_a_503_page_and_stored_once_later(
        app, client, db, budget, make_survey, make_invitation, locked, personal_link):
    survey = make_survey("exit")
    url = f"/s/{make_invitation(survey, locale='ru')[1]}" if personal_link else f"/s/o/{survey.slug}?lang=ru"
    typed = "Никто не перезвонил после покупки."
    data = answer_data(survey, main_reason="no_follow_up", free_text=typed)

    page = while_locked(locked, app, lambda: client.post(url, data=data, headers=SAME_SITE))
    assert page.status_code == 503
    assert '<html lang="ru"' in page.text and "Temporarily unavailable" not in page.text
    assert typed in unescape(page.text), "what the respondent typed is on the page"
    assert responses(db) == 0

    assert resend(client, page.text).status_code == 303
    assert responses(db) == 1
    if personal_link:
        assert resend(client, page.text).status_code == 409, "a personal link still works only once"
        assert responses(db) == 1


CUSTOMERS = ("external_ref;name;email;locale;segment;account_manager;annual_revenue;customer_since;last_purchase;"
             "status;lost_at\n" + "".join(f"WAIT-{i};Name {i};;en;;;;;;;\n" for i in range(3)))


def still_waiting_after(thread: threading.Thread, seconds: float) -> bool:
    thread.join(seconds)
    return thread.is_alive()


@sqlite_only
def test_a_command_line_import_waits_for_the_lock_longer_than_a_request_would(app, db, runner, budget, tmp_path):
    source = tmp_path / "customers.csv"
    source.write_text(CUSTOMERS, encoding="utf-8")
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(
        result=runner.invoke(args=["customers", "import", str(source)])))
    with file_locked(app):
        thread.start()
        # Ten request budgets: a command that gave up like a request would have finished (failed) by now.
        waiting = still_waiting_after(thread, 10 * BUDGET)
    thread.join()
    assert outcome["result"].exit_code == 0, outcome["result"].output
    assert "3 created" in outcome["result"].output
    assert waiting, "the import was waiting for the lock, not finished"
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 3


@sqlite_only
def test_a_background_import_started_from_the_page_waits_for_the_lock(app, client, db, login, budget, monkeypatch):
    from survey_app.jobs import runner

    launched = []
    monkeypatch.setattr("survey_app.csvimport.jobs.launch", launched.append)  # the job is run below, once locked
    login("admin")
    started = client.post("/staff/customers/import", data={"file": (io.BytesIO(CUSTOMERS.encode()), "c.csv")},
                          content_type="multipart/form-data")
    assert started.status_code == 303
    [job] = launched
    worker = threading.Thread(target=runner._in_thread, args=(app, job.id))
    with file_locked(app):
        worker.start()
        waiting = still_waiting_after(worker, 10 * BUDGET)
    worker.join(60)
    page = client.get(started.headers["Location"])
    assert "3 customers created" in page.text, page.text
    assert waiting, "the import was waiting for the lock, not finished"
