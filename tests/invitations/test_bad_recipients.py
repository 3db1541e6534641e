"""One bad record never stops a mailing: names are kept on one line wherever they come from, headers are
built safely, and a recipient whose message cannot be written or sent fails alone."""
import io

from sqlalchemy import select, update

from survey_app.customers.importer import import_customers
from survey_app.customers.models import Customer
from survey_app.invitations.models import Invitation, InvitationState
from tests.invitations.test_sending import smtp_server  # noqa: F401  (fixture)


def test_a_line_break_in_a_name_or_address_fails_alone(app, runner, db, smtp_server, make_survey,  # noqa: F811
                                                       make_customer):
    survey = make_survey("exit")
    for ref in ("OK-1", "NAME", "ADDRESS", "OK-2"):
        make_customer(ref=ref, locale="fr")
    with db() as session:  # records written before names were cleaned, or straight into the database
        table = Customer.__table__
        session.execute(update(table).where(table.c.external_ref == "NAME").values(name="Jean\r\nBcc: x@evil.example"))
        session.execute(update(table).where(table.c.external_ref == "ADDRESS").values(email="bad\n@example.com"))
    runner.invoke(args=["invitations", "create", "--survey", survey.slug])
    result = runner.invoke(args=["invitations", "send", "--survey", survey.slug])
    assert result.exit_code == 0, result.output
    assert "sent 3, failed 0 (will retry), bounced 1" in result.output
    received = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages}
    assert len(received) == 3 and all(len(m.get_all("To")) == 1 for m in received.values())
    named = next(m for m in received.values() if "Jean" in str(m["To"]))
    assert named["To"].addresses[0].display_name == "Jean Bcc: x@evil.example" and named["Bcc"] is None
    with db() as session:
        states = {i.customer.external_ref: i for i in session.scalars(select(Invitation))}
    assert states["ADDRESS"].state == InvitationState.BOUNCED and "invalid address" in states["ADDRESS"].last_error
    assert states["ADDRESS"].customer.unreachable
    assert {states[r].state for r in ("OK-1", "NAME", "OK-2")} == {InvitationState.SENT}


def test_names_are_kept_on_one_line_on_import(app, db):
    data = ('external_ref,name,segment\n'
            '"R-\x0b1","Anna\r\nKowalska\t","Retail\u2028North"\n').encode()
    with app.app_context():
        report = import_customers(io.BytesIO(data))
    assert report.created == 1 and not report.errors
    with db() as session:
        customer = session.scalar(select(Customer))
    assert (customer.external_ref, customer.name, customer.segment) == ("R- 1", "Anna Kowalska", "Retail North")


def test_names_are_kept_on_one_line_in_the_forms(client, db, login, make_customer):
    login("admin")
    added = client.post("/staff/customers/new", data={"external_ref": "F-1", "name": "Piotr\r\nNowak",
                                                      "email": "", "locale": "pl", "status": "active",
                                                      "segment": "B2B\nEast"})
    assert added.status_code == 302
    customer = make_customer(ref="F-2")
    edited = client.post(f"/staff/customers/{customer.id}/edit", data={
        "external_ref": "F-2", "name": "Иван\x85Петров", "email": "", "locale": "ru", "status": "active"})
    assert edited.status_code == 302
    with db() as session:
        names = {c.external_ref: (c.name, c.segment) for c in session.scalars(select(Customer))}
    assert names == {"F-1": ("Piotr Nowak", "B2B East"), "F-2": ("Иван Петров", None)}


def test_a_message_that_cannot_be_written_fails_alone_and_is_retried_later(app, runner, db, smtp_server,  # noqa: F811
                                                                           make_survey, make_customer, monkeypatch):
    from survey_app.invitations import sending

    survey = make_survey("exit")
    for ref in ("OK-1", "BROKEN", "OK-2"):
        make_customer(ref=ref, name=f"Name {ref}")
    real = sending.render_invitation

    def render(survey, customer, *args, **kwargs):
        if customer.external_ref == "BROKEN":
            raise LookupError("template missing for this record")
        return real(survey, customer, *args, **kwargs)

    monkeypatch.setattr(sending, "render_invitation", render)
    runner.invoke(args=["invitations", "create", "--survey", survey.slug])
    result = runner.invoke(args=["invitations", "send", "--survey", survey.slug])
    assert result.exit_code == 0 and "sent 2, failed 1" in result.output, result.output
    with db() as session:
        broken = session.scalar(select(Invitation).join(Customer).where(Customer.external_ref == "BROKEN"))
    assert broken.state == InvitationState.FAILED and "template missing" in broken.last_error
    assert broken.next_attempt_at is not None and len(smtp_server.messages) == 2
