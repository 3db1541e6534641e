"""Uploads: the large import limit only for signed-in staff allowed to import, decided before the body is read;
a full disk while receiving a file, or a full database while keeping it, is a translated page, and nothing partial
stays behind."""
from __future__ import annotations

import builtins
import io
import re
import time
from html import unescape

import pytest
from sqlalchemy import func, select, update

from survey_app.auth.models import StaffUser
from survey_app.customers.models import Customer
from survey_app.responses.models import Response
from tests.conftest import PASSWORD, csrf_token

CUSTOMER_HEADER = ("external_ref;name;email;locale;segment;account_manager;annual_revenue;customer_since;"
                   "last_purchase;status;lost_at\n")
ANSWER_HEADER = "external_ref,submitted_at,locale,channel,reason_code,text\n"
BOUNDARY = "----survey-app-test-boundary"
MiB = 1024 * 1024


class CountingBody(io.RawIOBase):
    """A multipart body carrying one CSV file of ``size`` bytes, made as it is read, counting what the server read.

    Seekable only so that the test client can measure it (seeking reads nothing).
    """

    def __init__(self, size: int) -> None:
        self.head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
                     f"Content-Type: text/csv\r\n\r\n").encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = len(self.head) + size + len(self.tail)
        self.position = 0
        self.pulled = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence] + offset
        return self.position

    def _bytes(self, start: int, stop: int) -> bytes:
        filler_start, tail_start = len(self.head), self.length - len(self.tail)
        head = self.head[start:min(stop, filler_start)]
        filler = b"x" * max(0, min(stop, tail_start) - max(start, filler_start))
        tail = self.tail[max(0, start - tail_start):max(0, stop - tail_start)]
        return head + filler + tail

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.length - self.position))
        buffer[:count] = self._bytes(self.position, self.position + count)
        self.position += count
        self.pulled += count
        return count


def sign_in(client, make_user, role: str) -> StaffUser:
    """Sign in with CSRF protection on, as a browser would."""
    user = make_user(role)
    signed_in = client.post("/staff/login", data={"email": user.email, "password": PASSWORD,
                                                  "csrf_token": csrf_token(client.get("/staff/login").text)})
    assert signed_in.status_code == 302
    return user


def deactivate(db, user: StaffUser) -> None:
    with db() as session:
        session.execute(update(StaffUser).where(StaffUser.id == user.id).values(active=False))


def import_url(kind: str, survey) -> str:
    return "/staff/customers/import" if kind == "customers" else f"/staff/surveys/{survey.slug}/responses/import"


@pytest.mark.parametrize("kind, who", [
    ("customers", "anonymous"), ("customers", "analyst"), ("customers", "interviewer"),
    ("customers", "deactivated admin"),
    ("answers", "anonymous"), ("answers", "interviewer"), ("answers", "deactivated analyst"),
])
@pytest.mark.slow
def test_a_body_over_the_normal_limit_is_refused_unread_unless_the_sender_may_import(
        csrf_app, client, db, make_user, make_survey, kind, who):
    survey = make_survey("exit")
    if who != "anonymous":
        user = sign_in(client, make_user, who.split()[-1])
        if who.startswith("deactivated"):
            deactivate(db, user)
    body = CountingBody(csrf_app.config["MAX_CONTENT_LENGTH"] + 1)
    page = client.post(import_url(kind, survey), input_stream=body, content_length=body.length,
                       content_type=f"multipart/form-data; boundary={BOUNDARY}", headers={"Accept-Language": "fr"})
    assert page.status_code == 413
    assert '<html lang="fr"' in page.text and "Too much data" not in page.text
    assert body.pulled == 0, "the body was not read"


def wait_for_import(client, location: str):
    deadline = time.time() + 60
    page = client.get(location)
    while 'http-equiv="refresh"' in page.text and time.time() < deadline:
        time.sleep(0.05)
        page = client.get(location)
    return page


@pytest.mark.slow
def test_a_signed_in_admin_uploads_a_3_mib_customer_file(csrf_app, client, db, make_user):
    sign_in(client, make_user, "admin")
    rows = [f"BIG-{i:06d};{'Nom du client ' * 13}{i};;fr;;;;;;;\n" for i in range(16_000)]
    text = CUSTOMER_HEADER + "".join(rows)
    assert 3 * MiB <= len(text.encode()) < 4 * MiB
    form = {"csrf_token": csrf_token(client.get("/staff/customers/import").text),
            "file": (io.BytesIO(text.encode()), "big.csv")}
    started = client.post("/staff/customers/import", data=form, content_type="multipart/form-data")
    assert started.status_code == 303
    assert "0 rows refused" in wait_for_import(client, started.headers["Location"]).text
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 16_000


