"""Customers are never invited to a staff survey: the page and the CLI refuse with a clear message."""
import pytest
from sqlalchemy import func, select

from survey_app.invitations.models import Invitation
from survey_app.invitations.services import StaffSurveyNotInvited, create_invitation

MESSAGE = "is a staff survey: the team answers it anonymously through its public link"


def invitation_count(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Invitation))


def test_inviting_one_customer_from_the_page_is_refused(client, db, login, make_survey, make_customer):
    survey = make_survey("staff", slug="team-a")
    make_customer(ref="CRM-1")
    login("admin")
    refused = client.post(f"/staff/surveys/{survey.slug}/invitations/", data={"customer_ref": "CRM-1"})
    assert refused.status_code == 409
    assert "No invitations for a staff survey" in refused.text and f"“team-a” {MESSAGE}" in refused.text
    assert invitation_count(db) == 0


@pytest.mark.parametrize("action", ["preview", "create"])
def test_inviting_customers_by_filter_is_refused(client, db, login, make_survey, make_customer, action):
    survey = make_survey("staff")
    make_customer(ref="CRM-2")
    login("admin")
    refused = client.post(f"/staff/surveys/{survey.slug}/invitations/recipients",
                          data={"status": "", "locale": "", "action": action})
    assert refused.status_code == 409 and MESSAGE in refused.text
    assert invitation_count(db) == 0


def test_cli_add_and_create_are_refused(runner, db, make_survey, make_customer):
    survey = make_survey("staff", slug="team-b")
    make_customer(ref="CRM-3")
    for args in (["invitations", "add", "--survey", "team-b", "--customer", "CRM-3"],
                 ["invitations", "create", "--survey", "team-b"],
                 ["invitations", "create", "--survey", "team-b", "--dry-run"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and MESSAGE in result.output, args
    assert invitation_count(db) == 0
    assert runner.invoke(args=["invitations", "stats", "--survey", survey.slug]).exit_code == 0


def test_the_service_refuses_and_customer_surveys_still_invite(app, make_survey, make_customer):
    staff, departed = make_survey("staff"), make_survey("exit")
    customer = make_customer()
    with app.app_context():
        from survey_app.extensions import db

        with pytest.raises(StaffSurveyNotInvited):
            create_invitation(db.session.merge(staff), db.session.merge(customer))
        invitation, _token = create_invitation(db.session.merge(departed), db.session.merge(customer))
        assert invitation.id is not None
        db.session.rollback()
