"""Respondents under load against gunicorn, with a worker SIGKILLed midway, and 50 simultaneous submissions
of one personal link: no 5xx, every acknowledged answer stored exactly once, nothing half-written.

A short run for CI (SQLite WAL, and PostgreSQL when TEST_DATABASE_URL names it); ``benchmarks/load_respondents.py``
runs the full 200 respondents for 60 s.
"""
from __future__ import annotations

import os
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy.engine import make_url

from tests.load.driver import Server, run_load

PG = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("load")


@pytest.fixture(scope="module")
def database_url(folder):
    """SQLite in the module's folder, or a throwaway database next to the PostgreSQL test database."""
    if not PG.startswith("postgresql"):
        yield f"sqlite:///{folder}/load.sqlite3"
        return
    import psycopg

    url = make_url(PG)
    name = f"{url.database}_load"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def server(folder, database_url):
    """One seeded server for the module: the load test uses all links but the last, kept for the race test."""
    server = Server(folder, database_url, workers=3, threads=4)
    server.tokens = server.seed(3000)
    server.start()
    yield server
    server.stop()


def test_answers_under_load_with_a_killed_worker_are_stored_exactly_once(server, tmp_path):
    tally, elapsed, killed = run_load(server, server.tokens[:-1], respondents=40, seconds=8, kill_worker_after=3)
    assert killed is not None and killed not in server.workers(), "gunicorn replaced the killed worker"
    assert tally.server_errors == 0, tally.statuses
    assert tally.cycles > 50
    result = server.check(tally.acknowledged, tmp_path)
    assert result["acknowledged_missing"] == 0
    assert result["acknowledged_and_stored"] == len(set(tally.acknowledged))
    assert result["stored_twice"] == 0
    assert result["half_written"] == 0 and result["without_primary_answer"] == 0
    # At most the requests in flight on the killed worker were stored without their reply reaching anyone.
    assert result["stored_not_acknowledged"] <= tally.connection_errors


def test_fifty_simultaneous_submissions_of_one_link_store_one_answer(server, tmp_path):
    import http.cookiejar
    import re

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None  # a 303 is the answer itself: report it, do not follow it

    token = server.tokens[-1]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
    page = opener.open(f"{server.base}/s/{token}").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    field, value = re.search(r'<input type="radio" name="(q\d+)" value="([^"]+)"', page).groups()
    body = urllib.parse.urlencode({"csrf_token": csrf, field: value}).encode()
    statuses: list[int] = []
    refusals: list[str] = []
    start = threading.Barrier(50)

    def submit() -> None:
        start.wait()
        try:
            statuses.append(opener.open(f"{server.base}/s/{token}", data=body, timeout=30).status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
            if error.code != 303:
                refusals.append(error.read().decode())

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [303] + [409] * 49, statuses
    # Everyone else sees the translated "already answered" page, in the customer's language.
    assert len(set(refusals)) == 1 and '<html lang="ru">' in refusals[0]
    result = server.check([token], tmp_path)
    assert result["acknowledged_and_stored"] == 1 and result["stored_twice"] == 0