@pytest.mark.slow
def test_a_signed_in_analyst_uploads_a_3_mib_file_of_past_answers(csrf_app, client, db, make_user, make_survey,
                                                                    make_customer):
    survey = make_survey("exit")
    make_customer(ref="EN-1")
    sign_in(client, make_user, "analyst")
    text = ANSWER_HEADER + "".join(f"EN-1,2024-01-01 {i // 60 % 24:02d}:{i % 60:02d},,,,"
                                   f"{'Personne ne rappelait. ' * 80}{i}\n" for i in range(1_700))
    assert 3 * MiB <= len(text.encode()) < 4 * MiB
    url = import_url("answers", survey)
    form = {"csrf_token": csrf_token(client.get(url).text), "file": (io.BytesIO(text.encode()), "past.csv")}
    started = client.post(url, data=form, content_type="multipart/form-data")
    assert started.status_code == 303
    assert "260 rows already imported" in wait_for_import(client, started.headers["Location"]).text
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1_440


def allowed_user(kind: str) -> str:
    return "admin" if kind == "customers" else "analyst"


def small_file(kind: str) -> bytes:
    header = CUSTOMER_HEADER if kind == "customers" else ANSWER_HEADER
    row = "FULL-1;Nom;;fr;;;;;;;\n" if kind == "customers" else "EN-1,2024-01-01,,,moved,\n"
    return (header + row * 2_000).encode()


def assert_no_space_page(page) -> None:
    assert page.status_code == 507
    assert '<html lang="fr"' in page.text
    heading = re.search(r"<h1>(.*?)</h1>", page.text, re.S).group(1).strip()
    assert unescape(heading) == "Pas d’espace pour recevoir ce fichier"


@pytest.mark.parametrize("kind", ["customers", "answers"])
def test_a_full_disk_while_receiving_a_file_is_a_translated_page_and_the_partial_file_is_released(
        csrf_app, client, db, make_user, make_survey, monkeypatch, kind):
    survey = make_survey("exit")
    sign_in(client, make_user, allowed_user(kind))
    url = import_url(kind, survey)
    token = csrf_token(client.get(url).text)
    spooled = []

    def on_full_disk(**_kwargs):  # every write fails with ENOSPC, as on a full temporary disk
        spooled.append(builtins.open("/dev/full", "rb+"))
        return spooled[-1]

    monkeypatch.setattr("werkzeug.wrappers.request.default_stream_factory", on_full_disk)
    page = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(small_file(kind)), "x.csv")},
                       content_type="multipart/form-data", headers={"Accept-Language": "fr"})
    assert_no_space_page(page)
    assert spooled and all(stream.closed for stream in spooled), "the temporary file is closed, so freed"
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0
        assert session.scalar(select(func.count()).select_from(Response)) == 0


@pytest.fixture
def database_full(app):
    """SQLite's file may not grow: ``max_page_count`` makes every write past it fail with SQLITE_FULL, as a full
    disk does. Connections are dropped afterwards, so the limit ends with the test."""
    from sqlalchemy import event

    from survey_app.extensions import db as _db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's page limit stands for a full disk")
    with app.app_context():
        engine = _db.engine
        raw = engine.raw_connection()
        level = raw.driver_connection.isolation_level
        try:
            raw.driver_connection.isolation_level = None
            raw.driver_connection.execute("VACUUM")  # no free pages left to reuse: every new page grows the file
        finally:
            raw.driver_connection.isolation_level = level
            raw.close()

        def limit(connection, _record, _proxy) -> None:
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count = {pages + 16}")

        event.listen(engine, "checkout", limit)
    yield
    with app.app_context():
        event.remove(engine, "checkout", limit)
        engine.dispose()


@pytest.mark.parametrize("kind", ["customers", "answers"])
def test_a_full_database_while_keeping_the_upload_is_a_translated_page_and_nothing_stays(
        client, db, login, make_survey, kind, database_full):
    from survey_app.storage.models import BlobChunk, StoredBlob

    survey = make_survey("exit")
    login(allowed_user(kind))
    header = CUSTOMER_HEADER if kind == "customers" else ANSWER_HEADER
    big = (header + "".join(f"R-{i:06d};{'x' * 60}\n" for i in range(20_000))).encode()
    page = client.post(import_url(kind, survey), data={"file": (io.BytesIO(big), "x.csv")},
                       content_type="multipart/form-data", headers={"Accept-Language": "fr"})
    assert_no_space_page(page)
    with db() as session:
        assert session.scalar(select(func.count()).select_from(StoredBlob)) == 0
        assert session.scalar(select(func.count()).select_from(BlobChunk)) == 0
