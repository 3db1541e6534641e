"""Unchecked values in URLs (issue 10, item 9): path ids beyond 64 bits, NUL and control characters in paths,
page numbers and dates out of range, and query arguments handed to ``url_for`` give a translated 400 or 404
page, never a 500 or a 503."""
from __future__ import annotations

import pytest

from tests.conftest import answer_data

TOO_BIG = str(2**63)
HUGE = "9" * 20
#: One past the largest INTEGER (every id column is a 32-bit integer on PostgreSQL).
PAST_INT = str(2**31)


@pytest.fixture
def admin(client, login):
    login("admin", locale="fr")
    return client


@pytest.mark.parametrize("url", [
    f"/staff/responses/{TOO_BIG}",
    f"/staff/responses/{HUGE}",
    f"/staff/responses/{PAST_INT}",
    "/staff/responses/0",
    f"/staff/customers/{TOO_BIG}/edit",
    f"/staff/customers/{HUGE}/edit",
    f"/staff/customers/{PAST_INT}/edit",
    "/staff/customers/0/edit",
])
def test_ids_outside_64_bits_are_a_translated_404(admin, url):
    page = admin.get(url)
    assert page.status_code == 404
    assert "Page introuvable" in page.text


def test_ids_are_written_with_the_digits_0_to_9(admin, make_customer):
    from urllib.parse import quote

    customer = make_customer(name="Digits")
    assert admin.get(f"/staff/customers/{customer.id}/edit").status_code == 200
    for zero in (0x660, 0xFF10):  # Arabic-Indic and full-width digits
        other = "".join(chr(zero + int(d)) for d in str(customer.id))
        assert admin.get(f"/staff/customers/{quote(other)}/edit").status_code == 404


@pytest.mark.parametrize("answer_id", [TOO_BIG, HUGE, PAST_INT, "0"])
def test_reviewing_an_id_outside_64_bits_is_a_translated_404(admin, answer_id):
    page = admin.post(f"/staff/review/{answer_id}", data={"bucket": "competitor"})
    assert page.status_code == 404
    assert "Page introuvable" in page.text


@pytest.mark.parametrize("path", [
    "/staff/surveys/exit%00x",
    "/staff/surveys/exit%01x/settings",
    "/staff/surveys/x%7F/invitations/",
    "/staff/customers/import/ab%00cd",
    "/s/abc%00def",
    "/s/o/exit%00",
    "/s/thanks/exit%1B",
])
def test_nul_and_control_characters_in_a_path_are_a_404(admin, make_survey, path):
    make_survey("exit", slug="exit")
    page = admin.get(path)
    assert page.status_code == 404
    assert "Page introuvable" in page.text


def test_the_largest_id_is_still_found(admin, db):
    from survey_app.customers.models import Customer

    with db() as session:
        session.add(Customer(id=2**31 - 1, external_ref="FAR", name="Far Away"))
    page = admin.get(f"/staff/customers/{2**31 - 1}/edit")
    assert page.status_code == 200 and "Far Away" in page.text
    assert admin.get(f"/staff/responses/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize("url, name", [
    (f"/staff/responses?page={HUGE}", "page"),
    ("/staff/responses?page=-4", "page"),
    ("/staff/responses?page=0", "page"),
    ("/staff/responses?page=x", "page"),
    (f"/staff/customers/?page={HUGE}", "page"),
    ("/staff/customers/?page=1e3", "page"),
    ("/staff/responses?until=9999-12-31", "until"),
    ("/staff/responses?since=0001-01-01", "since"),
    ("/staff/responses?since=yesterday", "since"),
    ("/staff/reports/?until=9999-12-31", "until"),
    ("/staff/reports/?since=1899-12-31", "since"),
])
def test_page_numbers_and_dates_out_of_range_are_a_translated_400_naming_the_value(admin, url, name):
    page = admin.get(url)
    assert page.status_code == 400, page.text[:500]
    assert f"«\u202f{name}\u202f»" in page.text or f"“{name}”" in page.text


@pytest.mark.parametrize("url", [
    "/staff/responses?page=2&until=2999-12-31&since=1900-01-01",
    "/staff/customers/?page=3",
    "/staff/reports/?since=1900-01-01&until=2999-12-31",
])
def test_page_numbers_and_dates_within_range_are_shown(admin, url):
    assert admin.get(url).status_code == 200


@pytest.mark.parametrize("query", [
    "_external=1", "_scheme=javascript", "_scheme=javascript&_external=1", "_method=DELETE", "_anchor=x",
    "_external=1&_scheme=https&_method=GET&period=week",
])
def test_query_arguments_never_reach_url_for(admin, make_survey, query):
    make_survey("exit", slug="exit")
    page = admin.get(f"/staff/surveys/exit/dashboard?{query}")
    assert page.status_code == 302
    location = page.headers["Location"]
    assert location.startswith("/staff/reports/?") and "survey=exit" in location
    assert "javascript" not in location and "_external" not in location and "_method" not in location


def test_dashboard_link_keeps_the_filter_it_knows(admin, make_survey):
    make_survey("exit", slug="exit")
    page = admin.get("/staff/surveys/exit/dashboard?period=week&locale=fr&bogus=1")
    assert page.status_code == 302
    location = page.headers["Location"]
    assert "period=week" in location and "locale=fr" in location and "bogus" not in location


def test_pager_links_carry_only_known_filters(app, admin, make_survey):
    survey = make_survey("exit", slug="exit")
    public = app.test_client()
    for _ in range(51):
        assert public.post("/s/o/exit", data=answer_data(survey, main_reason="moved")).status_code == 303
    page = admin.get("/staff/responses?survey=exit&_external=1&_scheme=javascript&_method=x")
    assert page.status_code == 200
    pager = page.text.split('class="pager"')[1].split("</nav>")[0].replace("&amp;", "&")
    assert 'href="/staff/responses?page=2&survey=exit"' in pager
    assert "_scheme" not in pager and "_external" not in pager and "_method" not in pager
