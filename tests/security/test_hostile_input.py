"""Hostile input: XSS payloads and SQL-injection strings stay inert everywhere they are shown or exported,
and forms without a valid CSRF token are refused with a translated 400 page."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from survey_app.customers.models import Customer
from survey_app.invitations.mail import render_invitation
from survey_app.responses.models import Answer, Response
from survey_app.surveys.models import Survey
from survey_app.surveys.services import set_texts
from tests.conftest import answer_data, csrf_token

#: Classic payloads: script tags, event handlers, attribute breaking, javascript: URLs, template syntax.
XSS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg onload=alert(1)>",
    "'><iframe src=javascript:alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "{{ config.SECRET_KEY }}",
    "{% raw %}{{7*7}}{% endraw %}",
    "</textarea><script>alert(document.cookie)</script>",
    "<body onload=alert(1)>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
)
SQL = ("'; DROP TABLE response; --", "1 OR 1=1", "\" OR \"\"=\"", "x' UNION SELECT password_hash FROM staff_user --")
FORMULAS = ("=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)")
#: Markup that must never reach a page or an email unescaped.
LIVE = re.compile(r"<script>alert|<img src=x|<svg onload|<iframe|<a href=\"javascript|<body onload|<math>", re.I)


@pytest.fixture
def hostile(app, db, make_survey, make_customer):
    """A survey whose texts, customers and answers are all payloads."""
    survey = make_survey("exit", slug="hostile")
    with db() as session:
        stored = session.merge(survey)
        set_texts(stored, "en", XSS[2], XSS[1], XSS[0], {})
    public = app.test_client()
    for i, payload in enumerate(XSS + SQL + FORMULAS):
        make_customer(name=payload, ref=f"H-{i}", segment=payload[:60])
        response = public.post(f"/s/o/{survey.slug}", data=answer_data(survey, main_reason="poor_quality",
                                                                         free_text=payload))
        assert response.status_code == 303
    return survey


def assert_inert(html: str) -> None:
    assert not LIVE.search(html), LIVE.search(html).group(0)
    assert "49" not in re.findall(r"\b\d+\b", "".join(re.findall(r"7\*7[^<]*", html)))
    assert "test-secret-key" not in html


def test_payloads_are_escaped_on_every_staff_page(client, login, db, hostile):
    login("admin")
    with db() as session:
        response_id = session.scalar(select(func.min(Response.id)))
    pages = ["/staff/responses", f"/staff/responses/{response_id}", "/staff/review/", "/staff/customers/",
             f"/staff/surveys/{hostile.slug}", "/staff/reports/", "/staff/reports/print",
             f"/staff/surveys/{hostile.slug}/texts/fr", "/staff/customers/?q=%3Cscript%3E"]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert_inert(page.text)
    shown = client.get("/staff/customers/").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown, "the payload is shown, as text"


def test_payloads_are_inert_on_the_public_pages(app, hostile):
    public = app.test_client()
    page = public.get(f"/s/o/{hostile.slug}")
    assert page.status_code == 200
    assert_inert(page.text)
    refused = public.post(f"/s/o/{hostile.slug}", data={"q0": XSS[7]})  # invalid: shows the form again
    assert refused.status_code == 400
    assert_inert(refused.text)


def test_payloads_are_escaped_in_emails(app, db, hostile):
    with db() as session:
        customer = session.scalar(select(Customer).where(Customer.external_ref == "H-0"))
        message = render_invitation(session.merge(hostile), customer, "en", "token123")
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert_inert(html)
    assert "&lt;script&gt;" in html


def test_exports_keep_payloads_as_text_and_neutralise_formulas(client, login, hostile):
    login("analyst")
    body = client.get(f"/staff/reports/export/answers.csv?survey={hostile.slug}").data.decode("utf-8-sig")
    texts = [row["text"] for row in csv.DictReader(io.StringIO(body)) if row["text"]]
    assert set(XSS) <= set(texts), "text is exported exactly as typed"
    for formula in FORMULAS:
        assert formula not in texts and "'" + formula in texts

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(client.get(f"/staff/reports/export/answers.xlsx?survey={hostile.slug}").data))
    cells = [c for row in workbook.active.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not [c for c in cells if c[:1] in "=+-@"], "no cell starts like a formula"
    assert all(c.data_type != "f" for row in workbook.active.iter_rows() for c in row)


@pytest.mark.parametrize("payload", SQL)
def test_sql_injection_strings_are_plain_values(client, login, db, hostile, payload):
    login("admin")
    for url in (f"/staff/customers/?q={payload}", f"/staff/customers/?segment={payload}",
                f"/staff/responses?q={payload}", f"/staff/reports/?segment={payload[:60]}"):
        assert client.get(url).status_code in (200, 400), url
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == len(XSS + SQL + FORMULAS)
        assert session.scalar(select(func.count()).select_from(Survey)) == 1
        stored = session.scalars(select(Answer.text).where(Answer.text.is_not(None))).all()
    assert payload in stored


@pytest.mark.parametrize("url, data", [
    ("/staff/login", {"email": "a@example.com", "password": "x"}),
    ("/s/o/hostile", {}),
    ("/staff/logout", {}),
])
def test_missing_or_wrong_csrf_token_is_a_translated_400(make_survey, csrf_app, url, data):
    make_survey("exit", slug="hostile")
    client = csrf_app.test_client()
    client.get("/?lang=pl")
    for token in (None, "forged-token"):
        sent = {**data, **({"csrf_token": token} if token else {})}
        response = client.post(url, data=sent)
        assert response.status_code == 400, url
        assert '<html lang="pl"' in response.text


def test_a_valid_csrf_token_is_accepted(make_survey, csrf_app):
    hostile = make_survey("exit", slug="hostile")
    client = csrf_app.test_client()
    token = csrf_token(client.get(f"/s/o/{hostile.slug}").text)
    data = {**answer_data(hostile, main_reason="moved"), "csrf_token": token}
    assert client.post(f"/s/o/{hostile.slug}", data=data).status_code == 303


def test_production_session_cookie_is_httponly_samesite_and_secure(tmp_path, monkeypatch):
    from survey_app import create_app
    from survey_app.config import ProductionConfig
    from survey_app.extensions import db as database

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app(ProductionConfig, SECRET_KEY="s" * 40, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db")
    with app.app_context():
        database.create_all()
    response = app.test_client().get("/staff/login?lang=fr", base_url="https://surveys.example.com")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
