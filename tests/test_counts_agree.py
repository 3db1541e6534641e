"""One definition of each count, used by every page: the invitations page and the dashboard's reach agree, and the
dashboard names the review queue's own count of answers waiting for staff."""
import re

from sqlalchemy import update

from survey_app.dbtypes import utcnow
from survey_app.invitations.models import Invitation, InvitationState
from tests.conftest import answer_data


def invitations_totals(page: str) -> dict[str, str]:
    head = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', page.split('id="tracking"')[1].split("</thead>")[0])
    foot = re.findall(r'<td class="num">([^<]+)</td>', page.split("<tfoot>")[1].split("</tfoot>")[0])
    return dict(zip(head[1:], foot, strict=True))


def reach(page: str) -> dict[str, str]:
    table = page.split('id="table-reach"')[1].split("</table>")[0]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', table))


def test_the_invitations_page_and_the_dashboard_count_alike(client, db, login, make_survey, make_customer,
                                                           make_invitation):
    survey = make_survey("exit")
    made = [make_invitation(survey, make_customer()) for _ in range(5)]
    ids, tokens = [invitation.id for invitation, _token in made], [token for _invitation, token in made]
    with db() as session:  # four emailed; the fifth still waits to be sent
        session.execute(update(Invitation).where(Invitation.id.in_(ids[:4])).values(state=InvitationState.SENT,
                                                                                     sent_at=utcnow()))
    client.get(f"/s/{tokens[0]}")  # opened, not answered
    for token in tokens[1:3]:  # answered; the visit of one of them was not recorded (an old link)
        assert client.post(f"/s/{token}", data=answer_data(survey, main_reason="moved")).status_code == 303
    with db() as session:
        session.execute(update(Invitation).where(Invitation.id == ids[2]).values(opened_at=None))
    login("admin")
    mine = invitations_totals(client.get(f"/staff/surveys/{survey.slug}/invitations/").text)
    theirs = reach(client.get(f"/staff/reports/?survey={survey.slug}").text)
    assert (mine["Invited"], mine["Sent"], mine["Opened"], mine["Answered"]) == ("5", "4", "3", "2")
    assert (theirs["Invited"], theirs["Sent"], theirs["Opened"], theirs["Answered"]) == ("5", "4", "3", "2")
    assert mine["Response rate"] == "50%"  # answered of sent


def test_the_dashboard_and_the_review_queue_count_the_same_waiting_answers(app, client, db, login, make_survey,
                                                                          make_optional, classifier, sort_answers):
    app.config["CLASSIFIER_THRESHOLD"] = 0.99  # the model is unsure of everything
    survey = make_survey("exit")
    make_optional(survey)
    for data in (answer_data(survey, free_text="hmm"), answer_data(survey, main_reason="moved", free_text="meh"),
                 answer_data(survey, main_reason="moved", free_text="whatever")):
        assert client.post(f"/s/o/{survey.slug}", data=data).status_code == 303
    sort_answers()
    login("analyst")
    queue = client.get("/staff/review/").text
    waiting = int(re.search(r"(\d+) free-text answers? wait", queue).group(1))
    dashboard = client.get("/staff/reports/").text
    assert waiting == 3
    assert f"{waiting} free-text answers wait in the review queue" in dashboard
    assert "1 not classified yet" in dashboard  # responses whose cause is unknown: one (the others chose one)
