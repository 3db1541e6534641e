"""A product's cancel flow in a real browser (issue 16, part 3): an admin turns signed links on and makes one; the
customer opens it on a phone, switches language, answers once; a tampered link is refused."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.e2e.conftest import DESKTOP, PHONE, axe_violations
from tests.e2e.test_browser import new_page, sign_in, submit  # noqa: F401 - new_page is a fixture


def test_a_customer_sent_by_the_product_answers_once_in_their_language(live_server, new_page, shot):  # noqa: F811
    base, facts = live_server
    slug = facts["surveys"]["exit"]
    admin = new_page(DESKTOP)
    sign_in(admin, base, facts, "admin")
    admin.goto(f"{base}/staff/surveys/{slug}/settings")
    admin.get_by_role("link", name="Set up signed links").click()
    admin.check("input[name=enabled]")
    admin.check("input[name=fallback][value=refuse]")
    with admin.expect_response(lambda r: r.request.method == "POST") as saved:
        admin.click("form:has(input[name=enabled]) button[type=submit]")
    assert saved.value.status == 302
    assert admin.input_value("#link-secret")
    admin.fill("input[name=ref]", "E2E-CANCEL-1")
    admin.select_option("select[name=lang]", "ru")
    admin.fill("input[name=valid]", "1h")
    with admin.expect_response(lambda r: r.request.method == "POST") as made:
        admin.click("#try button[type=submit]")
    assert made.value.status == 200
    link = admin.input_value("#made-link")
    assert urlsplit(link).path == f"/s/o/{slug}" and "ref=E2E-CANCEL-1" in link
    shot(admin, "1-signed-links")

    customer = new_page(PHONE)
    customer.goto(link)
    assert customer.get_attribute("html", "lang") == "ru"
    customer.locator("nav.languages a[hreflang=pl]").click()
    assert customer.get_attribute("html", "lang") == "pl"
    assert customer.locator("#consent").is_visible()
    assert customer.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(customer) == []
    customer.locator("fieldset.choices input[type=radio]").first.check()
    assert submit(customer) == 303
    shot(customer, "2-thanks")
    again = customer.goto(link)
    assert again.status == 409
    tampered = customer.goto(link.replace("E2E-CANCEL-1", "E2E-CANCEL-2"))
    assert tampered.status == 403
    assert customer.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(customer, "3-tampered")

    admin.goto(f"{base}/staff/customers?q=E2E-CANCEL-1")
    assert "E2E-CANCEL-1" in admin.content()
