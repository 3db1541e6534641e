"""Every staff page on a phone (375 px wide): nothing scrolls sideways, whoever is signed in.

The pages are found by following the links of the app itself from the surveys list, and checked against the
app's URL map, so a new staff page that nobody links to (or that overflows) fails here.
"""
from __future__ import annotations

from collections import deque
from urllib.parse import urlsplit

from tests.e2e.conftest import PHONE, axe_violations
from tests.e2e.test_browser import new_page, sign_in  # noqa: F401 - new_page is a fixture

#: Endpoints under /staff/ answering GET that are not pages, so they are never measured.
NOT_PAGES = {
    "auth.logout",  # POST only
    "reports.chart", "lost.chart", "winback_results.chart", "purchases.customer_chart",  # PNG/SVG charts
    "reports.export", "lost.export", "winback_results.export", "audit.export",  # CSV and spreadsheet downloads
    "customers.import_report", "purchases.import_report", "responses.import_report",  # CSV reports of refused rows
    "customers.export",  # a customer's data as a JSON download (subject access)
    "invitations.preview_html",  # an email's HTML, drawn inside the email preview's frame (measured with it)
}
#: Staff pages seen without signing in: the login page is measured first; the password page needs an emailed token
#: (test_browser.py measures it on a phone when a colleague chooses their password).
SIGNED_OUT = {"auth.login", "auth.set_password"}
#: CSV files whose rows are all refused, so that each import's status page lists problems without changing data.
REFUSED_IMPORTS = {
    "/staff/customers/import": "external_ref,name,email,locale\n"
                               "E2E-refused,Refused,not-an-address-https://example.com/a/very/long/path/that/never/"
                               "breaks/by/itself,fr\n",
    "/staff/purchases/import": "external_ref,date,amount\nE2E-fr-0,not-a-date-nor-anything-like-one-at-all,12\n",
    "/staff/surveys/{exit}/responses/import": "external_ref,submitted_at,locale,channel,reason_code,text\n"
                                              "E2E-nobody-knows-this-reference-at-all,2026-01-01,fr,web,price,x\n",
}
#: Pages whose layout changed most for phones: axe-core checks them too.
AXE_CHECKED = {"surveys.index", "reports.dashboard", "invitations.index", "customers.show", "winback.show"}


def staff_pages() -> dict[str, str]:
    """Every staff page's endpoint, with its rule: GET routes under /staff/ that are not downloads."""
    from survey_app import create_app

    app = create_app()
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/staff/") and "GET" in (rule.methods or ())
            and rule.endpoint not in NOT_PAGES | SIGNED_OUT}


def matcher():
    """A function telling which endpoint a path belongs to (None outside the app's GET routes)."""
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect

    from survey_app import create_app

    adapter = create_app().url_map.bind("localhost")

    def endpoint(path: str) -> str | None:
        try:
            return adapter.match(path, method="GET")[0]
        except (HTTPException, RequestRedirect):
            return None

    return endpoint


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def import_refused_rows(page, base: str, facts: dict) -> list[str]:
    """Upload each CSV of refused rows and wait until its import has finished, so its status page shows problems;
    return the status pages' paths (reached by the upload's redirect, not by a link)."""
    from playwright.sync_api import expect

    status = []
    for path, text in REFUSED_IMPORTS.items():
        page.goto(base + path.format(exit=facts["surveys"]["exit"]))
        page.set_input_files("main input[type=file]", files=[
            {"name": "refused.csv", "mimeType": "text/csv", "buffer": text.encode()}])
        page.click("main button[type=submit]")
        expect(page.locator("main table").first).to_be_visible(timeout=20_000)  # the problems, once it has finished
        status.append(urlsplit(page.url).path)
    return status


def crawl(page, base: str, start: list[str], endpoint_of) -> dict[str, tuple[str, int, list[str]]]:
    """Visit one page per endpoint reachable by links from ``start``; return each endpoint's URL, overflow and the
    elements sticking out past the window's right edge."""
    seen: dict[str, tuple[str, int, list[str]]] = {}
    queue = deque(start)
    while queue:
        path = queue.popleft()
        endpoint = endpoint_of(urlsplit(path).path)
        if endpoint is None or endpoint in seen or endpoint in NOT_PAGES | SIGNED_OUT:
            continue
        answer = page.goto(base + path)
        assert answer is not None and answer.ok, f"{path}: {answer.status if answer else 'no answer'}"
        page.wait_for_load_state("load")  # the charts are in, with their sizes
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !e.closest('.scroll'))
            .slice(-3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""")
        seen[endpoint] = (path, overflow(page), wide)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            url = urlsplit(href)
            # Links switching the language (?lang=) would change it for the rest of the visit.
            if href.startswith(base) and url.path.startswith("/staff/") and "lang=" not in url.query:
                queue.append(url.path + (f"?{url.query}" if url.query else ""))
    return seen


def test_no_staff_page_scrolls_sideways_on_a_phone(live_server, new_page, shot):  # noqa: F811
    base, facts = live_server
    pages, endpoint_of = staff_pages(), matcher()
    page = new_page(PHONE)
    page.goto(f"{base}/staff/login")
    offenders = [f"auth.login /staff/login: {overflow(page)} px"] if overflow(page) > 0 else []
    sign_in(page, base, facts, "admin")
    start = [*import_refused_rows(page, base, facts), "/staff/surveys/",
             f"/staff/surveys/{facts['surveys']['exit']}/dashboard",  # a survey's dashboard has no link to it
             f"/staff/surveys/{facts['surveys']['exit']}/preview",  # its links all choose a language (?lang=)
             "/staff/reports/lost/customers"]
    visited: dict[str, dict] = {"admin": crawl(page, base, start, endpoint_of)}
    for role in ("analyst", "interviewer"):
        other = new_page(PHONE)
        sign_in(other, base, facts, role)
        visited[role] = crawl(other, base, ["/staff/surveys/"], endpoint_of)  # their menu leads to their pages
    for role, seen in visited.items():
        offenders += [f"{role}: {endpoint} {path}: {px} px wider, sticking out: {wide}"
                      for endpoint, (path, px, wide) in sorted(seen.items()) if px > 0]
    assert offenders == [], "pages scrolling sideways at 375 px:\n" + "\n".join(offenders)
    missed = sorted(set(pages) - {e for seen in visited.values() for e in seen})
    assert missed == [], f"staff pages no link leads to (measure them too): {missed}"

    for endpoint in sorted(AXE_CHECKED):
        page.goto(base + visited["admin"][endpoint][0])
        shot(page, endpoint)
        assert axe_violations(page) == [], endpoint
