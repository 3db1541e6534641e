"""Links signed by a product's own cancel flow (issue 16, part 3): ``/s/o/<slug>?ref=…&lang=…&exp=…&sig=…``
attaches the answer to the customer it names, once per link; a bad or expired signature falls back to the
anonymous form or is refused, as the survey says."""
from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from urllib.parse import urlencode

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from survey_app.customers.models import Customer
from survey_app.responses.models import Channel, Response
from survey_app.surveys.models import LinkFallback, Survey
from tests.conftest import answer_data
from tests.responses.test_double_submit import submission_key

SECRET = "cancel-flow-secret"


def link(slug: str = "exit", ref: str = "ACME-1", lang: str = "fr", valid: int = 3600, secret: str = SECRET,
         exp: int | None = None, **override: str) -> str:
    """A signed link, computed as the README tells integrators to; ``override``: query values put in after
    signing (``ref_``, ``lang_``, ``exp_``, ``sig``)."""
    override = {k.rstrip("_"): v for k, v in override.items()}
    exp = exp if exp is not None else int(time.time()) + valid
    sig = hmac.new(secret.encode(), f"{slug}\n{ref}\n{lang}\n{exp}".encode(), hashlib.sha256).hexdigest()
    query = {"ref": ref, "lang": lang, "exp": str(exp), "sig": sig, **override}
    return f"/s/o/{slug}?{urlencode(query)}"


def tampered(change: dict[str, str], lang: str = "en") -> str:
    """A good link for ACME-1, then one of its parameters changed."""
    return link(lang=lang, **change)


@pytest.fixture
def signed_survey(make_survey):
    def make(fallback: LinkFallback = LinkFallback.REFUSE, open_link: bool = True, slug: str = "exit", **settings):
        return make_survey("exit", slug=slug, open_link=open_link, signed_links=True, link_secret=SECRET,
                           link_fallback=fallback, **settings)

    return make


def responses(db) -> list[Response]:
    with db() as session:
        found = session.scalars(select(Response).order_by(Response.id)).all()
        for response in found:
            _ = response.customer
        return found


def answer(client, survey, url: str, **values):
    page = client.get(url)
    assert page.status_code == 200, page.text
    data = {**answer_data(survey, **(values or {"main_reason": "moved"})), "submission_key": submission_key(page.text)}
    return page, client.post(url, data=data)


@pytest.mark.parametrize("lang", ["en", "fr", "pl", "ru"])
def test_a_signed_link_attaches_the_answer_to_a_new_customer_in_its_language(client, db, signed_survey, lang):
    survey = signed_survey()
    page, sent = answer(client, survey, link(ref=f"NEW-{lang}", lang=lang))
    assert f'<html lang="{lang}"' in page.text
    assert sent.status_code == 303
    [response] = responses(db)
    assert response.channel == Channel.LINK and response.locale == lang
    assert response.customer.external_ref == f"NEW-{lang}" and response.customer.locale == lang
    assert response.link_mark and response.consent_text


def test_a_signed_link_attaches_the_answer_to_an_existing_customer_without_changing_them(client, db,
                                                                                        signed_survey, make_customer):
    survey = signed_survey()
    customer = make_customer(locale="pl", ref="ACME-1", name="Acme sp. z o.o.")
    _page, sent = answer(client, survey, link(ref="ACME-1", lang="ru"))
    assert sent.status_code == 303
    [response] = responses(db)
    assert response.customer_id == customer.id and response.locale == "ru"
    with db() as session:
        assert session.get(Customer, customer.id).locale == "pl"
        assert session.scalar(select(func.count()).select_from(Customer)) == 1


def test_the_customer_may_switch_language_without_breaking_the_signature(client, db, signed_survey):
    survey = signed_survey()
    url = link(ref="SWITCH-1", lang="fr")
    page = client.get(url)
    switch = re.search(r'href="([^"]+)" lang="pl"', page.text).group(1).replace("&amp;", "&")
    assert "hl=pl" in switch and "lang=fr" in switch
    page, sent = answer(client, survey, switch)
    assert '<html lang="pl"' in page.text and sent.status_code == 303
    [response] = responses(db)
    assert response.locale == "pl" and response.customer.locale == "fr"


