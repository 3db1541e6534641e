"""A respondent sees and deletes their own answer on a phone (issue 16, part 4): through the private link of the
thank-you page (in Polish) and through their personal link again (in Russian); staff counts drop with it."""
from __future__ import annotations

import re

from babel.support import Translations

from tests.e2e.conftest import DESKTOP, PHONE, ROOT, axe_violations
from tests.e2e.test_browser import new_page, sign_in, submit  # noqa: F401 - new_page is a fixture

#: The seeded personal link each test answers with (0 and 1 are the other browser tests', 2 is free in pl and ru).
LINK = 2
#: Words of the English texts of these pages: none may be left on a translated page.
ENGLISH = ("answer", "Thank", "Delete", "deleted", "Sent on", "private", "survey", "available", "recorded",
           "for good", "Yes,", "valid")
TYPED = {"pl": "Obsługa przestała odpowiadać; żałuję, ale odchodzę.",
         "ru": "Поддержка перестала отвечать — жаль, но я ухожу."}


def translated(lang: str, msgid: str) -> str:
    """``msgid`` as the app's catalogue says it in ``lang`` (the tests compile the catalogues first)."""
    text = Translations.load(str(ROOT / "translations"), [lang]).gettext(msgid)
    assert text != msgid, f"{msgid!r} has no {lang} translation"
    return text


def check_page(page, lang: str, shot, step: str) -> str:
    """The page is in ``lang``, fits a 375 px phone, passes axe and keeps no English; return its main text."""
    page.wait_for_load_state("load")  # styled: a page still loading its stylesheet may be wider than the screen
    shot(page, step)
    assert page.get_attribute("html", "lang") == lang, step
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{step}: scrolls sideways"
    assert axe_violations(page) == [], step
    seen = page.locator("main").inner_text()
    left = [w for w in ENGLISH if w in seen or w in page.title()]
    assert left == [], f"{step}: English left: {left} in {seen!r}"
    assert not re.search(r"\b(40\d|41\d|500)\b", seen), f"{step}: an error code shown to a respondent"
    return seen


def response_count(staff, base: str, slug: str, lang: str) -> int:
    """How many responses the staff's list shows for the survey in ``lang``."""
    staff.goto(f"{base}/staff/responses?survey={slug}&locale={lang}")
    return int(re.search(r"(\d+) responses?\b", staff.inner_text("main")).group(1))


def answer(page, link: str, lang: str) -> str:
    """Answer through the personal ``link``: the first reason and a free text; return the reason's words."""
    page.goto(link)
    assert page.get_attribute("html", "lang") == lang
    first = page.locator("fieldset.choices input[type=radio]").first
    first.check()
    reason = first.locator("xpath=ancestor::label").inner_text().strip()
    page.fill("textarea", TYPED[lang])
    assert submit(page) == 303
    assert "/s/thanks/" in page.url
    return reason


def test_a_polish_respondent_deletes_their_answer_through_the_thank_you_link(live_server, browser, new_page,  # noqa: F811
                                                                             shot):
    base, facts = live_server
    slug, link = facts["surveys"]["exit"], facts["links"]["pl"][LINK]
    staff = new_page(DESKTOP)
    sign_in(staff, base, facts, "analyst")
    before = response_count(staff, base, slug, "pl")

    page = new_page(PHONE)
    reason = answer(page, link, "pl")
    check_page(page, "pl", shot, "1-thanks")
    private = page.locator("main a.token-link")
    own_url = private.get_attribute("href")
    assert private.inner_text() == own_url and "/s/mine/" in own_url
    assert response_count(staff, base, slug, "pl") == before + 1

    again = page.goto(link)  # the personal link, used: thanks, and offers to see or delete the answer
    assert again.status == 409
    check_page(page, "pl", shot, "2-link-again")
    assert page.locator(f"main a[href$='{urlpath(link)}/answer']").is_visible()
    assert page.locator(f"main a[href$='{urlpath(link)}/answer/delete']").is_visible()

    assert page.goto(own_url).status == 200
    seen = check_page(page, "pl", shot, "3-own")
    assert TYPED["pl"] in seen and reason in seen
    assert page.locator("main h1").inner_text() == translated("pl", "Your answer")

    page.locator("main a.button.secondary").click()  # "Delete my answer…": asks first, deletes nothing yet
    assert page.url == own_url + "/delete"
    check_page(page, "pl", shot, "4-confirm")
    assert page.locator("main h2").inner_text() == translated("pl", "Delete your answer?")
    assert response_count(staff, base, slug, "pl") == before + 1

    assert submit(page) == 200
    check_page(page, "pl", shot, "5-deleted")
    assert page.locator("main h1").inner_text() == translated("pl", "Your answer was deleted")
    assert response_count(staff, base, slug, "pl") == before

    # The private link now leads nowhere; nothing tells the app the visitor's language but their browser's.
    gone = page.goto(own_url)
    assert gone.status == 404 and page.locator("main h1").inner_text() == "This link is not valid"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    polish = browser.new_context(viewport=PHONE, locale="pl-PL")
    try:
        elsewhere = polish.new_page()
        assert elsewhere.goto(own_url).status == 404
        check_page(elsewhere, "pl", shot, "6-private-link-gone")
        assert elsewhere.locator("main h1").inner_text() == translated("pl", "This link is not valid")
    finally:
        polish.close()
    gone = page.goto(link)  # the personal link says the answer is gone
    assert gone.status == 410
    check_page(page, "pl", shot, "7-personal-link-gone")
    assert page.locator("main h1").inner_text() == translated("pl", "This answer is no longer available")
    assert page.goto(link + "/answer").status == 410


def test_a_russian_respondent_deletes_their_answer_through_their_personal_link(live_server, new_page, shot):  # noqa: F811
    base, facts = live_server
    slug, link = facts["surveys"]["exit"], facts["links"]["ru"][LINK]
    staff = new_page(DESKTOP)
    sign_in(staff, base, facts, "analyst")
    before = response_count(staff, base, slug, "ru")

    page = new_page(PHONE)
    reason = answer(page, link, "ru")
    own_url = page.locator("main a.token-link").get_attribute("href")
    assert response_count(staff, base, slug, "ru") == before + 1

    later = new_page(PHONE)  # later, from the email again, in a browser that never saw the thank-you page
    assert later.goto(link).status == 409
    check_page(later, "ru", shot, "1-link-again")
    later.locator(f"main a[href$='{urlpath(link)}/answer']").click()
    seen = check_page(later, "ru", shot, "2-own")
    assert TYPED["ru"] in seen and reason in seen

    later.locator("main a.button.secondary").click()
    assert later.url == link + "/answer/delete"
    check_page(later, "ru", shot, "3-confirm")
    assert submit(later) == 200
    check_page(later, "ru", shot, "4-deleted")
    assert later.locator("main h1").inner_text() == translated("ru", "Your answer was deleted")
    assert response_count(staff, base, slug, "ru") == before

    assert later.goto(link).status == 410
    check_page(later, "ru", shot, "5-personal-link-gone")
    assert later.locator("main h1").inner_text() == translated("ru", "This answer is no longer available")
    assert page.goto(own_url).status == 404  # and the thank-you page's private link with it
    assert page.locator("main h1").inner_text() == "This link is not valid"  # the browser's language: English


def urlpath(link: str) -> str:
    """The path of a link (``/s/<token>``), as the pages write their own links."""
    return re.sub(r"^https?://[^/]+", "", link)
