"""Links and redirects built from the request never lead to another site (issue 10, item 12): the language
links of any page, the "send again" forms, and the ``next`` target after signing in."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from survey_app.routing import is_site_path
from tests.conftest import PASSWORD

HREF = re.compile(r'(?:href|action)="([^"]*)"')
#: Paths a browser would resolve (or a careless check would read) as another host.
TRICKY_PATHS = ["/%5Cevil.example", "/%5C%5Cevil.example/x", "//evil.example", "/%09/evil.example",
                "/%5C/evil.example", "/s/o/%5Cevil.example"]


def browser_target(page_url: str, link: str) -> str:
    """Where a browser goes from ``page_url`` following ``link`` (backslashes read as slashes, tabs dropped)."""
    cleaned = re.sub(r"[\t\r\n]", "", link.replace("&amp;", "&")).replace("\\", "/")
    return urljoin("http://localhost" + page_url, cleaned)


def assert_same_site(page_url: str, html: str) -> None:
    links = HREF.findall(html)
    assert links
    for link in links:
        assert urlsplit(browser_target(page_url, link)).netloc == "localhost", link


@pytest.mark.parametrize("path", TRICKY_PATHS)
def test_links_on_a_404_page_stay_on_the_site(client, path):
    page = client.get(path + "?lang=fr&x=1")
    assert page.status_code in (404, 308)
    if page.status_code == 404:
        # a survey link's page says what happened in words, with no error code; other pages give the code
        assert ("Erreur 404" in page.text) != path.startswith("/s/")
        assert_same_site(path, page.text)
        assert re.search(r'href="/[^"/][^"]*\?lang=pl&amp;x=1"', page.text), "the page's own path, made harmless"


@pytest.mark.slow
@pytest.mark.parametrize("path", TRICKY_PATHS)
def test_links_on_a_signed_in_404_page_stay_on_the_site(client, login, path):
    login("admin")
    page = client.get(path)
    if page.status_code == 404:
        assert_same_site(path, page.text)


def test_language_links_keep_the_page_and_its_arguments(client, login, make_survey):
    make_survey("exit", slug="exit")
    login("admin")
    page = client.get("/staff/surveys/exit?tab=texts")
    assert 'href="/staff/surveys/exit?tab=texts&amp;lang=fr"' in page.text
    assert client.get("/staff/surveys/exit?tab=texts&lang=fr").status_code == 200


def test_the_send_again_form_posts_back_to_the_same_page(csrf_app):
    client = csrf_app.test_client()
    page = client.post("/staff/customers/new?lang=pl&next=/staff/responses", data={"name": "Anna"},
                       headers={"Origin": "http://localhost"})
    assert page.status_code == 400 and '<html lang="pl">' in page.text
    assert 'action="/staff/customers/new?lang=pl&amp;next=%2Fstaff%2Fresponses"' in page.text
    assert_same_site("/staff/customers/new?lang=pl", page.text)


@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example", "/\t/evil.example", "/\n/evil.example",
                                    "//evil.example", "http://evil.example/", "https:evil.example", "evil.example",
                                    "/%5Cevil.example".replace("%5C", "\\"), "\\\\evil.example", "/\x7f/evil.example",
                                    "", None])
def test_next_must_be_a_path_on_this_site(target):
    assert not is_site_path(target)


@pytest.mark.parametrize("target", ["/staff/surveys/", "/staff/responses?page=2&survey=exit", "/staff/reports/#x",
                                    "/staff/customers/?q=a%2Fb"])
def test_next_may_be_any_path_on_this_site(target):
    assert is_site_path(target)


@pytest.mark.parametrize("target", ["/\\evil.example", "/%5Cevil.example", "/%09/evil.example", "/\t/evil.example"])
def test_signing_in_never_redirects_off_the_site(client, make_user, target):
    user = make_user("admin")
    response = client.post("/staff/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(browser_target("/staff/login", location)).netloc == "localhost", location
    # Signed in already: the same check on the way through.
    again = client.get("/staff/login", query_string={"next": target})
    assert urlsplit(browser_target("/staff/login", again.headers["Location"])).netloc == "localhost"