def test_a_signed_link_works_without_the_public_link(client, db, signed_survey):
    survey = signed_survey(open_link=False)
    assert client.get("/s/o/exit").status_code == 404
    assert answer(client, survey, link())[1].status_code == 303
    assert len(responses(db)) == 1


def test_an_anonymous_survey_takes_signed_links_but_creates_no_customer(client, db, signed_survey):
    survey = signed_survey(anonymous=True)
    assert answer(client, survey, link(ref="ANON-1"))[1].status_code == 303
    [response] = responses(db)
    assert response.customer_id is None and response.link_mark
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_a_link_is_answered_once(client, db, signed_survey):
    survey = signed_survey()
    url = link()
    page, sent = answer(client, survey, url)
    assert sent.status_code == 303
    # The same form sent again thanks again; another form on the same link, or opening it again, is told it is used.
    data = {**answer_data(survey, main_reason="moved"), "submission_key": submission_key(page.text)}
    assert client.post(url, data=data).status_code == 303
    again = client.get(url)
    assert again.status_code == 409 and "Vous avez déjà répondu" in again.text
    other = app_client_post(client, url, {**data, "submission_key": "Z" * 22})
    assert other.status_code == 409
    assert len(responses(db)) == 1
    # A new link for the same customer is another link.
    assert answer(client, survey, link(valid=7200))[1].status_code == 303
    assert len(responses(db)) == 2 and len({r.customer_id for r in responses(db)}) == 1


def app_client_post(client, url, data):
    return client.post(url, data=data)


@pytest.mark.parametrize("same_form", [True, False], ids=["same-form", "two-tabs"])
def test_sending_a_link_at_the_same_moment_stores_one_response_and_one_customer(app, db, signed_survey, same_form):
    survey = signed_survey()
    url = link(ref="RACE-1")
    keys = [submission_key(app.test_client().get(url).text) for _ in range(4)]
    statuses, start = [], threading.Barrier(4)

    def send(key: str) -> None:
        client = app.test_client()
        start.wait()
        data = {**answer_data(survey, main_reason="moved"), "submission_key": keys[0] if same_form else key}
        statuses.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=send, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if same_form:
        assert statuses == [303] * 4
    else:
        assert sorted(statuses) == [303, 409, 409, 409]
    assert len(responses(db)) == 1
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1


TAMPERED = [
    ("ref", {"ref_": "ACME-2"}),
    ("lang", {"lang_": "pl"}),
    ("exp", {"exp_": str(int(time.time()) + 999_999)}),
    ("sig", {"sig": "0" * 64}),
    ("sig-missing", {"sig": ""}),
    ("sig-garbage", {"sig": "not-a-signature"}),
    ("ref-missing", {"ref_": ""}),
    ("exp-not-a-number", {"exp_": "tomorrow"}),
]


@pytest.mark.parametrize(("what", "change"), TAMPERED, ids=[t[0] for t in TAMPERED])
def test_a_tampered_link_is_refused_with_a_translated_page(app, client, db, signed_survey, what, change):
    survey = signed_survey(fallback=LinkFallback.REFUSE)
    url = tampered(change)
    page = client.get(url)
    assert page.status_code == 403
    lang = re.search(r'<html lang="([a-z]+)"', page.text).group(1)
    assert lang == change.get("lang_", "en")
    with app.test_request_context(), force_locale(lang):
        assert gettext("This link cannot be used") in page.text
        assert gettext("Error %(code)s", code=403) not in page.text  # told in words, as other link outcomes
    sent = client.post(url, data=answer_data(survey, main_reason="moved"))
    assert sent.status_code == 403
    assert responses(db) == []


