"""Property-based fuzzing (hypothesis): random Unicode, NUL bytes, very long values, wrong types and missing
fields sent to every public form, the login form and the customer CSV import never cause a 500, and the
database stays consistent."""
from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey_app.csvimport.rows import ImportFileError
from survey_app.customers.importer import import_customers
from survey_app.responses.models import Answer, Response

#: Cases per target; the README reports the totals.
CASES = 120
FUZZ = settings(max_examples=CASES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

nasty_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30).map(lambda s: s + "\x00" + s),
    st.text(min_size=1, max_size=5).map(lambda s: s * 3000),  # past every length limit
    st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "1e309", "NaN", "true", "[]", "{}", "null",
                     "\ud7ff", "\u202e", "a\r\nb", "%00", "../../etc/passwd"]),
)


def form_data(field_names: list[str]):
    """Random values for the real fields (some left out, some repeated) plus unknown ones."""
    known = st.dictionaries(st.sampled_from(field_names), st.lists(nasty_text, min_size=0, max_size=3), max_size=8)
    unknown = st.dictionaries(st.text(min_size=1, max_size=12), nasty_text, max_size=3)
    return st.tuples(known, unknown)


def assert_consistent(db) -> None:
    """No answer without its response, at most one primary answer per response."""
    with db() as session:
        orphans = session.scalar(select(func.count()).select_from(Answer)
                                 .where(~Answer.response_id.in_(select(Response.id))))
        doubled = session.scalar(select(func.count()).select_from(
            select(Answer.response_id).where(Answer.is_primary.is_(True)).group_by(Answer.response_id)
            .having(func.count() > 1).subquery()))
    assert orphans == 0 and doubled == 0


@pytest.fixture
def survey_fields(make_survey):
    survey = make_survey("exit", slug="fuzz", open_link=True)
    return survey, [f"q{q.id}" for q in survey.questions] + ["lang", "csrf_token"]


def test_public_form_never_fails(app, db, survey_fields, make_invitation):
    survey, names = survey_fields
    _invitation, token = make_invitation(survey)
    client = app.test_client()

    @FUZZ
    @given(data=form_data(names), use_token=st.booleans(), lang=st.sampled_from(["", "fr", "xx", "ru\x00"]))
    def post(data, use_token, lang):
        known, unknown = data
        form = {**{k: v for k, v in known.items()}, **unknown}
        url = f"/s/{token}" if use_token else f"/s/o/{survey.slug}"
        response = client.post(url + (f"?lang={lang}" if lang else ""), data=form)
        assert response.status_code < 500, response.text[:300]

    post()
    assert_consistent(db)


def test_login_form_never_fails(app, make_user):
    make_user("admin", email="fuzz@example.com")
    client = app.test_client()

    @FUZZ
    @given(email=nasty_text, password=nasty_text, extra=st.dictionaries(st.text(max_size=8), nasty_text, max_size=2),
           next_url=nasty_text)
    def post(email, password, extra, next_url):
        response = client.post("/staff/login", query_string={"next": next_url},
                               data={"email": email, "password": password, **extra})
        assert response.status_code in (200, 302, 400, 401, 429), response.status_code

    post()


csv_lines = st.lists(st.lists(nasty_text, min_size=0, max_size=13).map(lambda cells: ",".join(cells)), max_size=6)


def test_customer_import_never_fails(app, db):
    header = ("external_ref,name,email,locale,segment,account_manager,annual_revenue,customer_since,last_purchase,"
              "status,lost_at")

    @FUZZ
    @given(lines=csv_lines, raw=st.binary(max_size=200), with_header=st.booleans(), encoding=st.sampled_from(
        ["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    def run(lines, raw, with_header, encoding):
        text = "\n".join(([header] if with_header else []) + lines)
        for data in (text.encode(encoding, errors="replace"), raw):
            with app.app_context():
                try:
                    report = import_customers(io.BytesIO(data))
                except ImportFileError:
                    continue
                physical_lines = data.count(b"\n") + data.count(b"\r") + 1
                assert report.created + report.updated + report.rejected <= physical_lines

    run()


def test_customer_upload_page_never_fails(app, login, client):
    login("admin")

    @FUZZ
    @given(body=st.binary(max_size=300), name=nasty_text)
    def upload(body, name):
        response = client.post("/staff/customers/import", data={"file": (io.BytesIO(body), name or "x.csv")},
                               content_type="multipart/form-data")
        assert response.status_code < 500

    upload()


def test_optout_page_never_fails(app, db, survey_fields, make_invitation):
    survey, _names = survey_fields
    _invitation, token = make_invitation(survey)
    client = app.test_client()

    @FUZZ
    @given(link=st.one_of(st.just(token), nasty_text.filter(lambda t: "/" not in t and "?" not in t and "#" not in t)),
           form=st.dictionaries(st.text(max_size=12), nasty_text, max_size=3), post=st.booleans())
    def visit(link, form, post):
        url = f"/s/{link[:300]}/optout"
        response = client.post(url, data=form) if post else client.get(url)
        assert response.status_code < 500

    visit()


def test_past_answer_import_never_fails(app, db, survey_fields, make_customer):
    from survey_app.responses.definition import definition_by_slug
    from survey_app.responses.importer import import_responses

    survey, _names = survey_fields
    make_customer(ref="0")
    header = "external_ref,submitted_at,locale,channel,reason_code,text"

    @FUZZ
    @given(lines=csv_lines, raw=st.binary(max_size=200), with_header=st.booleans())
    def run(lines, raw, with_header):
        text = "\n".join(([header] if with_header else []) + lines)
        for data in (text.encode("utf-8", errors="replace"), raw):
            with app.app_context():
                try:
                    import_responses(io.BytesIO(data), definition_by_slug(survey.slug))
                except ImportFileError:
                    continue

    run()
    assert_consistent(db)
