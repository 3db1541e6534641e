"""People using the app in a real browser: respondents in four languages on a phone and a desktop, a loyal
customer, an analyst and an interviewer. axe-core checks the pages they see."""
from __future__ import annotations

import pytest

from survey_app.surveys.presets import PRESETS
from tests.e2e.conftest import DESKTOP, PHONE, axe_violations

LANGUAGES = ("fr", "pl", "ru", "en")
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
#: Which of the seeded personal links each viewport uses (the third is for the keyboard test).
LINK = {"phone": 0, "desktop": 1}
#: What the respondent types: in each language, with letters beyond ASCII.
FREE_TEXT = {"fr": "Le service client ne répondait plus, c'est dommage.",
             "pl": "Obsługa przestała odpowiadać na zgłoszenia, szkoda.",
             "ru": "Поддержка перестала отвечать на обращения, жаль.",
             "en": "Support stopped answering our tickets, sadly."}


def html_lang(page) -> str:
    return page.get_attribute("html", "lang")


def submit(page) -> int:
    """Press the form's submit button; return the status of the POST."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("main button[type=submit]")
    return answer.value.status


@pytest.fixture
def new_page(browser):
    """A page in a fresh browser profile with the given viewport."""
    contexts = []

    def make(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page, base: str, facts: dict, role: str) -> None:
    email, password = facts["logins"][role]
    page.goto(f"{base}/staff/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    assert "/staff/login" not in page.url


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_departing_customer_answers_through_the_emailed_link(live_server, new_page, shot, lang, viewport):
    base, facts = live_server
    link = facts["links"][lang][LINK[viewport]]  # as found in the email the customer received
    assert facts["emails"][lang][LINK[viewport]]["Content-Language"] == lang
    page = new_page(VIEWPORTS[viewport])
    page.goto(link)
    assert html_lang(page) == lang, "the customer's language comes from the invitation"
    # The form fits the screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "1-form")
    assert axe_violations(page) == []

    other = "en" if lang != "en" else "pl"
    page.click(f"header a[hreflang={other}]")
    assert html_lang(page) == other
    page.click(f"header a[hreflang={lang}]")
    assert html_lang(page) == lang

    # Free text typed, main reason forgotten: the page says what is missing and keeps the text.
    page.fill("textarea", FREE_TEXT[lang])
    assert submit(page) == 400
    assert page.locator("[role=alert]").is_visible()
    assert page.input_value("textarea") == FREE_TEXT[lang]
    assert html_lang(page) == lang
    shot(page, "2-error")
    assert axe_violations(page) == []

    page.locator("fieldset.choices input[type=radio]").first.check()
    assert submit(page) == 303
    assert "/s/thanks/" in page.url and html_lang(page) == lang
    shot(page, "3-thanks")
    assert axe_violations(page) == []

    # The link works once: coming back shows the "already answered" page, in the same language.
    again = page.goto(link)
    assert again.status == 409 and html_lang(page) == lang
    seen = page.locator("main").inner_text()
    assert page.locator("h1").is_visible() and "409" not in seen  # thanked in words, no error code


def test_form_can_be_answered_with_the_keyboard_alone(live_server, new_page, shot):
    base, facts = live_server
    page = new_page(DESKTOP)
    page.goto(facts["links"]["en"][2])
    first_radio = page.locator("fieldset.choices input[type=radio]").first
    for _ in range(40):  # Tab through the language switcher to the first reason
        page.keyboard.press("Tab")
        if first_radio.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the first reason cannot be reached with Tab")
    page.keyboard.press("Space")
    assert first_radio.is_checked()
    textarea = page.locator("textarea")
    for _ in range(60):
        page.keyboard.press("Tab")
        if textarea.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.type("Typed without a mouse.")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type === 'submit'"):
            break
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 303
    shot(page, "thanks")


def test_loyal_customer_answers_the_loyalty_survey(live_server, new_page, shot):
    base, facts = live_server
    page = new_page(PHONE)
    page.goto(f"{base}/s/o/{facts['surveys']['loyalty']}?lang=pl")
    assert html_lang(page) == "pl"
    shot(page, "1-form")
    page.locator("fieldset.choices input[type=radio]").first.check()
    page.fill("textarea", "Gdyby ceny wzrosły o połowę, szukalibyśmy innego dostawcy.")
    assert submit(page) == 303
    assert html_lang(page) == "pl"
    shot(page, "2-thanks")


def test_login_page_is_accessible(live_server, new_page):
    base, _facts = live_server
    page = new_page(PHONE)
    page.goto(f"{base}/staff/login?lang=ru")
    assert axe_violations(page) == []


def test_analyst_filters_the_dashboard_reviews_and_exports(live_server, new_page, shot, tmp_path):
    base, facts = live_server
    page = new_page(DESKTOP)
    sign_in(page, base, facts, "analyst")
    page.goto(f"{base}/staff/reports/")
    shot(page, "1-dashboard")
    assert axe_violations(page) == []

    page.select_option("select[name=kind]", "exit")
    page.check(f"input[name=survey][value={facts['surveys']['exit']}]")
    page.click("form.report-filters button[type=submit]")
    assert "kind=exit" in page.url and f"survey={facts['surveys']['exit']}" in page.url
    images = page.locator("figure.chart img")
    assert images.count() >= 4
    for i in range(images.count()):  # every chart drawn, each with a table of its numbers after it
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert image.get_attribute("alt")
    shot(page, "2-filtered")
    for link in ("PNG", "SVG"):
        href = page.locator(f"figure.chart a:text-is('{link}')").first.get_attribute("href")
        assert page.request.get(base + href).ok

    with page.expect_download() as download:
        page.click("a[href*='/export/answers.xlsx']")
    saved = tmp_path / "answers.xlsx"
    download.value.save_as(saved)
    from openpyxl import load_workbook

    sheet = load_workbook(saved, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "response_id" and len(rows) > 50

    page.goto(f"{base}/staff/review")
    shot(page, "3-review-queue")
    waiting = page.locator(".decisions").count()
    assert waiting > 0
    page.locator(".decisions button[value=dissatisfaction]").first.click()
    assert page.locator(".flash-success, .flash").first.is_visible()
    shot(page, "4-reviewed")


def test_interviewer_records_a_phone_interview(live_server, new_page, shot):
    base, facts = live_server
    page = new_page(DESKTOP)
    sign_in(page, base, facts, "interviewer")
    page.goto(f"{base}/staff/interviews?lang=fr")
    page.click(f"a[href$='/staff/surveys/{facts['surveys']['exit']}/interview']")
    page.fill("input[name=customer_ref]", "E2E-fr-5")
    page.select_option("select[name=interview_locale]", "fr")
    page.locator("fieldset.choices input[type=radio]").first.check()
    page.fill("textarea", "Au téléphone : le client est parti chez un concurrent moins cher.")
    shot(page, "1-form")
    assert save_interview(page) == 302
    assert "/staff/responses/" in page.url
    assert page.get_by_text("E2E-fr-5").count() or page.get_by_text("Client fr 5").count()
    shot(page, "2-recorded")


def save_interview(page) -> int:
    """Press "Save interview"; return the status of the POST."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#save-interview")
    return answer.value.status