@pytest.mark.parametrize(("what", "change"), TAMPERED, ids=[t[0] for t in TAMPERED])
def test_a_tampered_link_falls_back_to_the_anonymous_form_when_the_survey_says_so(client, db, signed_survey, what,
                                                                                   change):
    survey = signed_survey(fallback=LinkFallback.ANONYMOUS)
    _page, sent = answer(client, survey, tampered(change))
    assert sent.status_code == 303
    [response] = responses(db)
    assert response.customer_id is None and response.link_mark is None
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_the_anonymous_fallback_needs_the_public_link(client, signed_survey):
    signed_survey(fallback=LinkFallback.ANONYMOUS, open_link=False)
    assert client.get(link(sig="0" * 64)).status_code == 403


def test_an_expired_link_is_refused_or_falls_back(client, db, signed_survey, make_survey):
    signed_survey(fallback=LinkFallback.REFUSE)
    page = client.get(link(exp=int(time.time()) - 1, lang="ru"))
    assert page.status_code == 403 and '<html lang="ru"' in page.text
    page = client.get(link(exp=int(time.time()) - 1, lang="en"))
    assert page.status_code == 403 and "This link has expired" in page.text
    survey = signed_survey(fallback=LinkFallback.ANONYMOUS, slug="exit-2")
    _page, sent = answer(client, survey, link(slug="exit-2", exp=int(time.time()) - 1))
    assert sent.status_code == 303 and responses(db)[0].customer_id is None


def test_a_link_signed_for_another_survey_is_refused(client, signed_survey, make_survey):
    signed_survey(slug="exit")
    make_survey("exit", slug="other", signed_links=True, link_secret="other-secret")
    assert client.get(link(slug="exit")).status_code == 200
    assert client.get(link(slug="exit").replace("/s/o/exit?", "/s/o/other?")).status_code == 403
    # Same secret, other slug: the slug is signed too.
    with_other_slug = link(slug="exit").replace("/s/o/exit?", "/s/o/other?")
    assert client.get(with_other_slug).status_code == 403


def test_a_closed_or_draft_survey_takes_no_signed_answer(client, db, signed_survey, make_survey):
    signed_survey(state="closed")
    assert client.get(link()).status_code == 410
    make_survey("exit", slug="draft", state="draft", signed_links=True, link_secret=SECRET)
    assert client.get(link(slug="draft")).status_code == 404
    assert responses(db) == []


def test_signed_links_off_ignore_the_signature(client, db, make_survey):
    survey = make_survey("exit", slug="exit", open_link=True, link_secret=SECRET)
    _page, sent = answer(client, survey, link())
    assert sent.status_code == 303 and responses(db)[0].customer_id is None
    make_survey("exit", slug="closed-link", open_link=False, link_secret=SECRET)
    assert client.get(link(slug="closed-link")).status_code == 404


def test_a_new_secret_invalidates_the_links_signed_before(app, client, db, signed_survey):
    from survey_app.surveys.services import rotate_link_secret

    survey = signed_survey()
    old = link()
    assert client.get(old).status_code == 200
    with db() as session:
        rotate_link_secret(session.get(Survey, survey.id))
    assert client.get(old).status_code == 403
    with db() as session:
        secret = session.get(Survey, survey.id).link_secret
    assert secret != SECRET and client.get(link(secret=secret)).status_code == 200


def test_a_form_opened_before_the_link_expired_can_still_be_sent(client, db, signed_survey, monkeypatch):
    from survey_app.responses import public

    survey = signed_survey(fallback=LinkFallback.REFUSE)
    url = link(ref="LATE-1", valid=60)
    page = client.get(url)
    assert page.status_code == 200
    later = time.time() + 600  # the customer took ten minutes to write; the link expired meanwhile
    monkeypatch.setattr(public, "_now", lambda: later)
    assert client.get(url).status_code == 403
    assert 'name="signed_form" value="1"' in page.text
    sent = client.post(url, data={**answer_data(survey, main_reason="moved"), "signed_form": "1",
                                  "submission_key": submission_key(page.text)})
    assert sent.status_code == 303
    assert responses(db)[0].customer.external_ref == "LATE-1"
    monkeypatch.setattr(public, "_now", lambda: later + public.SIGNED_FORM_GRACE)
    assert client.post(url, data={**answer_data(survey, main_reason="moved"), "signed_form": "1"}).status_code == 403
