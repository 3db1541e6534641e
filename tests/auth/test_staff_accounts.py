"""Administrators manage staff from the staff pages: invite (an emailed one-time link to choose a password, in the
invitee's language), change role and language, reset a password, deactivate and reactivate; the refusals that
keep the staff area administered; 403 for everybody else."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app.auth.models import Role, StaffUser
from tests.conftest import PASSWORD, csrf_token
from tests.invitations.test_sending import smtp_server  # noqa: F401  (a fixture)

NEW_PASSWORD = "a long and new password"
LINK = re.compile(r"http://surveys\.example\.com(/staff/password/[\w.-]+)\s")


@pytest.fixture
def mailbox(smtp_server):  # noqa: F811
    """A real SMTP server on 127.0.0.1 the app sends to (``BASE_URL`` http://surveys.example.com); ``.messages``."""
    return smtp_server


def account(db, email: str) -> StaffUser:
    with db() as session:
        return session.scalar(select(StaffUser).where(StaffUser.email == email))


def emailed_link(message) -> str:
    """The path of the password link in an email."""
    return LINK.search(message.get_body(("plain",)).get_content()).group(1)


def invite(client, email="nowa@example.com", name="Anna Nowak", role="interviewer", locale="pl"):
    return client.post("/staff/users/invite", data={"email": email, "name": name, "role": role, "locale": locale})


def sign_in(app, email: str, password: str):
    """Sign a fresh browser in; return it and the status of the attempt."""
    browser = app.test_client()
    return browser, browser.post("/staff/login", data={"email": email, "password": password}).status_code


# --- the list ---------------------------------------------------------------------------------------------------

def test_admin_sees_every_account_with_role_language_state_and_last_sign_in(client, login, make_user):
    admin = login("admin")
    make_user("analyst", email="ana@example.com", locale="fr")
    page = client.get("/staff/users/")
    assert page.status_code == 200
    rows = {row.split("</td>")[1].rpartition(">")[2]: row for row in page.text.split("<tr>")[2:]}
    assert set(rows) == {admin.email, "ana@example.com"}
    assert "Analyst" in rows["ana@example.com"] and "Français" in rows["ana@example.com"]
    assert "Never" in rows["ana@example.com"] and "Never" not in rows[admin.email]  # the admin signed in
    assert "Administrator" in rows[admin.email] and "Active" in rows[admin.email]


def test_the_menu_links_to_staff_accounts_for_admins_only(app, client, login):
    login("admin")
    assert 'href="/staff/users/"' in client.get("/staff/surveys/").text
    analyst = app.test_client()
    login("analyst", the_client=analyst)
    assert 'href="/staff/users/"' not in analyst.get("/staff/surveys/").text


@pytest.mark.parametrize("role", ["analyst", "interviewer"])
def test_only_admins_may_open_or_use_the_staff_account_pages(client, login, make_user, db, role):
    other = make_user("analyst", email="other@example.com")
    login(role)
    for url in ("/staff/users/", "/staff/users/invite", f"/staff/users/{other.id}"):
        assert client.get(url).status_code == 403, url
    for url in ("/staff/users/invite", f"/staff/users/{other.id}", f"/staff/users/{other.id}/reset",
                f"/staff/users/{other.id}/deactivate", f"/staff/users/{other.id}/activate"):
        assert client.post(url, data={"email": "x@example.com", "role": "admin", "locale": "en"}).status_code == 403
    stored = account(db, "other@example.com")
    assert stored.role == Role.ANALYST and stored.active and stored.session_version == 0
    assert account(db, "x@example.com") is None


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/staff/users/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


# --- inviting ---------------------------------------------------------------------------------------------------

def test_invitee_receives_a_polish_email_whose_link_sets_the_password_once(app, client, login, db, mailbox):
    login("admin")
    response = invite(client)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/users/"
    assert "nowa@example.com" in client.get("/staff/users/").text
    invited = account(db, "nowa@example.com")
    assert (invited.role, invited.locale, invited.name, invited.has_password) == (Role.INTERVIEWER, "pl",
                                                                                 "Anna Nowak", False)
    assert sign_in(app, "nowa@example.com", "")[1] != 302  # no password signs in before one is chosen

    [message] = mailbox.messages
    assert message["To"].addresses[0].addr_spec == "nowa@example.com"
    assert message["Content-Language"] == "pl" and message["From"] == "surveys@example.com"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("Dzień dobry (Anna Nowak),")  # a greeting that works with any name, no vocative needed
    assert "nowa@example.com" in text and text.count("http://") == 1
    link = emailed_link(message)

    visitor = app.test_client()
    page = visitor.get(link)
    assert page.status_code == 200 and '<html lang="pl">' in page.text and "nowa@example.com" in page.text
    too_short = visitor.post(link, data={"password": "short", "confirm": "short"})
    assert too_short.status_code == 400 and "Hasło musi mieć co najmniej 10 znaków." in too_short.text
    different = visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert different.status_code == 400 and account(db, "nowa@example.com").has_password is False
    done = visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/staff/login"

    browser, status = sign_in(app, "nowa@example.com", NEW_PASSWORD)
    assert status == 302 and browser.get("/staff/interviews").status_code == 200
    again = app.test_client().get(link)
    assert again.status_code == 410 and "This link has been used" in again.text
    assert app.test_client().post(link, data={"password": "another long password",
                                              "confirm": "another long password"}).status_code == 410
    assert sign_in(app, "nowa@example.com", NEW_PASSWORD)[1] == 302


def test_a_taken_email_is_refused_on_the_form_with_what_was_typed_kept(client, login, make_user, db):
    make_user("analyst", email="taken@example.com")
    login("admin", locale="pl")
    page = invite(client, email="Taken@Example.com", name="Drugi Ktoś", role="admin", locale="ru")
    assert page.status_code == 409
    assert "Adres taken@example.com ma już konto." in page.text  # the message the catalogue already has
    assert 'value="Taken@Example.com"' in page.text and 'value="Drugi Ktoś"' in page.text
    assert '<option selected value="admin">' in page.text and '<option selected value="ru">' in page.text
    assert account(db, "taken@example.com").role == Role.ANALYST


def test_an_invalid_email_is_refused_with_a_translated_message_and_nothing_created(client, login, db, mailbox):
    login("admin", locale="pl")
    page = invite(client, email="not-an-address", name="Anna")
    assert page.status_code == 400
    assert "Nieprawidłowy adres e-mail." in page.text and 'value="not-an-address"' in page.text
    assert 'value="Anna"' in page.text
    with db() as session:
        assert len(session.scalars(select(StaffUser.email)).all()) == 1  # the admin only
    assert mailbox.messages == []


def test_an_unknown_role_or_language_is_refused(client, login):
    login("admin")
    assert invite(client, role="owner").status_code == 400
    assert invite(client, locale="de").status_code == 400


def test_an_email_that_cannot_be_sent_leaves_the_account_and_says_so(app, client, login, db):
    from tests.invitations.test_sending import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens there
    login("admin")
    response = invite(client, locale="en")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "The email to nowa@example.com could not be sent." in page.text
    assert account(db, "nowa@example.com").has_password is False


# --- the link ---------------------------------------------------------------------------------------------------

def test_the_link_expires_after_seven_days(app, client, login, mailbox, monkeypatch):
    import survey_app.auth.links as links

    login("admin")
    invite(client, locale="en")
    link = emailed_link(mailbox.messages[0])
    sent = links._clock()
    monkeypatch.setattr(links, "_clock", lambda: sent + 7 * 86400 - 60)
    assert app.test_client().get(link).status_code == 200
    monkeypatch.setattr(links, "_clock", lambda: sent + 7 * 86400 + 60)
    page = app.test_client().get(link)
    assert page.status_code == 410 and "This link has expired" in page.text
    late = app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert late.status_code == 410


def test_the_lifetime_of_links_is_a_setting_and_the_email_says_it(app, client, login, mailbox, monkeypatch):
    import survey_app.auth.links as links

    app.config["STAFF_LINK_DAYS"] = 1
    login("admin")
    invite(client, locale="en")
    assert "it works once, for 1 day):" in mailbox.messages[0].get_body(("plain",)).get_content()
    link = emailed_link(mailbox.messages[0])
    sent = links._clock()
    monkeypatch.setattr(links, "_clock", lambda: sent + 86400 - 60)
    assert app.test_client().get(link).status_code == 200
    monkeypatch.setattr(links, "_clock", lambda: sent + 86400 + 60)
    assert app.test_client().get(link).status_code == 410


@pytest.mark.parametrize("change", ["cut", "forged"])
def test_a_damaged_link_is_not_found(app, client, login, mailbox, change):
    login("admin")
    invite(client, locale="en")
    link = emailed_link(mailbox.messages[0])
    damaged = link[:-6] if change == "cut" else link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    page = app.test_client().get(damaged)
    assert page.status_code == 404 and "This link is not valid" in page.text


# --- role and language ------------------------------------------------------------------------------------------

def test_admin_changes_role_and_language(client, login, make_user, db):
    other = make_user("interviewer", email="iv@example.com")
    login("admin")
    assert client.get(f"/staff/users/{other.id}").status_code == 200
    response = client.post(f"/staff/users/{other.id}", data={"role": "analyst", "locale": "ru"})
    assert response.status_code == 302
    stored = account(db, "iv@example.com")
    assert (stored.role, stored.locale) == (Role.ANALYST, "ru")
    client.post(f"/staff/users/{other.id}", data={"role": "analyst", "locale": ""})
    assert account(db, "iv@example.com").locale is None  # the browser's language


def test_an_admin_cannot_demote_themselves(client, login, make_user, db):
    make_user("admin", email="second-admin@example.com")
    me = login("admin")
    page = client.post(f"/staff/users/{me.id}", data={"role": "analyst", "locale": "en"})
    assert page.status_code == 409 and "You cannot do this to your own account" in page.text
    assert '<option selected value="analyst">' in page.text  # what was chosen is kept
    assert account(db, me.email).role == Role.ADMIN
    # Changing only their own language is fine.
    assert client.post(f"/staff/users/{me.id}", data={"role": "admin", "locale": "fr"}).status_code == 302
    assert account(db, me.email).locale == "fr"


def test_an_invalid_choice_on_the_account_form_is_a_400(client, login, make_user):
    other = make_user("analyst")
    login("admin")
    assert client.post(f"/staff/users/{other.id}", data={"role": "owner", "locale": "en"}).status_code == 400
    assert client.post("/staff/users/999999", data={"role": "admin", "locale": "en"}).status_code == 404


@pytest.mark.parametrize("change", ["demote", "deactivate"])
def test_the_last_active_admin_keeps_the_role_and_stays_active(app, db, make_user, change):
    """Only reachable when two admins act at once (each refused on their own account); the rule holds anyway."""
    from survey_app.auth.services import AccountRefused, deactivate, update_account
    from survey_app.extensions import db as _db

    only = make_user("admin", email="only@example.com")
    make_user("admin", email="left@example.com", password=PASSWORD)
    helper = make_user("analyst", email="helper@example.com")
    with app.app_context():
        _db.session.get(StaffUser, only.id + 1).active = False
        target, by = _db.session.get(StaffUser, only.id), _db.session.get(StaffUser, helper.id)
        with pytest.raises(AccountRefused) as refused:
            if change == "demote":
                update_account(target, "analyst", None, by=by)
            else:
                deactivate(target, by=by)
        assert refused.value.code == "last_admin"
        assert str(refused.value) == ("only@example.com is the last active administrator: make another account an "
                                      "administrator first.")
        _db.session.rollback()
    assert account(db, "only@example.com").active and account(db, "only@example.com").role == Role.ADMIN


# --- deactivating -----------------------------------------------------------------------------------------------

def test_deactivating_ends_the_sessions_and_reactivating_lets_the_account_back(app, client, login, make_user, db):
    other = make_user("analyst", email="leaving@example.com")
    their_browser, status = sign_in(app, other.email, PASSWORD)
    assert status == 302 and their_browser.get("/staff/surveys/").status_code == 200
    login("admin")
    response = client.post(f"/staff/users/{other.id}/deactivate")
    assert response.status_code == 302
    assert "can no longer sign in" in client.get(response.headers["Location"]).text
    assert their_browser.get("/staff/surveys/").status_code == 302  # signed out at once
    assert sign_in(app, other.email, PASSWORD)[1] == 401
    assert "Deactivated" in client.get("/staff/users/").text

    assert client.post(f"/staff/users/{other.id}/activate").status_code == 302
    assert account(db, other.email).active
    assert sign_in(app, other.email, PASSWORD)[1] == 302


def test_an_admin_cannot_deactivate_themselves(client, login, make_user, db):
    make_user("admin", email="second-admin@example.com")
    me = login("admin")
    page = client.post(f"/staff/users/{me.id}/deactivate")
    assert page.status_code == 409 and "You cannot do this to your own account" in page.text
    assert account(db, me.email).active and client.get("/staff/users/").status_code == 200


def test_deactivation_spends_a_link_already_sent(app, client, login, db, mailbox):
    login("admin")
    invite(client, locale="en")
    link = emailed_link(mailbox.messages[0])
    invited = account(db, "nowa@example.com")
    client.post(f"/staff/users/{invited.id}/deactivate")
    assert app.test_client().get(link).status_code == 410
    client.post(f"/staff/users/{invited.id}/activate")
    assert app.test_client().get(link).status_code == 410  # reactivating does not bring old links back


# --- resetting a password ---------------------------------------------------------------------------------------

def test_a_reset_stops_the_old_password_at_once_and_emails_a_new_link(app, client, login, make_user, db,
                                                                       mailbox):
    other = make_user("analyst", email="forgot@example.com", locale="pl")
    their_browser, _status = sign_in(app, other.email, PASSWORD)
    login("admin")
    response = client.post(f"/staff/users/{other.id}/reset")
    assert response.status_code == 302
    assert "An email with a link to choose a password was sent to forgot@example.com." in client.get(
        response.headers["Location"]).text
    assert their_browser.get("/staff/surveys/").status_code == 302  # every session ended
    assert sign_in(app, other.email, PASSWORD)[1] == 401  # the old password no longer works
    assert "Waiting for a password" in client.get("/staff/users/").text

    [message] = mailbox.messages
    assert message["To"].addresses[0].addr_spec == "forgot@example.com" and message["Content-Language"] == "pl"
    link = emailed_link(message)
    assert app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert sign_in(app, other.email, NEW_PASSWORD)[1] == 302


def test_a_newer_link_spends_the_older_one(app, client, login, db, mailbox):
    login("admin")
    invite(client, locale="en")
    invited = account(db, "nowa@example.com")
    client.post(f"/staff/users/{invited.id}/reset")
    first, second = (emailed_link(m) for m in mailbox.messages)
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 200


def test_an_admin_cannot_reset_their_own_password_nor_a_deactivated_account(client, login, make_user, db,
                                                                            mailbox):
    me = login("admin")
    gone = make_user("analyst", email="gone@example.com")
    client.post(f"/staff/users/{gone.id}/deactivate")
    own = client.post(f"/staff/users/{me.id}/reset")
    assert own.status_code == 409 and "You cannot do this to your own account" in own.text
    inactive = client.post(f"/staff/users/{gone.id}/reset")
    assert inactive.status_code == 409 and "This account is deactivated: reactivate it first." in inactive.text
    assert mailbox.messages == [] and account(db, me.email).has_password


# --- CSRF and rate limit ----------------------------------------------------------------------------------------

def test_every_form_needs_its_csrf_token(csrf_app, client, make_user, db, mailbox):
    admin = make_user("admin", email="boss@example.com")
    other = make_user("analyst", email="other@example.com")
    token = csrf_token(client.get("/staff/login").text)
    client.post("/staff/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    data = {"email": "nowa@example.com", "name": "X", "role": "admin", "locale": "en"}
    for url in ("/staff/users/invite", f"/staff/users/{other.id}", f"/staff/users/{other.id}/reset",
                f"/staff/users/{other.id}/deactivate", f"/staff/users/{other.id}/activate"):
        assert client.post(url, data=data).status_code == 400, url
    assert account(db, "nowa@example.com") is None and account(db, other.email).active
    assert account(db, other.email).role == Role.ANALYST and mailbox.messages == []

    form = client.get("/staff/users/invite").text
    assert client.post("/staff/users/invite", data={**data, "csrf_token": csrf_token(form)}).status_code == 302
    link = emailed_link(mailbox.messages[0])
    visitor = csrf_app.test_client()
    assert visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400
    assert account(db, "nowa@example.com").has_password is False
    token = csrf_token(visitor.get(link).text)
    done = visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token})
    assert done.status_code == 302 and account(db, "nowa@example.com").has_password


def test_the_password_page_is_rate_limited(app):
    from survey_app import create_app
    from survey_app.config import TestingConfig
    from survey_app.extensions import limiter

    throttled = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                           RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    try:
        browser = throttled.test_client()
        statuses = [browser.get("/staff/password/guessed-token").status_code for _ in range(4)]
        assert statuses == [404, 404, 404, 429]
        assert browser.post("/staff/password/guessed-token", data={"password": "x" * 12}).status_code == 429
    finally:
        limiter.init_app(app)  # the limiter is shared: give the test app back its own settings
