"""The sign-in limit holds for the whole server, not per worker: gunicorn with 4 workers on 127.0.0.1, without
Redis, answers the (N+1)th failed sign-in from one address with 429, whichever worker takes it."""
from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from collections import defaultdict

import pytest

from tests.load.driver import Server

LIMIT = 5
WORKERS = 4
#: The worker's process id, method, path and query, and status of each request, as gunicorn logs it.
LOG_FORMAT = "%(p)s %(m)s %(U)s?%(q)s %(s)s"
LOG_LINE = re.compile(r"^<(\d+)> (\w+) (\S+) (\d{3})$")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

CREATE_ACCOUNT = r'''
from flask_migrate import upgrade
from survey_app import create_app
from survey_app.auth.services import create_user
from survey_app.extensions import db

app = create_app()
with app.app_context():
    upgrade()
    create_user("limited@example.com", "admin", "the right password")
    db.session.commit()
print("ok")
'''


class Browser:
    """One kept-alive connection with its own cookie and form token."""

    def __init__(self, port: int, number: int) -> None:
        self.number = number
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.token = ""

    def open_login_page(self) -> None:
        self.connection.request("GET", f"/staff/login?browser={self.number}")
        response = self.connection.getresponse()
        page = response.read().decode()
        assert response.status == 200
        self.cookie = response.getheader("Set-Cookie", "").split(";")[0]
        match = CSRF.search(page)
        self.token = match.group(1) or match.group(2)

    def fail_to_sign_in(self) -> int:
        body = urllib.parse.urlencode({"email": "limited@example.com", "password": "a wrong password",
                                       "csrf_token": self.token})
        self.connection.request("POST", f"/staff/login?browser={self.number}", body=body, headers={
            "Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = self.connection.getresponse()
        response.read()
        return response.status


def log_lines(path) -> list[tuple[int, str, str, int]]:
    """(worker pid, method, path with query, status) of every request logged so far."""
    if not path.exists():
        return []
    lines = (LOG_LINE.match(line.strip()) for line in path.read_text().splitlines())
    return [(int(m[1]), m[2], m[3], int(m[4])) for m in lines if m]


def wait_for(condition, seconds: float = 20.0):
    """Poll ``condition`` until it returns something true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail("condition not met in time")


@pytest.fixture
def server(tmp_path):
    """gunicorn with 4 workers, rate limits on, no REDIS_URL: the app's default store for several workers."""
    server = Server(tmp_path, f"sqlite:///{tmp_path}/limit.sqlite3", workers=WORKERS, threads=2)
    server.access_log = tmp_path / "access.log"
    server.env.update({"RATELIMIT_ENABLED": "true", "RATELIMIT_LOGIN": f"{LIMIT} per hour",
                       "GUNICORN_ACCESS_LOG": str(server.access_log),
                       "GUNICORN_CMD_ARGS": f"--access-logformat '{LOG_FORMAT}' --keep-alive 60"})
    server.python(CREATE_ACCOUNT)
    server.start()
    yield server
    server.stop()


def browsers_on_different_workers(server) -> dict[int, Browser]:
    """Open kept-alive connections until at least two workers (ideally all) hold one; return one per worker."""
    by_worker: dict[int, Browser] = {}
    opened: list[Browser] = []

    def served_by() -> dict[int, int]:
        seen = {}
        for pid, method, path, _status in log_lines(server.access_log):
            number = re.search(r"browser=(\d+)", path)
            if method == "GET" and number:
                seen[int(number[1])] = pid
        return seen

    deadline = time.monotonic() + 30
    while len(by_worker) < WORKERS and time.monotonic() < deadline:
        batch = [Browser(server.port, len(opened) + i) for i in range(WORKERS * 2)]
        for browser in batch:
            browser.open_login_page()
        opened += batch
        seen = wait_for(lambda: (lambda s: s if len(s) >= len(opened) else None)(served_by()))  # noqa: B023
        for browser in opened:
            by_worker.setdefault(seen[browser.number], browser)
        if len(by_worker) >= 2 and len(opened) >= WORKERS * 6:
            break
    assert len(by_worker) >= 2, "connections were spread over several workers"
    return by_worker


def test_the_sign_in_limit_holds_whichever_worker_answers(server):
    browsers = list(browsers_on_different_workers(server).values())
    attempts = 2 * LIMIT + len(browsers)
    statuses = [browsers[i % len(browsers)].fail_to_sign_in() for i in range(attempts)]
    assert statuses == [401] * LIMIT + [429] * (attempts - LIMIT)

    posts = wait_for(lambda: (lambda p: p if len(p) == attempts else None)(
        [(pid, status) for pid, method, _path, status in log_lines(server.access_log) if method == "POST"]))
    refused_by: dict[int, int] = defaultdict(int)
    for pid, status in posts:
        if status == 429:
            refused_by[pid] += 1
    assert len(refused_by) == len(browsers) >= 2, "every worker refused once the limit was reached"
