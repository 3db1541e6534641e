"""Creating invitations from the staff page and the ``flask invitations`` command."""
import html
import re
from urllib.parse import urlsplit

from sqlalchemy import func, select

from survey_app.invitations.models import Invitation, InvitationState
from survey_app.invitations.services import hash_token
from survey_app.surveys.presets import PRESETS

TOKEN_LINK_RE = re.compile(r'<input id="new-link-url" class="token-link" type="text" readonly value="([^"]+)" '
                           r'autofocus')


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', page).group(1)


def invitations(db) -> list[Invitation]:
    with db() as session:
        query = select(Invitation).order_by(Invitation.created_at, Invitation.token_hash)
        return session.scalars(query).all()


def test_admin_invites_a_customer_and_the_link_opens_the_survey(client, db, login, make_survey,
                                                                  make_customer):
    survey = make_survey("exit")
    customer = make_customer(ref="CRM-7", locale="fr")
    login("admin")
    url = f"/staff/surveys/{survey.slug}/invitations/"
    assert client.get(url).status_code == 200

    created = client.post(url, data={"customer_ref": "CRM-7"})
    assert created.status_code == 201
    links = TOKEN_LINK_RE.findall(created.text)
    assert len(links) == 1
    link = html.unescape(links[0])
    path = urlsplit(link).path
    assert path.startswith("/s/")
    token = path.removeprefix("/s/")
    assert created.text.count(token) == 1  # in the focused field at the top, nowhere else
    assert created.text.index('id="new-link-url"') < created.text.index('id="tracking"')  # above everything else
    assert 'data-copy="new-link-url"' in created.text and "copy.js" in created.text

    [invitation] = invitations(db)
    assert invitation.customer_id == customer.id and invitation.survey_id == survey.id
    assert invitation.locale == "fr" and invitation.state == InvitationState.PENDING
    assert invitation.token_hash == hash_token(token)
    with db() as session:
        row = session.execute(select(Invitation.__table__)).one()
    assert all(token not in str(value) for value in row)  # only the hash is stored

    # The link is shown once: the list afterwards names the customer but not the link.
    listed = client.get(url)
    assert listed.status_code == 200
    assert "CRM-7" in listed.text
    assert token not in listed.text and 'class="token-link"' not in listed.text

    answer = client.get(path)
    assert answer.status_code == 200
    assert html_lang(answer.text) == "fr"
    assert html.escape(PRESETS["exit"]["title"]["fr"]) in answer.text
    assert "<form" in answer.text


def test_inviting_the_same_customer_again_is_a_conflict(client, db, login, make_survey, make_customer):
    survey = make_survey("exit")
    make_customer(ref="CRM-7")
    login("admin")
    url = f"/staff/surveys/{survey.slug}/invitations/"
    first = client.post(url, data={"customer_ref": "CRM-7"})
    assert first.status_code == 201
    again = client.post(url, data={"customer_ref": "CRM-7"})
    assert again.status_code == 409
    assert 'class="errors"' in again.text
    assert 'class="token-link"' not in again.text
    assert 'value="CRM-7"' in again.text
    assert len(invitations(db)) == 1


def test_same_customer_may_be_invited_to_another_survey(client, db, login, make_survey, make_customer):
    exit_survey, loyalty_survey = make_survey("exit"), make_survey("loyalty")
    make_customer(ref="CRM-7")
    login("admin")
    for survey in (exit_survey, loyalty_survey):
        assert client.post(f"/staff/surveys/{survey.slug}/invitations/",
                           data={"customer_ref": "CRM-7"}).status_code == 201
    assert sorted(i.survey_id for i in invitations(db)) == sorted([exit_survey.id, loyalty_survey.id])


def test_unknown_customer_reference_is_refused_with_an_error(client, db, login, make_survey):
    survey = make_survey("exit")
    login("admin")
    page = client.post(f"/staff/surveys/{survey.slug}/invitations/", data={"customer_ref": "NO-SUCH-REF"})
    assert page.status_code in (400, 409)
    assert 'class="errors"' in page.text
    assert 'value="NO-SUCH-REF"' in page.text
    assert 'class="token-link"' not in page.text
    assert invitations(db) == []


def test_empty_reference_is_a_400(client, db, login, make_survey):
    survey = make_survey("exit")
    login("admin")
    page = client.post(f"/staff/surveys/{survey.slug}/invitations/", data={"customer_ref": ""})
    assert page.status_code == 400
    assert invitations(db) == []


def test_invitations_of_an_unknown_survey_are_not_found(client, login):
    login("admin")
    assert client.get("/staff/surveys/no-such-survey/invitations/").status_code == 404


def test_command_prints_a_link_with_a_fresh_token(app, runner, client, db, make_survey, make_customer):
    survey = make_survey("loyalty")
    make_customer(ref="CRM-9", locale="ru")
    result = runner.invoke(args=["invitations", "add", "--survey", survey.slug, "--customer", "CRM-9"])
    assert result.exit_code == 0, result.output
    ref, link = result.output.strip().split("\t")
    assert ref == "CRM-9"
    match = re.fullmatch(r"(.+)/s/([A-Za-z0-9_-]{32})", link)
    assert match and match.group(1) == app.config["BASE_URL"].rstrip("/")
    token = match.group(2)
    [invitation] = invitations(db)
    assert invitation.token_hash == hash_token(token) != token
    page = client.get(f"/s/{token}")
    assert page.status_code == 200 and html_lang(page.text) == "ru"


def test_command_reports_an_already_invited_customer(runner, db, make_survey, make_customer):
    survey = make_survey("exit")
    make_customer(ref="CRM-9")
    args = ["invitations", "add", "--survey", survey.slug, "--customer", "CRM-9"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert "already invited" in again.output
    assert "/s/" not in again.output
    assert len(invitations(db)) == 1


def test_command_refuses_unknown_survey_or_customer(runner, db, make_survey):
    survey = make_survey("exit")
    unknown_survey = runner.invoke(args=["invitations", "add", "--survey", "nope", "--customer", "CRM-1"])
    assert unknown_survey.exit_code != 0 and "nope" in unknown_survey.output
    unknown_customer = runner.invoke(args=["invitations", "add", "--survey", survey.slug,
                                           "--customer", "CRM-404"])
    assert unknown_customer.exit_code != 0 and "CRM-404" in unknown_customer.output
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Invitation)) == 0
