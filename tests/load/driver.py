"""Load with accounting: many respondents answer through personal links against gunicorn on 127.0.0.1, while a
worker may be killed; afterwards every acknowledged answer must be stored exactly once and none half-written.

Used by ``tests/load/test_load.py`` (short) and ``benchmarks/load_respondents.py`` (200 respondents, 60 s).
"""
from __future__ import annotations

import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RADIO = re.compile(r'<input type="radio" name="(q\d+)" value="([^"]+)"')
TEXTAREA = re.compile(r'<textarea id="(q\d+)" name="(q\d+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SEED = r'''
import json, sys
from flask_migrate import upgrade
from sqlalchemy import insert
from survey_app import create_app
from survey_app.customers.models import Customer
from survey_app.dbtypes import utcnow
from survey_app.extensions import db
from survey_app.invitations.models import Invitation
from survey_app.invitations.services import hash_token, new_token
from survey_app.surveys.services import create_from_template, install_catalogue, open_survey

count = int(sys.argv[1])
app = create_app()
with app.app_context():
    upgrade()
    install_catalogue()
    survey = create_from_template("exit", "load", "en")
    open_survey(survey)
    db.session.flush()
    now = utcnow()
    langs = ("en", "fr", "pl", "ru")
    db.session.execute(insert(Customer.__table__), [
        {"external_ref": f"L{i}", "name": f"Load {i}", "email": f"l{i}@example.com", "locale": langs[i % 4],
         "status": "lost", "unreachable": False, "opted_out": False, "created_at": now} for i in range(count)])
    ids = [row.id for row in db.session.execute(db.select(Customer.id).order_by(Customer.id))]
    tokens = [new_token() for _ in ids]
    db.session.execute(insert(Invitation.__table__), [
        {"survey_id": survey.id, "customer_id": cid, "token_hash": hash_token(t), "locale": langs[i % 4],
         "state": "sent", "created_at": now, "sent_at": now, "reminders_sent": 0, "attempts": 0}
        for i, (cid, t) in enumerate(zip(ids, tokens))])
    db.session.commit()
print(json.dumps(tokens))
'''

CHECK = r'''
import json, sys
from sqlalchemy import func, select
from survey_app import create_app
from survey_app.extensions import db
from survey_app.invitations.models import Invitation
from survey_app.invitations.services import hash_token
from survey_app.responses.models import Answer, Response

acknowledged = json.load(open(sys.argv[1]))
app = create_app()
with app.app_context():
    stored = {h: n for h, n in db.session.execute(
        select(Invitation.token_hash, func.count(Response.id)).join(Response, Response.invitation_id == Invitation.id)
        .group_by(Invitation.token_hash))}
    answers = dict(db.session.execute(select(Answer.response_id, func.count()).group_by(Answer.response_id)).all())
    responses = db.session.scalar(select(func.count()).select_from(Response))
    primary = db.session.scalar(select(func.count()).select_from(Answer).where(Answer.is_primary.is_(True)))
    half = sum(1 for rid in db.session.scalars(select(Response.id)) if answers.get(rid, 0) < 3)
acked = {hash_token(t) for t in acknowledged}
print(json.dumps({"responses": responses, "acknowledged": len(acked),
                  "acknowledged_and_stored": sum(1 for h in acked if stored.get(h) == 1),
                  "acknowledged_missing": sum(1 for h in acked if h not in stored),
                  "stored_twice": sum(1 for n in stored.values() if n > 1),
                  "stored_not_acknowledged": sum(1 for h in stored if h not in acked),
                  "without_primary_answer": responses - primary, "half_written": half}))
'''


@dataclass
class Tally:
    """What the respondents saw."""

    cycles: int = 0
    acknowledged: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    connection_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


class Server:
    """The app under gunicorn on 127.0.0.1 with its own instance folder and database."""

    def __init__(self, instance: Path, database_url: str, workers: int = 4, threads: int = 4) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "INSTANCE_PATH": str(instance), "DATABASE_URL": database_url,
                    "SECRET_KEY": "load-test", "BASE_URL": self.base, "RATELIMIT_ENABLED": "false",
                    "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
                    "GUNICORN_THREADS": str(threads), "SURVEY_APP_ENV": "development"}
        for name in ("TEST_DATABASE_URL", "REDIS_URL"):
            self.env.pop(name, None)
        self.process: subprocess.Popen | None = None

    def python(self, code: str, *args: str) -> str:
        """Run a script with the app's environment; return its last stdout line."""
        run = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=self.env, check=True,
                             capture_output=True, text=True)
        return run.stdout.strip().splitlines()[-1]

    def seed(self, invitations: int) -> list[str]:
        """Migrate and create an open exit survey with ``invitations`` sent personal links; return their tokens."""
        return json.loads(self.python(SEED, str(invitations)))

    def start(self) -> None:
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        self.process = subprocess.Popen([gunicorn, "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90  # a loaded CI machine may take long to import everything
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gunicorn did not start")

    def workers(self) -> list[int]:
        """Process ids of gunicorn's workers."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def kill_a_worker(self) -> int:
        """SIGKILL one worker in the middle of its requests; gunicorn starts another."""
        pid = self.workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(15)

    def check(self, acknowledged: list[str], folder: Path) -> dict:
        """Compare what respondents were told with what the database holds."""
        path = folder / "acknowledged.json"
        path.write_text(json.dumps(acknowledged))
        return json.loads(self.python(CHECK, str(path)))


def respondent(server: Server, tokens: queue.Queue, tally: Tally, until: float) -> None:
    """Answer one personal link after another until time is up: GET the form, POST the answers."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    while time.monotonic() < until:
        try:
            token = tokens.get_nowait()
        except queue.Empty:
            return
        try:
            connection.request("GET", f"/s/{token}")
            page = connection.getresponse()
            body = page.read().decode()
            tally.count(page.status)
            cookie = page.getheader("Set-Cookie", "").split(";")[0]
            if page.status != 200:
                continue
            fields = {"csrf_token": CSRF.search(body).group(1)}
            radios = RADIO.findall(body)
            fields[radios[0][0]] = radios[0][1]  # the main reason
            text_field = TEXTAREA.search(body)
            if text_field:
                fields[text_field.group(2)] = f"load test answer {token[:8]} — réponse, odpowiedź, ответ"
            scale = [value for name, value in radios if name != radios[0][0]]
            if scale:
                fields[next(name for name, _v in radios if name != radios[0][0])] = scale[0]
            data = urllib.parse.urlencode(fields)
            connection.request("POST", f"/s/{token}", body=data, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
            answer = connection.getresponse()
            answer.read()
            tally.count(answer.status)
            if answer.status == 303:
                with tally.lock:
                    tally.acknowledged.append(token)
                    tally.cycles += 1
        except (OSError, http.client.HTTPException):
            with tally.lock:
                tally.connection_errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.close()


def run_load(server: Server, tokens: list[str], respondents: int, seconds: float,
             kill_worker_after: float | None = None) -> tuple[Tally, float, int | None]:
    """Run ``respondents`` concurrent respondents for ``seconds``; optionally SIGKILL a worker on the way."""
    pending: queue.Queue = queue.Queue()
    for token in tokens:
        pending.put(token)
    tally = Tally()
    started = time.monotonic()
    until = started + seconds
    threads = [threading.Thread(target=respondent, args=(server, pending, tally, until), daemon=True)
               for _ in range(respondents)]
    for thread in threads:
        thread.start()
    killed = None
    if kill_worker_after is not None:
        time.sleep(kill_worker_after)
        killed = server.kill_a_worker()
    for thread in threads:
        thread.join(seconds + 60)
    return tally, time.monotonic() - started, killed