def test_interviewer_calls_a_customer_from_the_call_list_in_their_language(live_server, new_page, shot):
    from playwright.sync_api import expect

    base, facts = live_server
    ref = facts["call"]
    page = new_page(DESKTOP)
    sign_in(page, base, facts, "interviewer")
    page.goto(f"{base}/staff/interviews")
    first = page.locator("table.calls tbody tr").first
    expect(first.locator("th")).to_contain_text(ref)  # mine, lost most recently: at the top
    shot(page, "1-call-list")
    assert axe_violations(page) == []
    first.get_by_role("link", name="Start interview").click()

    # The customer's details, and the questions in the customer's language.
    details = page.locator("section.customer")
    for shown in (ref, "Polski", "Retail", "Interviewer Tester", "Lost on"):
        expect(details).to_contain_text(shown)
    assert page.input_value("input[name=customer_ref]") == ref
    assert page.input_value("select[name=interview_locale]") == "pl"
    questions = page.locator("#questions")
    assert questions.get_attribute("lang") == "pl"
    polish = page.locator("#questions legend").first.inner_text()
    page.locator("#questions input[type=radio][value=better_offer]").check()
    page.fill("#questions textarea", "Konkurencja zaproponowała niższą cenę.")
    shot(page, "2-polish")
    assert axe_violations(page) == []

    # Another language: the questions change in place (the script hides the button that reloads without it), and
    # what was typed stays.
    expect(page.locator("[data-switch-language]")).to_be_hidden()
    page.evaluate("window.sameDocument = true")
    page.select_option("select[name=interview_locale]", "fr")
    expect(questions).to_have_attribute("lang", "fr")
    assert page.locator("#questions legend").first.inner_text() != polish
    expect(page.locator("#questions")).to_contain_text("Offre plus intéressante chez un concurrent")
    assert page.locator("#questions input[type=radio][value=better_offer]").is_checked()
    assert page.input_value("#questions textarea") == "Konkurencja zaproponowała niższą cenę."
    assert page.evaluate("window.sameDocument === true")
    shot(page, "3-french")
    assert save_interview(page) == 302
    assert "/staff/responses/" in page.url
    expect(page.locator("main")).to_contain_text("Konkurencja zaproponowała niższą cenę.")
    recorded = page.url
    shot(page, "4-recorded")

    # No longer on the call list; found by a search, a second interview asks first.
    page.goto(f"{base}/staff/interviews")
    expect(page.locator("table.calls")).not_to_contain_text(ref)
    page.fill("input[name=q]", "e2e-CALL")  # part of the reference, in another case
    page.click("form[role=search] button[type=submit]")
    page.locator("table.calls tbody tr", has_text=ref).get_by_role("link", name="Start interview").click()
    expect(page.locator("section.customer .notice")).to_be_visible()
    page.locator("#questions input[type=radio][value=moved]").check()
    page.fill("#questions textarea", "Drugi telefon.")
    assert save_interview(page) == 409
    warning = page.locator("#repeat-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Interviewer Tester")
    assert page.input_value("#questions textarea") == "Drugi telefon."
    shot(page, "5-second-interview-warning")
    assert axe_violations(page) == []
    page.check("input[name=confirm_repeat]")
    assert save_interview(page) == 302
    second = page.url
    assert second != recorded

    # Both in My interviews, newest first, each opening its response.
    page.goto(f"{base}/staff/interviews/mine")
    links = page.locator("table.mine tbody tr a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs[:2] == [second.removeprefix(base), recorded.removeprefix(base)]
    expect(page.locator("table.mine tbody tr").first).to_contain_text(ref)
    shot(page, "6-my-interviews")
    assert axe_violations(page) == []
    links.first.click()
    assert page.url == second


def test_a_stale_form_is_sent_again_but_a_form_planted_by_another_site_is_not(live_server, new_page, shot):
    """Chromium's own Origin and SameSite handling against the CSRF page: "Send again" for this site's form,
    an explanation without the planted fields for another site's."""
    base, facts = live_server
    page = new_page(DESKTOP)
    sign_in(page, base, facts, "interviewer")
    interview = f"{base}/staff/surveys/{facts['surveys']['exit']}/interview"
    page.goto(interview)
    page.fill("input[name=customer_ref]", "E2E-en-6")
    page.locator("fieldset.choices input[type=radio]").first.check()
    page.fill("textarea", "Kept through a stale form token.")
    page.evaluate("document.querySelector('main input[name=csrf_token]').value = 'stale'")
    assert save_interview(page) == 400
    shot(page, "1-send-again")
    assert page.locator("main button[type=submit]").inner_text() == "Send again"
    assert submit(page) == 302 and "/staff/responses/" in page.url

    planted = (f'<form method="post" action="{interview}"><input name="customer_ref" value="E2E-en-7">'
               '<input name="interview_locale" value="en"><textarea name="q1">Planted</textarea></form>'
               "<script>document.forms[0].submit()</script>")
    page.route("http://evil.example/**", lambda route: route.fulfill(body=planted, content_type="text/html"))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.goto("http://evil.example/")
    assert answer.value.status == 400
    page.wait_for_load_state()
    shot(page, "2-planted")
    assert page.url == interview and "Planted" not in page.content()
    assert page.get_by_text("This form was not sent").is_visible()
    assert page.locator("main form").count() == 0


def test_admin_invites_many_only_after_confirming_the_count_and_one_with_the_link_on_top(live_server, new_page,
                                                                                           shot):
    base, facts = live_server
    page = new_page(PHONE)
    sign_in(page, base, facts, "admin")
    page.goto(f"{base}/staff/surveys/{facts['surveys']['exit']}/invitations/")
    # An exit survey invites departed customers unless told otherwise; counting comes before inviting.
    assert page.locator("select[name=status]").input_value() == "lost"
    page.click("text=Count the customers to invite")
    confirm = page.locator("#confirm-invitations")
    assert confirm.is_visible() and "customers?" in confirm.inner_text()
    assert page.locator("#confirm-invitations button", has_text="Yes, invite").is_visible()
    shot(page, "invite-many-confirm")
    # One customer: the link comes at the top, focused, with a button to copy it.
    page.fill("input[name=customer_ref]", facts["uninvited"][0])
    page.click("text=Create this customer's link")
    from playwright.sync_api import expect

    expect(page.locator("#new-link-url")).to_be_focused(timeout=10_000)
    box = page.locator("#new-link-url").bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"]  # on screen without scrolling
    assert "/s/" in page.locator("#new-link-url").input_value()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("button[data-copy]")
    expect(page.locator("[data-copied]")).to_be_visible(timeout=10_000)
    assert page.evaluate("navigator.clipboard.readText()") == page.locator("#new-link-url").input_value()
    shot(page, "invite-one-link")


def test_an_empty_form_on_a_phone_says_what_is_wrong_at_the_top_and_at_the_question(live_server, new_page, shot):
    from playwright.sync_api import expect

    base, facts = live_server
    page = new_page(PHONE)
    page.goto(f"{base}/s/o/{facts['surveys']['exit']}?lang=ru")
    page.click("button[type=submit]")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused(timeout=10_000)
    box = summary.bounding_box()
    assert box is not None and box["y"] < PHONE["height"]  # seen without scrolling
    shot(page, "error-summary")
    page.click("#error-summary a")
    target = page.locator("fieldset.has-error input").first
    expect(target).to_be_focused()
    # The message is at the question, right under it, and only that question is marked.
    legend = page.locator("fieldset.has-error legend").bounding_box()
    message = page.locator("fieldset.has-error .errors").bounding_box()
    assert 0 <= message["y"] - (legend["y"] + legend["height"]) < 60
    assert page.locator(".has-error").count() == 1


def test_admin_gives_the_thank_you_page_a_next_step_that_a_polish_customer_sees(live_server, new_page, shot):
    base, facts = live_server
    slug = facts["surveys"]["loyalty"]
    admin = new_page(DESKTOP)
    sign_in(admin, base, facts, "admin")
    admin.goto(f"{base}/staff/surveys/{slug}/settings")
    admin.fill("input[name=next_step_url]", "javascript:alert(1)")
    assert submit(admin) == 400
    assert admin.input_value("input[name=next_step_url]") == "javascript:alert(1)"  # kept, with why at the field
    assert admin.locator(".field.has-error").filter(has=admin.locator("input[name=next_step_url]")).is_visible()
    admin.fill("input[name=next_step_url]", f"{base}/staff/login?offer=1")
    assert submit(admin) == 302
    admin.goto(f"{base}/staff/surveys/{slug}/texts/pl")
    admin.fill("textarea[name=next_step]", "Opiekun konta zadzwoni do Państwa w ciągu dwóch dni roboczych.")
    admin.fill("input[name=next_step_label]", "Zobacz naszą ofertę")
    assert submit(admin) == 302
    shot(admin, "1-texts")

    customer = new_page(PHONE)
    customer.goto(f"{base}/s/o/{slug}?lang=pl")
    customer.locator("fieldset.choices input[type=radio]").first.check()
    assert submit(customer) == 303
    section = customer.locator("section.next-step")
    assert section.is_visible() and "w ciągu dwóch dni roboczych" in section.inner_text()
    link = section.get_by_role("link", name="Zobacz naszą ofertę")
    assert link.get_attribute("href") == f"{base}/staff/login?offer=1"
    assert customer.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(customer, "2-thanks")
    assert axe_violations(customer) == []


def test_admin_invites_a_colleague_who_chooses_a_password_from_the_email_and_signs_in(live_server, new_page, shot):
    import re

    base, facts = live_server
    mailbox = facts["mailbox"]
    page = new_page(DESKTOP)
    sign_in(page, base, facts, "admin")
    page.click("header a[href='/staff/users/']")
    page.click("main a[href='/staff/users/invite']")
    page.fill("input[name=email]", "newcomer@example.com")
    page.fill("input[name=name]", "Nowa Analityczka")
    page.select_option("select[name=role]", "analyst")
    page.select_option("select[name=locale]", "pl")
    shot(page, "1-invite")
    assert axe_violations(page) == []
    assert submit(page) == 302
    assert page.locator(".flash-success").is_visible() and page.get_by_text("newcomer@example.com").count()
    shot(page, "2-invited")

    # The email was accepted by the SMTP server before the page answered; look for it among those received.
    received = [m for m in mailbox.messages if m["To"].addresses[0].addr_spec == "newcomer@example.com"]
    assert len(received) == 1 and received[0]["Content-Language"] == "pl"
    link = re.search(rf"{re.escape(base)}/staff/password/\S+", received[0].get_body(("plain",)).get_content()).group(0)

    invitee = new_page(PHONE)  # another browser: the colleague's
    invitee.goto(link)
    assert html_lang(invitee) == "pl", "the page speaks the language the admin chose for the account"
    assert invitee.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(invitee) == []
    invitee.fill("input[name=password]", "short")
    invitee.fill("input[name=confirm]", "short")
    assert submit(invitee) == 400
    assert invitee.locator(".errors").first.is_visible()
    shot(invitee, "3-too-short")
    invitee.fill("input[name=password]", "my own long password")
    invitee.fill("input[name=confirm]", "my own long password")
    assert submit(invitee) == 302
    assert "/staff/login" in invitee.url
    invitee.fill("input[name=email]", "newcomer@example.com")
    invitee.fill("input[name=password]", "my own long password")
    invitee.click("main button[type=submit]")
    assert "/staff/login" not in invitee.url
    assert html_lang(invitee) == "pl"  # signed in: the account's language
    assert invitee.locator("header a[href='/staff/reports/']").count() == 1  # an analyst's menu
    shot(invitee, "4-signed-in")

    again = invitee.goto(link)
    assert again.status == 410, "the link works once"


def test_admin_previews_a_draft_in_russian_on_a_phone_reorders_and_edits_a_question(live_server, new_page, shot):
    base, facts = live_server
    texts = {q["type"]: q["text"]["ru"] for q in PRESETS["exit"]["questions"]}
    admin = new_page(PHONE)
    sign_in(admin, base, facts, "admin")
    admin.goto(f"{base}/staff/surveys/new")
    admin.select_option("select[name=template]", "exit")
    admin.fill("input[name=slug]", "preview-e2e")
    admin.select_option("select[name=default_locale]", "ru")
    assert submit(admin) == 302
    assert admin.url == f"{base}/staff/surveys/preview-e2e"

    # The draft's form in Russian, inside the preview banner; the staff pages stay in English.
    admin.click("#preview-links a[hreflang=ru]")
    assert html_lang(admin) == "ru"
    banner = admin.locator("section.preview-banner")
    assert banner.is_visible() and "Preview — answers are not recorded" in banner.inner_text()
    legends = admin.locator("main legend, main div.field > label")
    assert texts["main_reason"] in legends.nth(0).text_content()
    assert texts["other_reasons"] in legends.nth(1).text_content()  # folded: its legend is for screen readers
    assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(admin, "1-preview")
    assert axe_violations(admin) == []
    # Sending it only shows what a respondent would be told.
    assert submit(admin) == 400
    assert admin.locator("#error-summary").is_visible()
    assert "Nothing was recorded" in banner.inner_text()
    assert admin.url.startswith(f"{base}/staff/surveys/preview-e2e/preview")

    banner.get_by_role("link", name="Back to the survey").click()
    assert html_lang(admin) == "en"
    questions = admin.locator("ol.questions > li")
    with admin.expect_response(lambda r: r.request.method == "POST") as moved:
        questions.nth(0).get_by_role("button", name="Move down").click()
    assert moved.value.status == 302
    assert "Question moved." in admin.inner_text("main")
    english = {q["type"]: q["text"]["en"] for q in PRESETS["exit"]["questions"]}
    assert questions.nth(0).locator("strong").inner_text() == english["other_reasons"]  # in the admin's language

    free_text = questions.nth(2)
    free_text.locator("summary").click()
    assert free_text.locator("textarea").input_value() == texts["free_text"]  # the survey's own language
    free_text.locator("textarea").fill("Что нам стоило сделать иначе?")
    with admin.expect_response(lambda r: r.request.method == "POST") as saved:
        free_text.get_by_role("button", name="Save question").click()
    assert saved.value.status == 302
    shot(admin, "2-survey-page")

    admin.click("#preview-links a[hreflang=ru]")
    assert html_lang(admin) == "ru"
    assert texts["other_reasons"] in legends.nth(0).text_content()
    assert texts["main_reason"] in legends.nth(1).text_content()
    assert "Что нам стоило сделать иначе?" in legends.nth(2).text_content()
    assert texts["free_text"] not in admin.inner_text("main")
    shot(admin, "3-preview-after")


def test_a_customer_on_a_phone_leaves_the_form_half_done_and_finds_it_again(live_server, new_page, shot):
    from playwright.sync_api import expect

    _base, facts = live_server
    link = facts["links"]["fr"][2]
    page = new_page(PHONE)
    page.goto(link)
    page.fill("textarea", "Je reviendrai finir plus tard.")
    status = page.locator("#draft-status")
    expect(status).not_to_be_empty(timeout=15000)  # saved as they typed, without pressing anything
    shot(page, "1-typing")
    again = new_page(PHONE)  # another tab, later: the same link from the email
    again.goto(link)
    assert again.input_value("textarea") == "Je reviendrai finir plus tard."
    assert again.locator("p.notice[role=status]").is_visible()
    shot(again, "2-resumed")
    assert axe_violations(again) == []


def test_analyst_plans_a_win_back_from_home_and_only_a_purchase_wins_the_customer_back(live_server, new_page, shot):
    from datetime import date

    from playwright.sync_api import expect

    base, facts = live_server
    page = new_page(PHONE)
    sign_in(page, base, facts, "analyst")
    assert page.url.rstrip("/").endswith("/staff")  # signing in leads home
    shot(page, "1-home")
    assert axe_violations(page) == []
    page.click("a:has-text('Win-back cases being worked on')")
    page.click("a:has-text('Odile Perdue')")
    assert page.url.endswith(f"/staff/winback/{facts['winback_case']}")
    # A plan step, done: the case is in progress.
    page.select_option("select[name=channel]", "call")
    page.fill("input[name=action]", "Ask what went wrong")
    page.fill("input[name=due]", date.today().isoformat())
    page.click("button:has-text('Add the step')")
    page.click("button:has-text('Mark done')")
    expect(page.locator("dl.facts")).to_contain_text("In progress")
    # A promise is not a return.
    page.click("button:has-text('Record their promise')")
    expect(page.locator("p.notice[role=status]")).to_contain_text("That is a promise, not a return")
    expect(page.locator("dl.facts")).to_contain_text("In progress")
    # A purchase after the lost date is.
    page.fill("input[name=amount]", "120")
    page.fill("input[name=order_ref]", "TEL-42")
    page.click("button:has-text('Record the purchase')")
    expect(page.locator("p.notice.ok")).to_contain_text("30 days after they were lost")
    expect(page.locator("p.notice.ok")).to_contain_text("Call")
    expect(page.locator("dl.facts")).to_contain_text("Won back")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "2-won-back")
    assert axe_violations(page) == []


def test_the_russian_form_on_a_phone_lists_the_reasons_once_and_takes_other_in_own_words(live_server, new_page,
                                                                                         shot):
    base, facts = live_server
    page = new_page(PHONE)
    page.goto(f"{base}/s/o/{facts['surveys']['exit']}?lang=ru")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2600, height  # was 3,370 px with the reasons listed twice
    assert page.locator("details.more-reasons").get_attribute("open") is None  # the second list is folded
    page.get_by_label("Другое (уточните)").check()
    assert submit(page) == 400  # nothing said yet: the message is at the box, and the summary leads there
    box = page.locator("input.other-reason")
    assert box.get_attribute("aria-invalid") == "true"
    page.locator(".error-summary a").first.click()
    from playwright.sync_api import expect

    expect(box).to_be_focused()
    box.fill("Новый владелец закупает всё централизованно")
    shot(page, "other-reason")
    assert submit(page) == 303
    assert axe_violations(page) == []
