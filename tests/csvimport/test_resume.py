"""An import that stops midway — its process killed, the database refusing a batch, the disk failing a read —
is shown as such with what it had imported, and resumes from its last committed batch: in the end every row
is imported exactly once and its upload is removed from the database."""
from __future__ import annotations

import io
import re
import time
import urllib.request
import uuid

from sqlalchemy import func, select

from survey_app.customers import importer as imp
from survey_app.customers.models import Customer
from survey_app.jobs.models import JobProblem
from survey_app.storage.models import StoredBlob
from tests.conftest import PASSWORD
from tests.customers.test_import import HEADER
from tests.invitations.test_concurrent_sending import Browser, gunicorn  # noqa: F401  (fixture)

RESUME = re.compile(r'<form method="post" action="([^"]+/resume)"')


def csv_rows(count: int, bad_every: int = 0) -> bytes:
    lines = [HEADER]
    for i in range(count):
        email = "not-an-email" if bad_every and i % bad_every == 7 else f"c{i}@example.com"
        lines.append(f"R-{i:06d};Customer {i};{email};en;;;;;;;\n")
    return "".join(lines).encode()


def follow(client, location: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    page = client.get(location)
    while 'http-equiv="refresh"' in page.text and time.monotonic() < deadline:
        time.sleep(0.05)
        page = client.get(location)
    return page


def counts(db) -> tuple[int, int]:
    with db() as session:
        return (session.scalar(select(func.count()).select_from(Customer)),
                session.scalar(select(func.count(func.distinct(Customer.external_ref)))))


def problems(db) -> list[tuple[int, str]]:
    with db() as session:
        return [(p.line, p.reason) for p in session.scalars(select(JobProblem).order_by(JobProblem.line))]


def uploads(db) -> int:
    """Uploads still stored (waiting to be imported, or kept for a resume)."""
    with db() as session:
        return session.scalar(select(func.count()).select_from(StoredBlob).where(StoredBlob.kind == "upload"))


def test_an_import_stopped_by_a_refused_batch_resumes_from_there(app, client, login, db, monkeypatch):
    real, calls = imp._upsert, {"n": 0}

    def refuse_third_batch(batch, state):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("database went away")
        return real(batch, state)

    monkeypatch.setattr(imp, "_upsert", refuse_third_batch)
    login("admin")
    started = client.post("/staff/customers/import", data={"file": (io.BytesIO(csv_rows(3500, 100)), "c.csv")},
                          content_type="multipart/form-data")
    page = follow(client, started.headers["Location"])
    assert "The import stopped at line 2023" in page.text and "2000 customers created" in page.text
    assert counts(db) == (2000, 2000) and uploads(db) == 1
    resume = RESUME.search(page.text).group(1)
    resumed = client.post(resume)
    assert resumed.status_code == 303
    page = follow(client, resumed.headers["Location"])
    assert "3465 customers created" in page.text and "35 rows refused" in page.text
    assert "stopped at line" not in page.text and not RESUME.search(page.text)
    assert counts(db) == (3465, 3465) and uploads(db) == 0
    found = problems(db)
    assert len(found) == 35 and len(set(found)) == 35 and all(reason == imp.BAD_EMAIL for _l, reason in found)
    assert client.post(resume).status_code == 303  # a finished import is not run again
    assert "already finished" in follow(client, resume.rsplit("/", 1)[0]).text or counts(db) == (3465, 3465)


def test_an_import_whose_file_read_fails_is_shown_failed_and_resumes(app, client, login, db, monkeypatch):
    from survey_app.csvimport import rows as csvrows

    real_read, state = csvrows.CountingReader.read, {"failed": False}

    def read(self, size=-1):
        # Not while the whole file is first checked for UTF-8 (in chunks of 1 MiB), but once rows are imported.
        if size != 1 << 20 and self.done > 60_000 and not state["failed"]:
            state["failed"] = True
            raise OSError(5, "Input/output error")
        return real_read(self, size)

    monkeypatch.setattr(csvrows.CountingReader, "read", read)
    login("admin")
    started = client.post("/staff/customers/import?lang=fr",
                          data={"file": (io.BytesIO(csv_rows(4000)), "c.csv")}, content_type="multipart/form-data")
    page = follow(client, started.headers["Location"])
    assert "L’import a échoué de façon inattendue après la ligne" in page.text
    created_before = counts(db)[0]
    assert 0 < created_before < 4000
    page = follow(client, client.post(RESUME.search(page.text).group(1)).headers["Location"])
    assert "4000 clients créés" in page.text.replace("\u202f", "").replace("\xa0", "")
    assert counts(db) == (4000, 4000) and uploads(db) == 0


SEED = r'''
import sys
from flask_migrate import upgrade
from survey_app import create_app
from survey_app.auth.services import create_user
from survey_app.extensions import db

app = create_app()
with app.app_context():
    upgrade()
    create_user("admin@example.com", "admin", sys.argv[1])
    db.session.commit()
print("ok")
'''

COUNT = r'''
from sqlalchemy import func, select
from survey_app import create_app
from survey_app.customers.models import Customer
from survey_app.extensions import db
from survey_app.storage.models import StoredBlob
with create_app().app_context():
    print(db.session.scalar(select(func.count()).select_from(Customer)),
          db.session.scalar(select(func.count(func.distinct(Customer.external_ref)))),
          db.session.scalar(select(func.count()).select_from(StoredBlob)))
'''


def multipart(field: str, filename: str, data: bytes, fields: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                 f'Content-Type: text/csv\r\n\r\n'.encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_an_import_whose_server_was_killed_is_shown_interrupted_and_resumes(gunicorn):  # noqa: F811
    gunicorn.env.update(JOB_STALE_SECONDS="3", JOB_HEARTBEAT_SECONDS="0.5", WEB_CONCURRENCY="1")
    gunicorn.python(SEED, PASSWORD)
    gunicorn.start()
    browser = Browser(gunicorn.base)
    browser.post("/staff/login", {"csrf_token": browser.token("/staff/login"), "email": "admin@example.com",
                                  "password": PASSWORD})
    body, content_type = multipart("file", "big.csv", csv_rows(150_000), {
        "csrf_token": browser.token("/staff/customers/import")})
    request = urllib.request.Request(gunicorn.base + "/staff/customers/import", data=body,
                                     headers={"Content-Type": content_type, "Origin": gunicorn.base})
    with browser.opener.open(request, timeout=60) as page:
        status_url = page.url[len(gunicorn.base):]
    progress = re.compile(r'<progress max="(\d+)" value="(\d+)">')
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = progress.search(browser.get(status_url))
        if found and int(found.group(2)) > 0:
            break
        time.sleep(0.02)
    assert found, "the import finished before it could be interrupted"
    gunicorn.kill_a_worker()
    deadline = time.monotonic() + 120
    while "This import was interrupted" not in (page := browser.get(status_url)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "This import was interrupted after line" in page
    imported = int(re.search(r"(\d+) customers? created", page).group(1))
    assert 0 < imported < 150_000
    assert gunicorn.python(COUNT) == f"{imported} {imported} 1"  # exactly what the page says; the upload kept
    browser.post(RESUME.search(page).group(1), {"csrf_token": browser.token(status_url)})
    deadline = time.monotonic() + 180
    while 'http-equiv="refresh"' in (page := browser.get(status_url)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "150000 customers created" in page.replace(",", "")
    assert gunicorn.python(COUNT) == "150000 150000 0"  # each customer once, and the upload removed
